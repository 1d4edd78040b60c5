"""OpenID4VCI endpoints (public, for wallets; see ``credentials/oid4vci.py``) and the holder's pages: a
wallet offer as a QR code, and the DID their credentials name."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, mfa_exempt, role_required

from ..credentials.oid4vci import (
    OAuthError,
    authorization_server_metadata,
    issuer_metadata,
    offer_credential_issue,
    offer_nonce_new,
    offer_token_redeem,
)
from ..forms import HolderDidForm
from ..selectors import certificates_visible_to
from ..services import holder_did_set


def _json(body, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(exc: OAuthError) -> JsonResponse:
    body = {"error": exc.code}
    if exc.description:
        body["error_description"] = exc.description
    extra = {"WWW_Authenticate": f'Bearer error="{exc.code}"'} if exc.status == 401 else {}
    return _json(body, status=exc.status, **extra)


def _bearer(request) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "dpop") else ""


@mfa_exempt
@require_GET
def credential_issuer_metadata(request):
    response = _json(issuer_metadata())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@mfa_exempt
@require_GET
def oauth_server_metadata(request):
    response = _json(authorization_server_metadata())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@mfa_exempt
@csrf_exempt
@require_POST
def token(request):
    """Token endpoint: a pre-authorized code for an access token and a nonce."""
    try:
        return _json(offer_token_redeem(grant_type=request.POST.get("grant_type", ""),
                                        code=request.POST.get("pre-authorized_code", ""),
                                        tx_code=request.POST.get("tx_code")))
    except OAuthError as exc:
        return _error(exc)


@mfa_exempt
@csrf_exempt
@require_POST
def nonce(request):
    try:
        return _json(offer_nonce_new(token=_bearer(request)))
    except OAuthError as exc:
        return _error(exc)


@mfa_exempt
@csrf_exempt
@require_POST
def credential(request):
    """Credential endpoint: the credential for a proof of possession and an access token."""
    if not _bearer(request):
        return _error(OAuthError("invalid_token", "an access token is required", status=401))
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return _error(OAuthError("invalid_credential_request", "the body is not JSON"))
    try:
        return _json(offer_credential_issue(token=_bearer(request), request=body))
    except OAuthError as exc:
        return _error(exc)


@require_POST
@role_required(Role.BROKER)
def wallet_offer(request, pk: int):
    """The holder asks for a wallet offer: the certificate page with its QR code."""
    from ..credentials.oid4vci import credential_offer_create
    from .issued import certificate_detail

    certificate = get_object_or_404(certificates_visible_to(request.user), pk=pk)
    try:
        offer = credential_offer_create(certificate_id=certificate.pk, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:certificate_detail", pk=certificate.pk)
    response = certificate_detail(request, pk, offer=offer)
    response["Cache-Control"] = "no-store"  # the page holds a one-time code
    return response


@require_POST
@role_required(Role.BROKER)
def holder_did(request, pk: int):
    """The holder gives (or clears) the DID their credentials name as subject."""
    certificate = get_object_or_404(certificates_visible_to(request.user), pk=pk)
    form = HolderDidForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("did", [])) or _("Check the DID."))
    else:
        try:
            holder_did_set(user=request.user, did=form.cleaned_data["did"])
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved: your credentials are being signed again with "
                                        "this DID."))
    return redirect("certificates:certificate_detail", pk=certificate.pk)


def offer_qr_svg(uri: str) -> str:
    """The offer as an inline SVG QR code."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(buffer, kind="svg", scale=4, border=2,
                                                 xmldecl=False, svgns=True,
                                                 title="OpenID4VCI credential offer")
    return buffer.getvalue().decode("utf-8")



