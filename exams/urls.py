"""Exam pages under /exams/ (inside i18n_patterns). The REST endpoints are in api_urls.py."""

from django.urls import path

from .views import (
    calendar,
    images,
    staff_bank,
    staff_grading,
    staff_papers,
    staff_sittings,
    taking,
)

app_name = "exams"

urlpatterns = [
    # --- Brokers (exams-web: exams/views/taking.py) ---------------------------------------
    path("", taking.my_exams, name="my_exams"),
    path("sittings/<int:sitting_id>/", taking.take_start, name="take_start"),
    path("sittings/<int:sitting_id>/start/", taking.take_begin, name="take_begin"),
    path("sittings/<int:sitting_id>/calendar.ics", calendar.sitting_ics, name="sitting_ics"),
    path("attempts/<int:attempt_id>/", taking.take_attempt, name="take_attempt"),
    path("attempts/<int:attempt_id>/result/", taking.result, name="result"),
    # Images of questions (whoever may see the question: exams/selectors/images.py)
    path("images/<int:pk>/", images.question_image, name="question_image"),
    # --- Staff (exams-staff: exams/views/staff_*.py) ----------------------------------------
    # Question bank (trainers, admins)
    path("staff/questions/", staff_bank.question_list, name="question_list"),
    path("staff/questions/new/<str:qtype>/", staff_bank.question_create_view,
         name="question_create"),
    path("staff/questions/import/", staff_bank.question_import, name="question_import"),
    path("staff/questions/import/template/", staff_bank.question_import_template,
         name="question_import_template"),
    path("staff/questions/export/", staff_bank.question_export, name="question_export"),
    path("staff/questions/<int:pk>/", staff_bank.question_edit, name="question_edit"),
    path("staff/questions/<int:pk>/history/", staff_bank.question_history,
         name="question_history"),
    path("staff/questions/<int:pk>/archive/", staff_bank.question_archive_view,
         name="question_archive"),
    # Papers (trainers, admins)
    path("staff/papers/", staff_papers.paper_list, name="paper_list"),
    path("staff/papers/new/", staff_papers.paper_create_view, name="paper_create"),
    path("staff/papers/<int:pk>/", staff_papers.paper_detail, name="paper_detail"),
    path("staff/papers/<int:pk>/preview/", staff_papers.paper_preview, name="paper_preview"),
    # Sittings (trainers, admins; auditors read-only)
    path("staff/sittings/", staff_sittings.sitting_list, name="sitting_list"),
    path("staff/sittings/new/", staff_sittings.sitting_create_view, name="sitting_create"),
    path("staff/sittings/<int:pk>/", staff_sittings.sitting_dashboard,
         name="sitting_dashboard"),
    path("staff/sittings/<int:pk>/edit/", staff_sittings.sitting_edit, name="sitting_edit"),
    path("staff/sittings/<int:pk>/release/", staff_sittings.sitting_release_view,
         name="sitting_release"),
    path("staff/sittings/<int:pk>/statistics/", staff_sittings.sitting_statistics,
         name="sitting_statistics"),
    path("staff/attempts/<int:pk>/", staff_sittings.attempt_detail, name="staff_attempt"),
    # Grading (trainers who grade; regrades also admins)
    path("staff/grading/", staff_grading.grading_queue_view, name="grading_queue"),
    path("staff/grading/next/", staff_grading.grading_next, name="grading_next"),
    path("staff/grading/moderation/", staff_grading.moderation_queue,
         name="moderation_queue"),
    path("staff/grading/answers/<int:pk>/", staff_grading.grading_answer,
         name="grading_answer"),
    path("staff/grading/answers/<int:pk>/regrade/", staff_grading.answer_regrade_view,
         name="answer_regrade"),
]
