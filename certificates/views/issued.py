"""Certificate pages: the broker's own, the back office's list and detail (revoke,
reinstate, re-issue, renew, unified number), an administrator's manual issue, the unified
numbers page, the Torch Centre filing export, downloads of the stored PDF and credential, and
public verification.

Downloads serve what the tasks stored; nothing renders on the request path.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, mfa_exempt, role_required, user_has_role

from ..credentials.signing import did_document, published_jwks
from ..forms import (
    CredentialCheckForm,
    FilingForm,
    HolderDidForm,
    ManualIssueForm,
    OptionalReasonForm,
    ReasonForm,
    SerialLookupForm,
    TorchNumberForm,
)
from ..models.issued import Certificate, CertificatePolicy
from ..selectors import (
    certificate_by_serial,
    certificates_visible_to,
    credential_check,
    issue_preview,
    public_status,
    verify_rate_exceeded,
)
from ..services import (
    certificate_issue,
    certificate_reinstate,
    certificate_renew,
    certificate_renewal_state,
    certificate_revoke,
    certificate_torch_number_set,
    hours_since_issue,
    renewal_chain,
    serial_valid,
    verify_url,
)
from ..services.filing import XLSX_TYPE, FilingFilters, filed_levels, filing_export, filing_summary


def _visible(request, pk: int) -> Certificate:
    return get_object_or_404(certificates_visible_to(request.user), pk=pk)


@role_required(Role.BROKER)
def my_certificates(request):
    """The broker's certificates, with the PDF and the signed credential to download."""
    certificates = list(certificates_visible_to(request.user).filter(broker=request.user)
                        .select_related("renewed_from")
                        .annotate(renewal_done=hours_since_issue()))
    policies = {p.level_id: p for p in CertificatePolicy.objects.filter(
        level_id__in={c.level_id for c in certificates})}
    today = timezone.localdate()
    for certificate in certificates:
        certificate.renewal = certificate_renewal_state(
            certificate=certificate, today=today, policy=policies.get(certificate.level_id),
            done=certificate.renewal_done)
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
        "can_manage": user_has_role(request.user, Role.ADMIN),
    })


@login_required
def certificate_detail(request, pk: int, offer=None):
    """One certificate: the holder, auditors and admins (admins revoke and reinstate); the
    holder adds it to a wallet (``offer``: a wallet offer just made, shown as a QR code) and
    gives the DID their credentials name."""
    from ..models.holders import HolderDid
    from .oid4vci import offer_qr_svg

    certificate = _visible(request, pk)
    is_admin = user_has_role(request.user, Role.ADMIN)
    chain = renewal_chain(certificate)
    is_holder = certificate.broker_id == request.user.pk
    holder_did = HolderDid.objects.filter(user_id=certificate.broker_id).first() \
        if is_holder else None
    return render(request, "certificates/certificate_detail.html", {
        "offer": offer, "offer_qr": offer_qr_svg(offer.uri) if offer else "",
        "holder_did": holder_did,
        "holder_did_form": HolderDidForm(initial={"did": holder_did.did if holder_did
                                                  else ""}) if is_holder else None,
        "certificate": certificate,
        "verify_url": verify_url(certificate.serial),
        "can_manage": is_admin,
        "is_holder": is_holder,
        "reason_form": ReasonForm(),
        "renewal": certificate_renewal_state(certificate=certificate),
        "chain": chain if len(chain) > 1 else [],
        "torch_form": TorchNumberForm(initial={"number": certificate.torch_number}),
        "torch_applies": certificate.level_id in set(filed_levels().values_list("pk",
                                                                                flat=True)),
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
    """The signed Open Badges credential: the VC-JWT, or with ``?format=jsonld`` the JSON-LD
    with its Data Integrity proof; 404 until signed."""
    import json

    from ..credentials.signing import credential_ld

    certificate = _visible(request, pk)
    if not certificate.credential:
        raise Http404(_("The digital credential is being prepared; try again in a minute."))
    if request.GET.get("format") == "jsonld":
        document = credential_ld(certificate.credential)
        if document is None:
            raise Http404(_("The digital credential is being prepared; try again in a "
                            "minute."))
        response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2),
                                content_type="application/ld+json")
        response["Content-Disposition"] = \
            f'attachment; filename="{certificate.serial}.jsonld"'
        return response
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


