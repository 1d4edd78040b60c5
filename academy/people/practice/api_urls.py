"""Practice-record endpoints under /api/v1/ (included from academy/api_urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("practice-records/", api.PracticeRecordListView.as_view(), name="api-practice-records"),
    path("practice-records/<int:pk>/", api.PracticeRecordDetailView.as_view(),
         name="api-practice-record"),
    path("practice-records/<int:pk>/submit/", api.PracticeRecordSubmitView.as_view(),
         name="api-practice-record-submit"),
    path("practice-records/<int:pk>/evidence/", api.PracticeRecordEvidenceView.as_view(),
         name="api-practice-record-evidence"),
    path("practice-records/<int:pk>/review/", api.PracticeRecordReviewView.as_view(),
         name="api-practice-record-review"),
]
