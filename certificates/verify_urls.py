"""Public verification: /verify/ (lookup form) and /verify/<serial>/ (namespace ``verify``)."""

from django.urls import path

from .views import issued as views

app_name = "verify"

urlpatterns = [
    path("", views.verify_lookup, name="lookup"),
    path("credential/", views.verify_credential, name="credential"),
    path("<str:serial>/", views.verify_detail, name="detail"),
]
