"""The notification centre: the list, opening one, marking read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.people.selectors import Role, user_has_role

from ..models import Notification
from ..rendering import localized_path
from ..selectors import notifications_in_language, notifications_of, unread_count
from ..services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 20


def _next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
def centre(request):
    """The person's notifications, newest first; ``?unread=1`` shows only unread ones."""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notifications_of(request.user, unread_only=unread_only),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language()
    notifications_in_language(page.object_list, language)
    for item in page.object_list:
        item.link = localized_path(item.url, language) if item.url else ""
    return render(request, "notifications/centre.html", {
        "page": page,
        "unread_only": unread_only,
        "unread": unread_count(request.user),
        "may_remind": user_has_role(request.user, Role.TRAINER, Role.ADMIN),
    })


@login_required
def open_notification(request, pk: int):
    """Mark the notification read and go to what it is about (a link from the centre and
    from e-mails' digests; only the recipient may open it)."""
    notification = Notification.objects.filter(pk=pk).first()
    if notification is None:
        raise Http404
    if notification.recipient_id != request.user.pk:
        raise PermissionDenied
    notification_mark_read(user=request.user, notification_id=pk)
    if notification.url:
        return redirect(localized_path(notification.url, get_language()))
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_read(request, pk: int):
    if notification_mark_read(user=request.user, notification_id=pk) is None:
        raise Http404
    return redirect(_next(request, "notifications:centre"))


@login_required
@require_POST
def mark_all_read(request):
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_next(request, "notifications:centre"))
