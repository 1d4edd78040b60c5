"""REST endpoints of certificates: own (brokers) or all (auditors, admins), downloads, public
verification, and the issuer's profile, keys and status list (public)."""

from __future__ import annotations

import json
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.errors import ApplicationError
from academy.people.selectors import HasRole, Role

from ..credentials.signing import (
    SigningKeyMissing,
    achievement,
    achievement_criteria,
    credential_ld,
    did_document,
    issuer_profile,
    published_jwks,
)
from ..credentials.status_list import (
    TTL,
    status_list_credential,
    status_list_ld,
    status_list_signed,
)
from ..credentials.vocab import OB_CONTEXT, VC_CONTEXT
from ..models.issued import Certificate
from ..selectors import certificates_visible_to, public_status, verify_rate_exceeded
from ..services import certificate_renew, certificate_renewal_state, serial_clean, verify_url


class LdJsonRenderer(JSONRenderer):
    """JSON-LD (``application/ld+json``)."""

    media_type = "application/ld+json"
    format = "jsonld"


class CertificateSerializer(serializers.ModelSerializer):
    level = serializers.CharField(source="level.code")
    level_name = serializers.CharField(source="level.name")
    holder = serializers.IntegerField(source="broker_id")
    verify_url = serializers.SerializerMethodField()
    pdf_ready = serializers.SerializerMethodField()
    credential_ready = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "serial", "torch_number", "level", "level_name", "holder",
                  "holder_name", "status", "issued_at", "valid_from", "valid_until",
                  "revoked_at", "revoked_reason", "renewed_from", "source", "verify_url",
                  "pdf_ready", "credential_ready"]

    def get_verify_url(self, obj: Certificate) -> str:
        return verify_url(obj.serial)

    def get_pdf_ready(self, obj: Certificate) -> bool:
        return bool(obj.pdf)

    def get_credential_ready(self, obj: Certificate) -> bool:
        return bool(obj.credential)


class RenewalSerializer(serializers.Serializer):
    applicable = serializers.BooleanField(help_text="Whether the level's certificates expire.")
    eligible = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why it may not be renewed yet (empty if it may).")
    hours_required = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True,
                                              source="required")
    hours_done = serializers.DecimalField(max_digits=9, decimal_places=2, source="done")
    opens_on = serializers.DateField(allow_null=True)


class CertificateDetailSerializer(CertificateSerializer):
    renewal = serializers.SerializerMethodField()

    class Meta(CertificateSerializer.Meta):
        fields = [*CertificateSerializer.Meta.fields, "renewal"]

    @extend_schema_field(RenewalSerializer)
    def get_renewal(self, obj: Certificate) -> dict[str, Any]:
        return RenewalSerializer(certificate_renewal_state(certificate=obj)).data


class RenewRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                   help_text="Administrators: the reason for renewing a "
                                             "certificate that is not yet eligible.")


class CertificateListView(generics.ListAPIView):
    """Certificates the caller may see: a broker's own; every one for auditors and admins."""

    serializer_class = CertificateSerializer
    permission_classes = [HasRole.of(Role.BROKER, Role.AUDITOR, Role.ADMIN)]

    def get_queryset(self):
        return certificates_visible_to(self.request.user).order_by("-issued_at", "-pk")


class CertificateDetailView(generics.RetrieveAPIView):
    """One certificate, with where it stands toward renewal."""

    serializer_class = CertificateDetailSerializer
    permission_classes = [HasRole.of(Role.BROKER, Role.AUDITOR, Role.ADMIN)]

    def get_queryset(self):
        return certificates_visible_to(self.request.user)


