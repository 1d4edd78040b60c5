from django.urls import path

from .views import authoring, cohorts, learner, transcript

app_name = "courses"

urlpatterns = [
    # Brokers
    path("programme/", learner.my_programme, name="my_programme"),
    path("open/", learner.open_cohorts, name="open_cohorts"),
    path("open/<int:pk>/join/", learner.cohort_join, name="cohort_join"),
    path("course/<int:pk>/", learner.course_detail, name="course_detail"),
    path("lesson/<int:pk>/", learner.lesson_detail, name="lesson_detail"),
    path("lesson/<int:pk>/ping/", learner.lesson_ping, name="lesson_ping"),
    path("lesson/<int:pk>/done/", learner.lesson_done, name="lesson_done"),
    path("lesson/<int:pk>/check/", learner.lesson_check, name="lesson_check"),
    path("lesson/<int:pk>/video/", learner.lesson_video, name="lesson_video"),
    path("attachment/<int:pk>/", learner.attachment_download, name="attachment_download"),
    path("checkin/<str:token>/", learner.checkin, name="checkin"),
    path("transcript/", transcript.my_transcript, name="transcript"),
    path("transcript/pdf/", transcript.my_transcript_pdf, name="transcript_pdf"),
    path("brokers/<int:user_id>/transcript/", transcript.broker_transcript,
         name="broker_transcript"),
    path("brokers/<int:user_id>/transcript/pdf/", transcript.broker_transcript_pdf,
         name="broker_transcript_pdf"),
    # Trainers' course editor
    path("teach/", authoring.course_list, name="trainer_courses"),
    path("teach/new/", authoring.course_new, name="course_new"),
    path("teach/<int:pk>/", authoring.course_edit, name="course_edit"),
    path("teach/<int:pk>/publish/", authoring.course_publish, name="course_publish"),
    path("teach/<int:pk>/modules/new/", authoring.module_new, name="module_new"),
    path("teach/modules/<int:pk>/", authoring.module_edit, name="module_edit"),
    path("teach/modules/<int:pk>/move/", authoring.module_reorder, name="module_move"),
    path("teach/modules/<int:pk>/lessons/new/", authoring.lesson_new, name="lesson_new"),
    path("teach/lessons/<int:pk>/", authoring.lesson_edit, name="lesson_edit"),
    path("teach/lessons/<int:pk>/move/", authoring.lesson_reorder, name="lesson_move"),
    path("teach/lessons/<int:pk>/publish/", authoring.lesson_publish, name="lesson_publish"),
    path("teach/lessons/<int:pk>/attachments/", authoring.attachment_add,
         name="attachment_add"),
    # Cohorts and offline sessions
    path("cohorts/", cohorts.cohort_list, name="cohort_list"),
    path("cohorts/<int:pk>/", cohorts.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/brokers/<int:user_id>/", cohorts.cohort_broker,
         name="cohort_broker"),
    path("cohorts/<int:pk>/enrol/", cohorts.cohort_enrol, name="cohort_enrol"),
    path("cohorts/<int:pk>/sessions/new/", cohorts.session_new, name="session_new"),
    path("sessions/<int:pk>/", cohorts.session_detail, name="session_detail"),
    path("sessions/<int:pk>/qr/", cohorts.session_qr, name="session_qr"),
    path("sessions/<int:pk>/calendar.ics", cohorts.session_ics, name="session_ics"),
    path("sessions/<int:pk>/qr.svg", cohorts.session_qr_svg, name="session_qr_svg"),
    path("sessions/<int:pk>/qr/status/", cohorts.session_qr_status, name="session_qr_status"),
]
