"""Who may open the talent pool's pages and endpoints (read by
tests/ui/test_permission_matrix.py): the bureau (auditors) and admins, nobody else; registered
totals are entered by admins; an export's pages belong to whoever asked for it."""

from __future__ import annotations

from tests.factories import BrokerFactory
from tests.ui.matrix import API_ANON, DENIED, OK, REDIRECT, REFUSED, Row, logged_in

BUREAU = {"auditor": OK, "admin": OK}
API = {"anonymous": API_ANON, "broker": DENIED, "trainer": DENIED, "auditor": OK, "admin": OK}


def _broker():
    return {"user_id": BrokerFactory().pk}


def _cohort():
    from tests.courses.factories import CohortFactory

    return {"code": CohortFactory().code}


# Another auditor or admin than the one who asked for an export (the matrix's other_auditor
# and other_admin): 404, even an admin.
NOT_THEIRS = {"other_auditor": REFUSED, "other_admin": REFUSED}


def _export(user):
    """An export asked for by ``user`` when they may ask (the bureau), else by an auditor."""
    from academy.people.roles import Role, user_has_role
    from talent.models import TalentExport
    from tests.factories import UserFactory

    owner = user if user_has_role(user, Role.AUDITOR, Role.ADMIN) else UserFactory(
        roles=["auditor"])
    return {"pk": TalentExport.objects.create(requested_by=owner, kind="brokers").pk}


def _registered():
    from decimal import Decimal

    from academy.people.models import Region
    from talent.models import RegisteredTotal

    region = Region.objects.order_by("code").first()
    total, _ = RegisteredTotal.objects.get_or_create(
        region=region, month="2025-01-01",
        defaults={"deal_count": 3, "contract_amount": Decimal("100")})
    return {"pk": total.pk}


ROWS = {
    "talent:dashboard": Row(logged_in(BUREAU)),
    "talent:figures_progress": Row(logged_in(BUREAU)),
    "talent:broker_list": Row(logged_in(BUREAU)),
    "talent:organisation_options": Row(logged_in(BUREAU)),
    "talent:cohort_options": Row(logged_in(BUREAU)),
    "talent:dossier": Row(logged_in(BUREAU), kwargs=_broker),
    "talent:audit": Row(logged_in(BUREAU)),
    "talent:cohort_archive": Row(logged_in(BUREAU), kwargs=_cohort),
    "talent:export_list": Row(logged_in(BUREAU)),
    "talent:export_start": Row(logged_in({"auditor": REDIRECT, "admin": REDIRECT}),
                               method="post", data={"kind": "dashboard", "file_format": "csv",
                                                    "query": ""},
                               note="records the requester's own export and shows it"),
    "talent:export_detail": Row(logged_in({**BUREAU, **NOT_THEIRS}), kwargs=_export),
    "talent:export_progress": Row(logged_in({**BUREAU, **NOT_THEIRS}), kwargs=_export),
    "talent:export_download": Row(logged_in({"auditor": REDIRECT, "admin": REDIRECT,
                                             **NOT_THEIRS}),
                                  kwargs=_export, note="not ready yet: back to its page"),
    "talent:registered_list": Row(logged_in(BUREAU)),
    "talent:registered_add": Row(logged_in({"admin": OK})),
    "talent:registered_edit": Row(logged_in({"admin": OK}), kwargs=_registered),
    "talent:registered_delete": Row(logged_in({"admin": REDIRECT}), kwargs=_registered,
                                    method="post"),
    "api-talent-summary": Row(API),
    "api-talent-brokers": Row(API),
    "api-talent-results": Row(API),
    "api-talent-certificates": Row(API),
}