class CertificateRenewView(APIView):
    """Renew a certificate: its holder once it is eligible (renewal window open, renewal hours
    met), or an administrator (also before, with a reason). 201 with the new certificate; 200
    with it if the certificate was renewed already; 400 with the reason if it may not be."""

    permission_classes = [HasRole.of(Role.BROKER, Role.ADMIN)]

    @extend_schema(request=RenewRequestSerializer,
                   responses={201: CertificateSerializer, 200: CertificateSerializer,
                              400: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        certificate = get_object_or_404(certificates_visible_to(request.user), pk=pk)
        payload = RenewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            renewal = certificate_renew(certificate_id=certificate.pk, actor=request.user,
                                        reason=payload.validated_data.get("reason", ""))
        except ApplicationError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(CertificateSerializer(renewal).data,
                        status=201 if renewal.renewed_now else 200)


class CertificatePdfView(APIView):
    """The stored PDF; 404 while it is being rendered."""

    permission_classes = [HasRole.of(Role.BROKER, Role.AUDITOR, Role.ADMIN)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        certificate = get_object_or_404(certificates_visible_to(request.user), pk=pk)
        if not certificate.pdf:
            raise NotFound("The PDF is being prepared.")
        return FileResponse(certificate.pdf.open("rb"), as_attachment=True,
                            filename=f"{certificate.serial}.pdf",
                            content_type="application/pdf")


class VerifySerializer(serializers.Serializer):
    serial = serializers.CharField()
    status = serializers.ChoiceField(choices=Certificate.Status.choices)
    level = serializers.CharField()
    level_en = serializers.CharField()
    holder = serializers.CharField(help_text="The holder's name, partly masked.")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    issuing_body = serializers.CharField()
    torch_number = serializers.CharField(allow_null=True)


class PublicView(APIView):
    """No authentication; the API's anonymous throttle applies (per client address)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []


class VerifyView(PublicView):
    """Public: the status of a certificate by serial (check character validated first;
    400 if it is wrong, 404 if no such certificate, 429 beyond the lookup rate)."""

    @extend_schema(responses={200: VerifySerializer}, auth=[])
    def get(self, request, serial: str):
        if verify_rate_exceeded(request):
            return Response({"detail": "Too many lookups; try again in a minute."},
                            status=429, headers={"Retry-After": "60"})
        try:
            clean = serial_clean(serial)
        except ApplicationError as exc:
            return Response({"detail": str(exc), "code": "bad_check_character"}, status=400)
        status = public_status(clean)
        if status is None:
            raise NotFound("No certificate has this serial number.")
        return Response(VerifySerializer(status.as_dict()).data)


class IssuerProfileView(PublicView):
    """Public: the issuer's Open Badges profile."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request):
        return Response(issuer_profile())


class DidDocumentView(PublicView):
    """Public: the issuer's DID document (did:web), every signing key as a Multikey assertion
    method (also at /.well-known/did.json)."""

    renderer_classes = [JSONRenderer]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request):
        response = Response(did_document())
        response["Cache-Control"] = "public, max-age=300"
        response["Access-Control-Allow-Origin"] = "*"
        return response


class IssuerJwksView(PublicView):
    """Public: the issuer's public keys as a JWK Set (also at /.well-known/jwks.json)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request):
        return Response(published_jwks())


class VcJwtRenderer(BaseRenderer):
    """Renders a compact VC-JWT as it is (and an error's detail as JSON)."""

    media_type = "application/vc+jwt"
    format = "jwt"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, str):
            return data.encode("ascii")
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class CredentialRenderers:
    """An error is JSON, labelled so, whatever the client accepts (not a VC-JWT)."""

    def _errors_as_json(self) -> None:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type

    def handle_exception(self, exc):
        self._errors_as_json()
        return super().handle_exception(exc)


class CertificateCredentialView(CredentialRenderers, APIView):
    """The signed Open Badges 3.0 credential, by ``Accept``: ``application/vc+jwt`` (the
    default) the VC-JWT, ``application/ld+json`` the JSON-LD with its Data Integrity proof
    (``?format=jwt`` or ``?format=jsonld`` for a link); 404 while it is being signed."""

    permission_classes = [HasRole.of(Role.BROKER, Role.AUDITOR, Role.ADMIN)]
    renderer_classes = [VcJwtRenderer, LdJsonRenderer]

    @extend_schema(responses={(200, "application/vc+jwt"): OpenApiTypes.STR,
                              (200, "application/ld+json"): OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        certificate = get_object_or_404(certificates_visible_to(request.user), pk=pk)
        if not certificate.credential:
            raise NotFound("The credential is being prepared.")
        if request.accepted_renderer.format == LdJsonRenderer.format:
            body = credential_ld(certificate.credential)
            if body is None:
                raise NotFound("The credential is being signed again with its proof.")
            response = Response(body)
            name = f"{certificate.serial}.jsonld"
        else:
            response = Response(certificate.credential)
            name = f"{certificate.serial}.jwt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Vary"] = "Accept"
        return response


class AchievementView(PublicView):
    """Public: the Open Badges ``Achievement`` of a level (what a credential's
    ``achievement.id`` names): its name, description, criteria and image."""

    renderer_classes = [JSONRenderer]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request, code: str):
        from academy.people.models import Level

        level = get_object_or_404(Level, code=code)
        body = achievement(level, criteria=achievement_criteria(level))
        response = Response({"@context": [VC_CONTEXT, OB_CONTEXT], **body})
        response["Access-Control-Allow-Origin"] = "*"
        return response


class StatusListView(CredentialRenderers, PublicView):
    """Public: the revocation list (BitstringStatusListCredential) as of this moment, secured
    as a VC-JWT (EdDSA, the certificates' key; the default) or, for ``application/ld+json``,
    with an embedded Data Integrity proof (eddsa-rdfc-2022); unsigned JSON for a client that
    asks for ``application/json``. Cacheable for the list's ``ttl`` (``status_list.TTL``)."""

    renderer_classes = [VcJwtRenderer, LdJsonRenderer, JSONRenderer]

    @extend_schema(responses={(200, "application/vc+jwt"): OpenApiTypes.STR,
                              (200, "application/ld+json"): OpenApiTypes.OBJECT,
                              (200, "application/json"): OpenApiTypes.OBJECT}, auth=[])
    def get(self, request, list_id: int):
        if list_id != 1:
            raise NotFound()
        fmt = request.accepted_renderer.format
        if fmt in (VcJwtRenderer.format, LdJsonRenderer.format):
            try:
                body: Any = (status_list_signed(list_id) if fmt == VcJwtRenderer.format
                             else status_list_ld(list_id))
            except SigningKeyMissing:
                self._errors_as_json()
                return Response({"detail": "The issuer's signing key is not installed."},
                                status=503)
        else:
            body = status_list_credential(list_id)
        response = Response(body)
        # The list changes only on a revocation or reinstatement: any cache may keep it for
        # its ttl, so a revocation reaches verifiers within that time.
        response["Cache-Control"] = f"public, max-age={int(TTL.total_seconds())}"
        response["Access-Control-Allow-Origin"] = "*"
        response["Vary"] = "Accept"
        return response
