from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "academy.notifications"
    label = "notifications"
    verbose_name = _("Notifications and reminders")

    def ready(self) -> None:
        # Each app's reminders.py registers its kinds, sweeps and manual reminders (and its
        # signal receivers), as the admin finds admin.py: this app imports none of them.
        from django.utils.module_loading import autodiscover_modules

        from academy.people.services import register_message_sender

        from .services import NotificationSender

        # People's invitations and practice reviews are sent through this app.
        register_message_sender(NotificationSender())
        autodiscover_modules("reminders")
        # Each app's calendar.py registers the dated events people see in their feed.
        autodiscover_modules("calendar")
        # After people's handler, which resets the role groups' permissions on every
        # post_migrate: give administrators this app's (the reminder log in the admin).
        post_migrate.connect(_grant_admin_permissions, dispatch_uid="notifications-admin-perms")


def _grant_admin_permissions(sender, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.using(using).filter(name="admin").first()
    if group is not None:
        group.permissions.add(*Permission.objects.using(using)
                              .filter(content_type__app_label="notifications"))
