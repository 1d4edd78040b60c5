from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
        from . import expiry_reminders  # noqa: F401  (registers the expiry reminder sweep)
