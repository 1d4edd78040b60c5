"""URLs of the practice-record pages, included under people/practice/ (namespace ``people``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.practice_list, name="practice_list"),
    path("new/", views.practice_create, name="practice_create"),
    path("review/", views.practice_review_queue_view, name="practice_review_queue"),
    path("<int:pk>/", views.practice_detail, name="practice_detail"),
    path("<int:pk>/edit/", views.practice_edit, name="practice_edit"),
    path("<int:pk>/submit/", views.practice_submit, name="practice_submit"),
    path("<int:pk>/delete/", views.practice_delete, name="practice_delete"),
    path("<int:pk>/review/", views.practice_review, name="practice_review"),
    path("evidence/<int:pk>/", views.practice_evidence, name="practice_evidence"),
]
