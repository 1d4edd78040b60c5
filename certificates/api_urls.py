"""Endpoints of certificates under /api/v1/ (included from academy/api_urls.py): readiness,
issued certificates, public verification, the issuer's profile and keys, OpenID4VCI."""

from django.urls import path

from academy.people.selectors import mfa_exempt

from .api import issued as api
from .api import readiness
from .views import oid4vci

urlpatterns = [
    path("me/readiness/", readiness.MyReadinessView.as_view(), name="api-me-readiness"),
    path("brokers/<int:user_id>/readiness/", readiness.BrokerReadinessView.as_view(),
         name="api-broker-readiness"),
    path("certificates/", api.CertificateListView.as_view(), name="api-certificates"),
    path("certificates/<int:pk>/", api.CertificateDetailView.as_view(), name="api-certificate"),
    path("certificates/<int:pk>/renew/", api.CertificateRenewView.as_view(),
         name="api-certificate-renew"),
    path("certificates/<int:pk>/pdf/", api.CertificatePdfView.as_view(),
         name="api-certificate-pdf"),
    path("certificates/<int:pk>/credential/", api.CertificateCredentialView.as_view(),
         name="api-certificate-credential"),
    path("verify/<str:serial>/", mfa_exempt(api.VerifyView.as_view()), name="api-verify"),
    path("issuer/", mfa_exempt(api.IssuerProfileView.as_view()), name="api-issuer"),
    path("issuer/did.json", mfa_exempt(api.DidDocumentView.as_view()), name="api-issuer-did"),
    path("issuer/achievements/<str:code>/", mfa_exempt(api.AchievementView.as_view()),
         name="api-issuer-achievement"),
    path("oid4vci/token", oid4vci.token, name="oid4vci-token"),
    path("oid4vci/nonce", oid4vci.nonce, name="oid4vci-nonce"),
    path("oid4vci/credential", oid4vci.credential, name="oid4vci-credential"),
    path("issuer/jwks/", mfa_exempt(api.IssuerJwksView.as_view()), name="api-issuer-jwks"),
    path("issuer/status/<int:list_id>/", mfa_exempt(api.StatusListView.as_view()),
         name="api-issuer-status-list"),
]
