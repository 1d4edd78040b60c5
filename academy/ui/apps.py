from django.apps import AppConfig, apps
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

        from academy.schedules import schedules_install_after_migrate
        from academy.seeding import reference_rows_ensure

        # post_migrate is sent once per app that has models, after every migration ran, so
        # one app's signal suffices (this shell app has no models and gets none).
        post_migrate.connect(reference_rows_ensure, sender=apps.get_app_config("people"),
                             dispatch_uid="academy.reference_rows_ensure")
        # Every app's beat schedule (academy/schedules.py), once per migrate.
        post_migrate.connect(schedules_install_after_migrate,
                             sender=apps.get_app_config("people"),
                             dispatch_uid="academy.schedules_install")
