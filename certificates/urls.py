from django.urls import include, path

from . import views

app_name = "certificates"

urlpatterns = [
    path("path/", views.my_path, name="my_path"),
    path("brokers/<int:user_id>/path/", views.broker_path, name="broker_path"),
    path("brokers/<int:user_id>/requirement-set/", views.broker_assign_set,
         name="broker_assign_set"),
    path("ready/", views.ready_list, name="ready_list"),
    path("", include("certificates.urls_issued")),  # issue 6: certificates
    path("", include("certificates.urls_design")),  # issue 6: design and bulk runs
]
