"""Certificate pages under /certificates/ (included by certificates/urls.py, same namespace)."""

from django.urls import path

from . import views_issued as views

urlpatterns = [
    path("mine/", views.my_certificates, name="my_certificates"),
    path("all/", views.certificate_list, name="certificate_list"),
    path("<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("<int:pk>/credential/", views.certificate_credential, name="certificate_credential"),
    path("<int:pk>/revoke/", views.certificate_revoke_view, name="certificate_revoke"),
    path("<int:pk>/reinstate/", views.certificate_reinstate_view, name="certificate_reinstate"),
]
