from django.urls import include, path

from . import views

app_name = "people"

urlpatterns = [
    path("brokers/", views.broker_list, name="broker_list"),
    path("search/", views.person_search_view, name="person_search"),
    path("roster/import/", views.roster_import_view, name="roster_import"),
    path("roster/template/", views.roster_template, name="roster_template"),
    path("roster/errors/<str:token>/", views.roster_error_report, name="roster_error_report"),
    path("roster/imports/<int:pk>/", views.roster_import_detail, name="roster_import_detail"),
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    # Practice records: academy/people/practice/urls.py
    path("practice/", include("academy.people.practice.urls")),
]
