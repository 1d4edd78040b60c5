from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "talent"
    label = "talent"
    verbose_name = _("Talent pool")

    def ready(self) -> None:
        # After people's handler, which resets the role groups' permissions on every
        # post_migrate: administrators keep the registered totals in the admin, auditors
        # may look at them.
        post_migrate.connect(_grant_permissions, dispatch_uid="talent-role-perms")


def _grant_permissions(sender, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.using(using).filter(content_type__app_label="talent")
    admin = Group.objects.using(using).filter(name="admin").first()
    if admin is not None:
        admin.permissions.add(*perms.filter(content_type__model="registeredtotal"),
                              *perms.filter(codename="view_talentexport"))
    auditor = Group.objects.using(using).filter(name="auditor").first()
    if auditor is not None:
        auditor.permissions.add(*perms.filter(codename="view_registeredtotal"))
