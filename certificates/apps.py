from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
        from celery.signals import worker_init

        from academy.health import health_check_register

        from . import expiry_reminders  # noqa: F401  (registers the expiry reminder sweep)
        from .credentials.signing import signing_key_health

        health_check_register("signing_key", signing_key_health)
        worker_init.connect(_signing_key_required, weak=False)


def _signing_key_required(**kwargs) -> None:
    """A worker signs credentials: it does not start without the key (see
    ``credentials.signing_key_require``). SystemExit, because Celery logs and ignores any
    other exception of a signal handler."""
    import logging

    from .credentials.signing import SigningKeyMissing, signing_key_require

    try:
        signing_key_require()
    except SigningKeyMissing as exc:
        logging.getLogger(__name__).critical("%s", exc)
        raise SystemExit(f"certificates: {exc}") from exc