@require_POST
@role_required(Role.ADMIN)
def certificate_reissue_view(request, pk: int):
    """Issue again, by hand, the certificate of a level whose certificate was revoked."""
    revoked = get_object_or_404(Certificate, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("certificates:certificate_detail", pk=revoked.pk)
    if revoked.status != Certificate.Status.REVOKED:
        messages.error(request, _("Only a revoked certificate is issued again; this one is "
                                  "not revoked."))
        return redirect("certificates:certificate_detail", pk=revoked.pk)
    return _issue_by_hand(request, broker_id=revoked.broker_id, level_id=revoked.level_id,
                          reason=form.cleaned_data["reason"],
                          back=("certificates:certificate_detail", revoked.pk))


def _issue_by_hand(request, *, broker_id: int, level_id: int, reason: str, back):
    try:
        certificate = certificate_issue(broker_id=broker_id, level_id=level_id,
                                        actor=request.user, reason=reason,
                                        source=Certificate.Source.MANUAL)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect(*back)
    if certificate.issued_now:
        messages.success(request, _("Certificate %(serial)s issued; its PDF and digital "
                                    "credential are being prepared.")
                         % {"serial": certificate.serial})
    else:
        messages.warning(request, _("The broker already holds certificate %(serial)s of this "
                                    "level; nothing was issued.")
                         % {"serial": certificate.serial})
    return redirect("certificates:certificate_detail", pk=certificate.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def certificate_issue_manual(request):
    """An administrator issues a certificate of a level to a broker by hand, with a reason
    (ready or not); the same issuance service as the automatic one, audited. A valid form
    first shows the broker's readiness toward the level; the issue follows its confirmation."""
    form = ManualIssueForm(request.POST or None, initial={
        "broker": request.GET.get("broker", ""), "level": request.GET.get("level", "")})
    preview = None
    if request.method == "POST" and form.is_valid():
        broker = form.cleaned_data["broker"]
        level = form.cleaned_data["level"]
        existing = (Certificate.objects.filter(broker=broker, level=level,
                                               status__in=Certificate.ACTIVE).first())
        if existing is not None:
            form.add_error(None, _("This broker already holds certificate %(serial)s of this "
                                   "level.") % {"serial": existing.serial})
        elif form.cleaned_data["confirm"]:
            return _issue_by_hand(request, broker_id=broker.pk, level_id=level.pk,
                                  reason=form.cleaned_data["reason"],
                                  back=("certificates:certificate_issue",))
        else:
            preview = issue_preview(form.profile, level)
    return render(request, "certificates/issue_manual.html", {
        "form": form, "preview": preview,
        "reason": form.cleaned_data.get("reason", "") if preview else ""})


@require_POST
@login_required
def certificate_renew_view(request, pk: int):
    """Renew a certificate: its holder (when eligible) or an administrator (with a reason,
    also before it is eligible)."""
    certificate = _visible(request, pk)
    if certificate.broker_id != request.user.pk and not user_has_role(request.user, Role.ADMIN):
        raise PermissionDenied
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        renewal = certificate_renew(certificate_id=certificate.pk, actor=request.user,
                                    reason=reason)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:certificate_detail", pk=certificate.pk)
    messages.success(request, _("Renewed: certificate %(serial)s replaces %(old)s; its PDF "
                                "and digital credential are being prepared.")
                     % {"serial": renewal.serial, "old": certificate.serial})
    return redirect("certificates:certificate_detail", pk=renewal.pk)


@role_required(Role.ADMIN)
def torch_numbers(request):
    """Record the Torch Centre's unified numbers (统一编号) of intermediate and senior
    certificates: by default those still without one."""
    queryset = (Certificate.objects.select_related("level")
                .filter(status__in=Certificate.ACTIVE, level__in=filed_levels()))
    show = request.GET.get("show", "missing")
    if show != "all":
        queryset = queryset.filter(torch_number="")
    query = (request.GET.get("q") or "").strip()
    if query:
        queryset = queryset.filter(Q(serial__icontains=query) | Q(holder_name__icontains=query)
                                   | Q(torch_number__icontains=query))
    page = Paginator(queryset.order_by("level__rank", "serial"), 50).get_page(
        request.GET.get("page"))
    return render(request, "certificates/torch_numbers.html", {
        "page": page, "show": show, "q": query, "summary": filing_summary(),
    })


@require_POST
@role_required(Role.ADMIN)
def certificate_torch_number(request, pk: int):
    """Record or change one certificate's unified number (audited)."""
    certificate = get_object_or_404(Certificate, pk=pk)
    form = TorchNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The unified number is at most 40 characters long."))
    else:
        try:
            certificate_torch_number_set(certificate_id=certificate.pk, actor=request.user,
                                         number=form.cleaned_data["number"])
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Unified number of %(serial)s saved.")
                             % {"serial": certificate.serial})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect("certificates:certificate_detail", pk=certificate.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN, Role.AUDITOR)
def filing(request):
    """The Torch Centre filing: the figures, and the XLSX (national IDs masked; in full for
    administrators who ask). Downloading is a POST: it writes to the audit trail."""
    is_admin = user_has_role(request.user, Role.ADMIN)
    levels = list(filed_levels())
    form = FilingForm(request.POST if request.method == "POST" else None, levels=levels,
                      allow_full_id=is_admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filters = FilingFilters(level=data["level"], include_expired=data["include_expired"],
                                missing_number_only=data["missing_number_only"])
        body, _rows = filing_export(actor=request.user, filters=filters,
                                    full_id=bool(data.get("full_id")))
        response = HttpResponse(body, content_type=XLSX_TYPE)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="torch-filing-{stamp}.xlsx"'
        return response
    return render(request, "certificates/filing.html", {
        "form": form, "summary": filing_summary(), "is_admin": is_admin,
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN, Role.AUDITOR)
def ecert(request):
    """The GB/T 36903 electronic licence metadata of the certificates: which codes the bureau
    has yet to assign, and the XLSX to file (a POST: it writes to the audit trail)."""
    from academy.people.models import Level

    from ..forms import EcertExportForm
    from ..models import EcertSettings
    from ..services import ecert_export, ecert_fields
    from ..services.ecert import XLSX_TYPE as ECERT_XLSX

    is_admin = user_has_role(request.user, Role.ADMIN)
    form = EcertExportForm(request.POST if request.method == "POST" else None,
                           levels=list(Level.objects.order_by("rank")), allow_full_id=is_admin)
    if request.method == "POST" and form.is_valid():
        body, _rows = ecert_export(actor=request.user, level=form.cleaned_data["level"],
                                   full_id=bool(form.cleaned_data.get("full_id")))
        response = HttpResponse(body, content_type=ECERT_XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="ecert-metadata-{stamp}.xlsx"'
        return response
    return render(request, "certificates/ecert.html", {
        "form": form, "config": EcertSettings.current(), "fields": ecert_fields(),
        "is_admin": is_admin,
    })


# --- Public ---------------------------------------------------------------------------------


def _too_many(request, template: str, context: dict) -> HttpResponse:
    response = render(request, template, {**context, "rate_limited": True}, status=429)
    response["Retry-After"] = "60"
    return response


@mfa_exempt
@never_cache
def verify_lookup(request):
    """The public lookup form: a serial is checked (check character) before any lookup; and
    the form to check a credential file or pasted credential."""
    form = SerialLookupForm(request.GET or None)
    if form.is_bound:
        if verify_rate_exceeded(request):
            return _too_many(request, "certificates/verify_lookup.html",
                             {"form": form, "credential_form": CredentialCheckForm()})
        if form.is_valid():
            return redirect("verify:detail", serial=form.cleaned_data["serial"])
    return render(request, "certificates/verify_lookup.html",
                  {"form": form, "credential_form": CredentialCheckForm()})


@mfa_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def verify_credential(request):
    """Public: check an uploaded or pasted credential (VC-JWT or JSON-LD): each check with its
    verdict. Nothing is stored."""
    if request.method == "GET":
        return redirect("verify:lookup")
    form = CredentialCheckForm(request.POST, request.FILES)
    context = {"form": SerialLookupForm(), "credential_form": form}
    if verify_rate_exceeded(request):
        return _too_many(request, "certificates/verify_lookup.html", context)
    if not form.is_valid():
        return render(request, "certificates/verify_lookup.html", context, status=400)
    report = credential_check(form.cleaned_data["text"])
    credential_id = str(report.credential.get("id") or "")
    return render(request, "certificates/verify_credential.html", {
        "report": report, "credential": report.credential,
        "certificate": certificate_by_serial(credential_id.rstrip("/").rsplit("/", 1)[-1])
        if report.ok or report.revoked else None,
    })


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
    status = public_status(serial)
    if status is not None and status.serial != serial:  # typed another way: the stored form
        return redirect("verify:detail", serial=status.serial)
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



@mfa_exempt
def did_json(request):
    """The issuer's DID document (did:web): every signing key, current and retired, as a
    Multikey listed for assertionMethod, so that every credential's proof resolves its key."""
    response = JsonResponse(did_document())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
