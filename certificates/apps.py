from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
        from . import expiry_reminders  # noqa: F401  (registers the expiry reminder sweep)

        post_migrate.connect(_install_bulk_schedule, sender=self)


def _install_bulk_schedule(sender, using="default", **kwargs) -> None:
    from .bulk_schedule import bulk_schedule_install

    bulk_schedule_install(using=using)
