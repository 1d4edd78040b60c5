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

        autodiscover_modules("reminders")
        post_migrate.connect(_install_schedules, sender=self)


def _install_schedules(sender, using="default", **kwargs) -> None:
    from .schedules import schedules_install

    schedules_install(using=using)
