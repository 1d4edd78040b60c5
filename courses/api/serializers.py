"""API shapes of courses: progress, transcript, check-in, cohort progress."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class LessonStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    class_hours = serializers.DecimalField(source="lesson.class_hours", max_digits=5,
                                           decimal_places=2)
    opened = serializers.BooleanField()
    done = serializers.BooleanField()
    locked = serializers.BooleanField()
    lock_reason = serializers.CharField()
    credited_hours = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ModuleStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="module.pk")
    title = serializers.CharField(source="module.title")
    locked = serializers.BooleanField()
    done = serializers.BooleanField()
    lessons = LessonStateSerializer(many=True)


class CourseProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course.pk")
    code = serializers.CharField(source="course.code")
    title = serializers.CharField(source="course.title")
    area = serializers.CharField(source="course.area.code")
    area_name = serializers.CharField(source="course.area.name")
    required = serializers.BooleanField()
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    lessons_total = serializers.IntegerField()
    lessons_done = serializers.IntegerField()
    percent = serializers.IntegerField()
    is_complete = serializers.BooleanField()
    hours_offered = serializers.DecimalField(max_digits=7, decimal_places=2)
    hours_earned = serializers.DecimalField(max_digits=7, decimal_places=2)
    modules = ModuleStateSerializer(many=True)


class ProgrammeProgressSerializer(serializers.Serializer):
    cohort_id = serializers.IntegerField(source="cohort.pk")
    cohort = serializers.CharField(source="cohort.name")
    programme_id = serializers.IntegerField(source="programme.pk")
    programme = serializers.CharField(source="programme.title")
    from_level = serializers.CharField(source="programme.from_level.code")
    to_level = serializers.CharField(source="programme.to_level.code")
    percent = serializers.IntegerField()
    overdue_count = serializers.IntegerField()
    courses = CourseProgressSerializer(many=True)


class TranscriptCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course.pk", allow_null=True, default=None)
    code = serializers.CharField(source="course.code", allow_null=True, default=None)
    title = serializers.CharField(source="course.title", allow_null=True, default=None)
    lessons_completed = serializers.IntegerField()
    online_hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    offline_hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    total_hours = serializers.DecimalField(source="total", max_digits=7, decimal_places=2)


class TranscriptAreaSerializer(serializers.Serializer):
    code = serializers.CharField(source="area.code", allow_null=True, default=None)
    name = serializers.CharField(source="area.name", allow_null=True, default=None)
    total_hours = serializers.DecimalField(source="total", max_digits=7, decimal_places=2)
    courses = TranscriptCourseSerializer(source="lines", many=True)


class TranscriptSessionSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="session.pk")
    title = serializers.CharField(source="session.title")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    place = serializers.CharField(source="session.place")
    method = serializers.CharField()
    checked_in_at = serializers.DateTimeField()
    credited_hours = serializers.DecimalField(max_digits=5, decimal_places=2)


class TranscriptSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.get_full_name")
    total_hours = serializers.DecimalField(source="total", max_digits=8, decimal_places=2)
    online_hours = serializers.DecimalField(source="online", max_digits=8, decimal_places=2)
    offline_hours = serializers.DecimalField(source="offline", max_digits=8, decimal_places=2)
    areas = TranscriptAreaSerializer(many=True)
    sessions = TranscriptSessionSerializer(source="attendances", many=True)
    generated_at = serializers.DateTimeField()


class LessonProgressSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    first_viewed_at = serializers.DateTimeField()
    last_viewed_at = serializers.DateTimeField()
    seconds_spent = serializers.IntegerField()
    video_seconds_watched = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    credited_hours = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class StudyRequirementSerializer(serializers.Serializer):
    """What the lesson still needs before it can be marked done."""

    credit_method = serializers.CharField(source="method")
    met = serializers.BooleanField()
    remaining = serializers.CharField()
    active_seconds = serializers.IntegerField()
    required_seconds = serializers.IntegerField()
    remaining_minutes = serializers.IntegerField()
    video_watched_percent = serializers.IntegerField()
    video_required_percent = serializers.IntegerField()
    attended = serializers.BooleanField()
    check_passed = serializers.BooleanField()


class LessonStudySerializer(LessonProgressSerializer):
    requirement = StudyRequirementSerializer()


class StudyIncompleteSerializer(StudyRequirementSerializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class VideoReportSerializer(serializers.Serializer):
    ranges = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(min_value=0), min_length=2,
                                    max_length=2),
        max_length=200, default=list,
        help_text="Seconds of the hosted video played in order, as [start, end) pairs.",
    )


class LessonOpenSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(
        min_value=0, max_value=86400, default=0,
        help_text="Seconds the page was visible and active since the last report.")
    video = VideoReportSerializer(required=False)


class CheckinRequestSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class CheckinResponseSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="session.pk")
    session = serializers.CharField(source="session.title")
    checked_in_at = serializers.DateTimeField()
    credited_hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    method = serializers.CharField()
    created = serializers.BooleanField()


class BrokerLessonStudySerializer(serializers.Serializer):
    """One broker's study of one lesson: the figures the lesson page shows the broker."""

    lesson_id = serializers.IntegerField(source="lesson.pk")
    opened = serializers.BooleanField()
    active_seconds = serializers.IntegerField(
        help_text="Visible, active seconds on the lesson page (never counted twice).")
    required_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="Active seconds the study policy requires, for a lesson credited by time; "
        "null for other lessons.")
    video_watched_percent = serializers.IntegerField(
        allow_null=True,
        help_text="Share of the academy-hosted video's distinct seconds watched, for a lesson "
        "credited by video; null for other lessons.")
    video_required_percent = serializers.IntegerField(
        allow_null=True, help_text="Share the study policy requires (video lessons), else null.")
    requirement_met = serializers.BooleanField(
        help_text="Whether the observed study meets the lesson's requirement now.")
    credited = serializers.BooleanField(
        help_text="Whether the lesson is done and its class hours credited.")
    credited_hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True,
        help_text="Class hours credited at completion; null while not credited.")


