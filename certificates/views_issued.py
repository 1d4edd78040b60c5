"""Certificate pages: the broker's own, the back office's list and detail (revoke,
reinstate), downloads of the stored PDF and credential, and public verification.

Downloads serve what the tasks stored; nothing renders on the request path.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.middleware import mfa_exempt
from academy.people.roles import Role, role_required, user_has_role

from .credentials import published_jwks
from .forms_issued import ReasonForm, SerialLookupForm
from .issuance import certificate_reinstate, certificate_revoke
from .issued import Certificate
from .pdf import verify_url
from .selectors_issued import (
    certificates_visible_to,
    public_status,
    verify_rate_exceeded,
)
from .serials import serial_valid


def _visible(request, pk: int) -> Certificate:
    return get_object_or_404(certificates_visible_to(request.user), pk=pk)


@role_required(Role.BROKER)
def my_certificates(request):
    """The broker's certificates, with the PDF and the signed credential to download."""
    certificates = list(certificates_visible_to(request.user).filter(broker=request.user)
                        .select_related("renewed_from"))
    return render(request, "certificates/my_certificates.html", {
        "certificates": certificates,
    })


@role_required(Role.ADMIN, Role.AUDITOR)
def certificate_list(request):
    """Every certificate, newest first, filtered by level, status or serial (back office)."""
    queryset = certificates_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in Certificate.Status.values:
        queryset = queryset.filter(status=status)
    level = request.GET.get("level", "")
    if level:
        queryset = queryset.filter(level__code=level)
    query = (request.GET.get("q") or "").strip()
    if query:
        queryset = queryset.filter(serial__icontains=query) | queryset.filter(
            broker__full_name__icontains=query)
    page = Paginator(queryset.order_by("-issued_at", "-pk"), 50).get_page(request.GET.get("page"))
    from academy.people.models import Level

    return render(request, "certificates/certificate_list.html", {
        "page": page, "statuses": Certificate.Status.choices, "status": status,
        "levels": Level.objects.all(), "level": level, "q": query,
    })


@login_required
def certificate_detail(request, pk: int):
    """One certificate: the holder, auditors and admins (admins revoke and reinstate)."""
    certificate = _visible(request, pk)
    return render(request, "certificates/certificate_detail.html", {
        "certificate": certificate,
        "verify_url": verify_url(certificate.serial),
        "can_manage": user_has_role(request.user, Role.ADMIN),
        "reason_form": ReasonForm(),
        "renewals": list(certificate.renewals.all()),
    })


@login_required
def certificate_pdf(request, pk: int):
    """The stored PDF (``?lang=en`` for the English one if rendered); 404 until rendered."""
    certificate = _visible(request, pk)
    file = certificate.pdf_en if request.GET.get("lang") == "en" and certificate.pdf_en \
        else certificate.pdf
    if not file:
        raise Http404(_("The PDF is being prepared; try again in a minute."))
    return FileResponse(file.open("rb"), as_attachment=True,
                        filename=f"{certificate.serial}.pdf", content_type="application/pdf")


@login_required
def certificate_credential(request, pk: int):
    """The signed Open Badges credential (VC-JWT); 404 until signed."""
    certificate = _visible(request, pk)
    if not certificate.credential:
        raise Http404(_("The digital credential is being prepared; try again in a minute."))
    response = HttpResponse(certificate.credential, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{certificate.serial}.jwt"'
    return response


def _reason_action(request, pk: int, action) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("certificates:certificate_detail", pk=certificate.pk)
    try:
        action(certificate_id=certificate.pk, actor=request.user,
               reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: the verification page and the status list show it "
                                    "now."))
    return redirect("certificates:certificate_detail", pk=certificate.pk)


@require_POST
@role_required(Role.ADMIN)
def certificate_revoke_view(request, pk: int):
    return _reason_action(request, pk, certificate_revoke)


@require_POST
@role_required(Role.ADMIN)
def certificate_reinstate_view(request, pk: int):
    return _reason_action(request, pk, certificate_reinstate)


# --- Public ---------------------------------------------------------------------------------


def _too_many(request, template: str, context: dict) -> HttpResponse:
    response = render(request, template, {**context, "rate_limited": True}, status=429)
    response["Retry-After"] = "60"
    return response


@mfa_exempt
@never_cache
def verify_lookup(request):
    """The public lookup form: a serial is checked (check character) before any lookup."""
    form = SerialLookupForm(request.GET or None)
    if form.is_bound:
        if verify_rate_exceeded(request):
            return _too_many(request, "certificates/verify_lookup.html", {"form": form})
        if form.is_valid():
            return redirect("verify:detail", serial=form.cleaned_data["serial"])
    return render(request, "certificates/verify_lookup.html", {"form": form})


@mfa_exempt
@never_cache
def verify_detail(request, serial: str):
    """Public: the status of certificate ``serial`` (holder's name masked)."""
    form = SerialLookupForm(initial={"serial": serial})
    if verify_rate_exceeded(request):
        return _too_many(request, "certificates/verify_detail.html", {"form": form,
                                                                       "serial": serial})
    if not serial_valid(serial):
        form = SerialLookupForm({"serial": serial})
        form.is_valid()
        return render(request, "certificates/verify_detail.html",
                      {"form": form, "serial": serial, "invalid": True}, status=404)
    status = public_status(serial.strip().upper())
    return render(request, "certificates/verify_detail.html", {
        "form": form, "serial": serial, "result": status,
    }, status=200 if status else 404)


@mfa_exempt
def jwks(request):
    """The issuer's public keys (JWK Set), current and retired: credentials verify offline."""
    response = JsonResponse(published_jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response

