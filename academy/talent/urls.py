from django.urls import path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("brokers/", views.broker_list, name="broker_list"),
    path("brokers/<int:user_id>/", views.broker_dossier, name="dossier"),
    path("audit/", views.audit_trail, name="audit"),
]