class CohortLessonFiguresSerializer(serializers.Serializer):
    """A lesson's figures over the cohort's active brokers (the cohort page's table)."""

    lesson_id = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    course = serializers.CharField(source="course_title")
    credit_method = serializers.CharField(source="lesson.credit_method")
    class_hours = serializers.DecimalField(source="lesson.class_hours", max_digits=5,
                                           decimal_places=2)
    opened = serializers.IntegerField(help_text="Brokers who opened the lesson.")
    completed = serializers.IntegerField(help_text="Brokers credited for it.")
    requirement_met = serializers.IntegerField(
        help_text="Brokers who opened it and meet its requirement (or were credited).")
    avg_active_minutes = serializers.DecimalField(
        max_digits=8, decimal_places=1,
        help_text="Average active minutes of the brokers who opened it.")
    avg_watched_percent = serializers.IntegerField(
        allow_null=True, help_text="Average share of the hosted video watched (video lessons).")
    required_minutes = serializers.DecimalField(max_digits=8, decimal_places=1)
    required_video_percent = serializers.IntegerField(allow_null=True)


class CohortProgressRowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.get_full_name")
    organisation = serializers.SerializerMethodField()
    status = serializers.CharField(source="enrolment.status")
    lessons_done = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    percent = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    overdue = serializers.IntegerField()
    last_activity = serializers.DateTimeField(allow_null=True)

    lessons = serializers.SerializerMethodField(
        help_text="The broker's study of each lesson, in the order of the top-level lessons.")

    def get_organisation(self, row) -> str | None:
        profile = getattr(row.user, "broker_profile", None)
        return profile.organisation.name if profile and profile.organisation else None

    @extend_schema_field(BrokerLessonStudySerializer(many=True))
    def get_lessons(self, row) -> list[dict]:
        return BrokerLessonStudySerializer(self.context["study"].of(row.user.pk),
                                           many=True).data


class CohortProgressSerializer(serializers.Serializer):
    """Needs the cohort's ``CohortStudy`` as ``context["study"]``."""

    cohort_id = serializers.IntegerField(source="cohort.pk")
    cohort = serializers.CharField(source="cohort.name")
    programme = serializers.CharField(source="cohort.programme.title")
    lessons = CohortLessonFiguresSerializer(many=True, help_text=(
        "Per published lesson of the programme: the figures over the cohort's active "
        "brokers, as on the cohort page."))
    brokers = CohortProgressRowSerializer(source="rows", many=True)
