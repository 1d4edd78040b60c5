"""Exam endpoints, included by academy/api_urls.py under /api/v1/."""

from django.urls import path

from .api import broker, grading

urlpatterns = [
    # Brokers
    path("sittings/<int:sitting_id>/attempt/", broker.AttemptStartView.as_view(),
         name="api-exams-attempt-start"),
    path("attempts/<int:attempt_id>/answers/<int:item_id>/", broker.answer_save,
         name="api-exams-answer-save"),
    path("attempts/<int:attempt_id>/events/", broker.AttemptEventsView.as_view(),
         name="api-exams-attempt-events"),
    path("attempts/<int:attempt_id>/submit/", broker.AttemptSubmitView.as_view(),
         name="api-exams-attempt-submit"),
    path("me/results/", broker.MyResultsView.as_view(), name="api-exams-my-results"),
    # Trainers
    path("grading/queue/", grading.GradingQueueView.as_view(), name="api-exams-grading-queue"),
    path("grading/claims/", grading.GradingClaimView.as_view(), name="api-exams-grading-claim"),
    path("grading/answers/<int:answer_id>/mark/", grading.AnswerMarkView.as_view(),
         name="api-exams-answer-mark"),
]
