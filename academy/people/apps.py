from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "academy.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from academy.audit.services import register_client_address

        from . import signals  # noqa: F401
        from .ratelimits import client_ip

        # The audit trail records the same client address as the rate limits use.
        register_client_address(client_ip)
        _name_allauth_models()


def _name_allauth_models() -> None:
    """allauth's MFA model has no verbose name, so the admin showed its class name
    ("Authenticators") untranslated: give it translatable names."""
    from django.apps import apps
    from django.utils.translation import gettext_lazy as _

    if not apps.is_installed("allauth.mfa"):
        return
    from allauth.mfa.models import Authenticator

    Authenticator._meta.verbose_name = _("authenticator")
    Authenticator._meta.verbose_name_plural = _("authenticators")
