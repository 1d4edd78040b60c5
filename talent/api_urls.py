"""Talent-pool endpoints under /api/v1/ (included from academy/api_urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("talent-pool/summary/", api.SummaryView.as_view(), name="api-talent-summary"),
    path("talent-pool/brokers/", api.BrokerListView.as_view(), name="api-talent-brokers"),
    path("talent-pool/results/", api.ResultListView.as_view(), name="api-talent-results"),
    path("talent-pool/certificates/", api.CertificateListView.as_view(),
         name="api-talent-certificates"),
]
