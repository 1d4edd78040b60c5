from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    """The shell of the interface: layout, navigation, each role's home page.

    It sits at the top with the URL configuration and may read every app's selectors.
    """

    name = "academy.ui"
    label = "ui"
    verbose_name = _("Interface")
