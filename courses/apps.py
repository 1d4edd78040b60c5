from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def trainer_sees_cohort_brokers(viewer) -> Q:
    """A trainer sees the brokers enrolled in the cohorts they teach."""
    return Q(enrolments__cohort__trainers=viewer)


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from academy.notifications.services import register_calendar_source
        from academy.people.services import register_trainer_scope

        from .selectors import course_events

        register_trainer_scope(trainer_sees_cohort_brokers)
        register_calendar_source(course_events)
