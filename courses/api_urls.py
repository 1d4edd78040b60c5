"""Course endpoints, included by academy/api_urls.py under /api/v1/."""

from django.urls import path

from .api import views as api

urlpatterns = [
    path("me/transcript/", api.MyTranscriptView.as_view(), name="api-me-transcript"),
    path("me/courses/", api.MyCoursesView.as_view(), name="api-me-courses"),
    path("lessons/<int:pk>/open/", api.LessonOpenView.as_view(), name="api-lesson-open"),
    path("lessons/<int:pk>/complete/", api.LessonCompleteView.as_view(),
         name="api-lesson-complete"),
    path("attendance/checkin/", api.AttendanceCheckinView.as_view(),
         name="api-attendance-checkin"),
    path("cohorts/<int:pk>/progress/", api.CohortProgressView.as_view(),
         name="api-cohort-progress"),
]
