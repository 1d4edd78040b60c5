"""Who may open the trainers' and admins' exam pages, and the sittings each may see.

- Question bank and papers: trainers and admins (the bank is shared by all trainers).
- Sittings: admins see and manage all; trainers those they grade, those of the cohorts they
  teach and those they created; auditors see every sitting, its results and statistics, and
  never change anything (a POST from an auditor is refused with 403).
- Grading: trainers, for the sittings they grade (the sitting's graders, or the cohort's
  trainers when it names none).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from academy.people.selectors import Role, role_required, user_roles

from ..models import Sitting
from ..services import sitting_user_may_grade, sittings_graded_by

AUTHORS = (Role.TRAINER, Role.ADMIN)
VIEWERS = (Role.TRAINER, Role.ADMIN, Role.AUDITOR)
PAGE_SIZE = 25

author_required = role_required(*AUTHORS)
viewer_required = role_required(*VIEWERS)
grader_required = role_required(Role.TRAINER)


def read_only_for_auditors(view: Callable) -> Callable:
    """Auditors may look (GET) but every other method is refused."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") and not (
            user_roles(request.user) & {Role.TRAINER, Role.ADMIN}
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def sittings_visible_to(viewer: Any) -> QuerySet[Sitting]:
    """Every sitting for admins and auditors; for trainers the ones they grade, their
    cohorts' and the ones they created; none for anyone else."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles or Role.AUDITOR in roles:
        return Sitting.objects.all()
    if Role.TRAINER not in roles:
        return Sitting.objects.none()
    q = (Q(pk__in=sittings_graded_by(viewer).values("pk")) | Q(cohort__trainers=viewer)
         | Q(created_by=viewer))
    return Sitting.objects.filter(pk__in=Sitting.objects.filter(q).values("pk"))


def can_manage_sitting(viewer: Any, sitting: Sitting) -> bool:
    """Edit a sitting: admins, and trainers who may see it (never auditors)."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles:
        return True
    return Role.TRAINER in roles and sittings_visible_to(viewer).filter(pk=sitting.pk).exists()


def can_release_sitting(viewer: Any, sitting: Sitting) -> bool:
    """Release results and regrade: the sitting's graders and admins (as the services
    require)."""
    return bool(user_roles(viewer) & {Role.TRAINER, Role.ADMIN}) and \
        sitting_user_may_grade(sitting, viewer)


def get_sitting(request, pk: int, *, manage: bool = False) -> Sitting:
    """The sitting if the user may see it (403 if not), and 403 if ``manage`` and the user
    may only look (auditors)."""
    sitting = get_object_or_404(Sitting.objects.select_related("paper", "cohort"), pk=pk)
    if not sittings_visible_to(request.user).filter(pk=sitting.pk).exists():
        raise PermissionDenied
    if manage and not can_manage_sitting(request.user, sitting):
        raise PermissionDenied
    return sitting


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
