"""Endpoints of the certification rules under /api/v1/ (included from academy/api_urls.py)."""

from django.urls import include, path

from . import api

urlpatterns = [
    path("me/readiness/", api.MyReadinessView.as_view(), name="api-me-readiness"),
    path("brokers/<int:user_id>/readiness/", api.BrokerReadinessView.as_view(),
         name="api-broker-readiness"),
    path("", include("certificates.api_urls_issued")),  # issue 6: certificates
]
