"""The certificate design pages (administrators): the design in use, the draft and the
history; editing the draft with inline errors; a sample preview (PDF, PNG thumbnail);
putting the draft in use. Each view checks access, validates, calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required

from ..forms import DesignForm, RerenderForm
from ..models.designs import PLACEHOLDERS, CertificateDesign, design_active
from ..services import (
    design_activate,
    design_copy_to_draft,
    design_draft,
    design_draft_discard,
    design_draft_or_template,
    design_draft_save,
    design_pdfs_behind,
    design_preview_pdf,
    design_preview_png,
    thumbnails_available,
)

LANGUAGES = ("zh-hans", "en")


def _language(request) -> str:
    language = request.GET.get("lang", "zh-hans")
    return language if language in LANGUAGES else "zh-hans"


def _design(pk: int) -> CertificateDesign:
    """Version ``pk``; 0 is the built-in design (used while no version is active)."""
    if pk == 0:
        return CertificateDesign.builtin()
    return get_object_or_404(CertificateDesign, pk=pk)


@role_required(Role.ADMIN)
def design_overview(request):
    """The design in use, the draft being prepared, and every earlier version."""
    history = list(CertificateDesign.objects.select_related("created_by", "activated_by"))
    active = design_active()
    return render(request, "certificates/design/overview.html", {
        "active": active,
        "pdfs_behind": design_pdfs_behind(active),
        "draft": design_draft(),
        "history": history,
        "thumbnails": thumbnails_available(),
        "rerender_form": RerenderForm(),
    })


@role_required(Role.ADMIN)
def design_edit(request):
    """Edit the draft (started from the design in use on the first save)."""
    draft = design_draft_or_template()
    if request.method == "POST":
        form = DesignForm(request.POST, request.FILES, instance=draft)
        if form.is_valid():
            try:
                saved = design_draft_save(actor=request.user, values=form.service_values())
            except ValidationError as exc:
                form.add_error(None, exc)
            except ApplicationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Draft saved. Check the preview, then put it in "
                                            "use."))
                return redirect("certificates:design_detail", pk=saved.pk)
    else:
        form = DesignForm(instance=draft)
    return render(request, "certificates/design/edit.html", {
        "form": form, "draft": draft if draft.pk else None,
        "placeholders": ["{" + name + "}" for name in PLACEHOLDERS],
    })


@role_required(Role.ADMIN)
def design_detail(request, pk: int):
    """One version: its settings and its preview; the draft's page has "put in use"."""
    design = get_object_or_404(CertificateDesign.objects.select_related("created_by",
                                                                        "activated_by"), pk=pk)
    return render(request, "certificates/design/detail.html", {
        "design": design,
        "thumbnails": thumbnails_available(),
        "rerender_form": RerenderForm(),
    })


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.ADMIN)
def design_preview(request, pk: int):
    """A sample certificate (张三, a sample serial) in version ``pk`` (0: built-in), as PDF."""
    design = _design(pk)
    language = _language(request)
    content = design_preview_pdf(design=design, language=language)
    return _pdf_response(content, f"certificate-design-v{design.version}-{language}.pdf")


@role_required(Role.ADMIN)
def design_thumbnail(request, pk: int):
    """The preview as a PNG (404 where poppler's pdftoppm is not installed)."""
    png = design_preview_png(design=_design(pk), language=_language(request))
    if png is None:
        raise Http404(_("No thumbnail: pdftoppm is not installed. Open the PDF preview."))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(Role.ADMIN)
def design_activate_view(request, pk: int):
    try:
        design = design_activate(actor=request.user, design_id=pk)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:design_overview")
    messages.success(request, _("Version %(version)s is in use: certificates issued from now on "
                                "are rendered with it. Re-render the stored PDFs below.")
                     % {"version": design.version})
    return redirect("certificates:design_overview")


@require_POST
@role_required(Role.ADMIN)
def design_copy_view(request, pk: int):
    get_object_or_404(CertificateDesign, pk=pk)
    try:
        draft = design_copy_to_draft(actor=request.user, design_id=pk)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:design_overview")
    messages.success(request, _("The draft is now a copy of that version."))
    return redirect("certificates:design_detail", pk=draft.pk)


@require_POST
@role_required(Role.ADMIN)
def design_discard_view(request):
    try:
        design_draft_discard(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Draft discarded."))
    return redirect("certificates:design_overview")
