from django.urls import path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/progress/", views.figures_progress, name="figures_progress"),
    path("cohorts/options/", views.cohort_options, name="cohort_options"),
    path("organisations/options/", views.organisation_options, name="organisation_options"),
    path("brokers/", views.broker_list, name="broker_list"),
    path("brokers/<int:user_id>/", views.broker_dossier, name="dossier"),
    path("audit/", views.audit_trail, name="audit"),
    path("cohorts/<slug:code>/archive/", views.cohort_archive, name="cohort_archive"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/start/", views.export_start, name="export_start"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("registered/", views.registered_list, name="registered_list"),
    path("registered/new/", views.registered_edit, name="registered_add"),
    path("registered/<int:pk>/", views.registered_edit, name="registered_edit"),
    path("registered/<int:pk>/delete/", views.registered_delete, name="registered_delete"),
]
