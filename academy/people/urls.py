from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("brokers/", views.broker_list, name="broker_list"),
]
