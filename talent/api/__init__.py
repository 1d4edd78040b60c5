"""The talent pool's REST endpoints under /api/v1/ (routed by ``api_urls``)."""

from .views import BrokerListView, CertificateListView, ResultListView, SummaryView

__all__ = ["BrokerListView", "CertificateListView", "ResultListView", "SummaryView"]
