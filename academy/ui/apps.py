from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    """The shell of the interface: layout, navigation, each role's home page.

    It sits at the top with the URL configuration and may read every app's selectors.
    """

    name = "academy.ui"
    label = "ui"
    verbose_name = _("Interface")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from academy.seeding import reference_rows_ensure

        # Connected once, for this (the last project) app: by then every table exists.
        post_migrate.connect(reference_rows_ensure, sender=self,
                             dispatch_uid="academy.reference_rows_ensure")
