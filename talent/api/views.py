"""The talent pool over REST (auditors and admins, read only): the dashboard's figures,
brokers, results, certificates."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.db import reads_from_replica
from academy.people.selectors import HasRole, Role

from .. import selectors
from ..forms import TalentFilterForm
from .serializers import (
    TalentBrokerSerializer,
    TalentCertificateSerializer,
    TalentResultSerializer,
)

BUREAU = HasRole.of(Role.AUDITOR, Role.ADMIN)

FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Start of the period (events)"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="End of the period, inclusive"),
    OpenApiParameter("region", str, description="Region code"),
    OpenApiParameter("organisation", int, description="Organisation id"),
    OpenApiParameter("cohort", str, description="Cohort code"),
    OpenApiParameter("level", str, description="Level code"),
]
DRILL_PARAMETERS = [
    OpenApiParameter("step", str, enum=[k for k, _ in selectors.FUNNEL_STEPS],
                     description="Brokers at a funnel step"),
    OpenApiParameter("promoted", str, description="YYYY-MM: brokers promoted that month"),
    OpenApiParameter("promoted_level", str,
                     description="Level code: with promoted, promoted to that level"),
    OpenApiParameter("sitting", int, description="Brokers with a released result there"),
    OpenApiParameter("passed", str, description="1: only those who passed the sitting"),
    OpenApiParameter("practice_month", str,
                     description="YYYY-MM: brokers with an approved practice record"),
]


def _filters(request) -> selectors.TalentFilters:
    form = TalentFilterForm(request.query_params or None)
    if request.query_params and not form.is_valid():
        raise ValidationError(form.errors)
    return form.filters() if request.query_params else selectors.TalentFilters()


def _count_rows(rows) -> list[dict[str, Any]]:
    return [{"key": r.key, "label": r.label, "count": r.count} for r in rows]


class ReadsFromReplica:
    """A list that reads from the read replica when there is one (``academy.db``); the
    authentication and permission checks before it read from the primary."""

    def get(self, request, *args, **kwargs):
        with reads_from_replica():
            return super().get(request, *args, **kwargs)


class SummaryView(APIView):
    """The dashboard's figures under the same filters as the page."""

    permission_classes = [BUREAU]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: OpenApiTypes.OBJECT},
                   summary="Talent-pool figures")
    def get(self, request):
        f = selectors.dashboard(_filters(request))
        t = f["turnaround"]
        return Response({
            "total": f["total"],
            "as_of": f["as_of"],  # when the figures were computed (they may be cached)
            "by_level": _count_rows(f["by_level"]),
            "by_region": _count_rows(f["by_region"]),
            "by_organisation": _count_rows(f["by_organisation"]),
            "promotions": [{"month": r.month.strftime("%Y-%m"), "level": r.level_code,
                            "count": r.count} for r in f["promotions"]],
            "promotions_by_year": [{"year": y, "count": n} for y, n in f["promotions_by_year"]],
            "funnel": [{"step": s.key, "label": s.label, "count": s.count,
                        "definition": s.explanation,
                        "of_previous": s.of_previous, "of_first": s.of_first}
                       for s in f["funnel"]],
            "cohorts": [{"cohort": c.code, "name": c.name, "enrolled": c.enrolled,
                         "completed": c.completed, "withdrawn": c.withdrawn,
                         "hours_met": c.hours_met, "avg_hours": str(c.avg_hours)}
                        for c in f["cohorts"]],
            "sittings": [{"sitting": s.sitting_id, "title": s.title, "attempts": s.attempts,
                          "awaiting": s.awaiting,
                          "brokers": s.brokers, "passed_brokers": s.passed_brokers,
                          "pass_rate": s.pass_rate, "avg_percent": str(s.avg_percent),
                          "distribution": s.buckets} for s in f["sittings"]],
            "grading_turnaround": {
                "marks": t.marks,
                "average_hours": None if t.average_hours is None else str(t.average_hours),
                "median_hours": None if t.median_hours is None else str(t.median_hours),
            },
            "practice": [{"month": r.month.strftime("%Y-%m"), "region": r.region_code,
                          "records": r.records, "amount": str(r.amount),
                          "income": str(r.income)} for r in f["practice"]],
            "practice_totals": {k: str(v) if not isinstance(v, int) else v
                                for k, v in f["practice_totals"].items()},
            "practice_registered": _comparison(f["practice_registered"]),
            "certificates": f["certificates"],
        })


def _money(value) -> str | None:
    return None if value is None else str(value)


def _comparison(c) -> dict[str, Any]:
    """Recorded practice against the city's registered totals (``selectors.registered``)."""
    if not c.comparable:
        return {"comparable": False, "rows": [], "totals": None}
    return {
        "comparable": True,
        "rows": [{"month": r.month.strftime("%Y-%m"), "region": r.region_code,
                  "records": r.records, "amount": str(r.amount), "income": str(r.income),
                  "registered_count": r.registered.deal_count if r.registered else None,
                  "registered_amount": _money(r.registered.contract_amount
                                              if r.registered else None),
                  "registered_income": _money(r.registered.technical_income
                                              if r.registered else None),
                  "gap_count": r.gap_count, "gap_amount": _money(r.gap_amount),
                  "gap_income": _money(r.gap_income)} for r in c.rows],
        "totals": {k: (v if v is None or isinstance(v, int) else str(v))
                   for k, v in c.totals.items()} if c.entered else None,
    }



@extend_schema(parameters=FILTER_PARAMETERS + DRILL_PARAMETERS)
class BrokerListView(ReadsFromReplica, generics.ListAPIView):
    """Brokers of the talent pool (personal data masked), filtered like the dashboard; the
    drill-down parameters give the brokers behind one figure."""

    permission_classes = [BUREAU]
    serializer_class = TalentBrokerSerializer

    def get_queryset(self):
        drill = {k: self.request.query_params[k] for k in selectors.DRILL_KEYS
                 if self.request.query_params.get(k)}
        return selectors.brokers_for(_filters_without_drill(self.request), drill)


def _filters_without_drill(request) -> selectors.TalentFilters:
    form = TalentFilterForm({k: v for k, v in request.query_params.items()
                             if k in TalentFilterForm.base_fields})
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form.filters()



@extend_schema(parameters=FILTER_PARAMETERS)
class ResultListView(ReadsFromReplica, generics.ListAPIView):
    """Released exam results of the brokers the filters select."""

    permission_classes = [BUREAU]
    serializer_class = TalentResultSerializer

    def get_queryset(self):
        return (selectors.released_attempts(_filters_without_drill(self.request))
                .select_related("sitting", "sitting__paper").order_by("-released_at", "-pk"))



@extend_schema(parameters=FILTER_PARAMETERS + [
    OpenApiParameter("state", str, enum=[k for k, _ in selectors.STATES],
                     description="The dashboard's certificate figures: valid, expiring within "
                                 "90 days, expired, revoked"),
], summary="Certificates of the talent pool")
class CertificateListView(ReadsFromReplica, generics.ListAPIView):
    """Certificates of the brokers the filters select, newest first; the period selects those
    issued in it; ``state`` gives the certificates behind one of the dashboard's figures."""

    permission_classes = [BUREAU]
    serializer_class = TalentCertificateSerializer

    def get_queryset(self):
        state = self.request.query_params.get("state") or None
        if state is not None and state not in dict(selectors.STATES):
            raise ValidationError({"state": [f"Unknown state: {state}"]})
        return selectors.certificates_for(_filters_without_drill(self.request), state)
