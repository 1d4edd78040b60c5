"""What the talent pool reads (``talent.selectors``): the only module of reads that views,
tasks, the API, the shell and other apps import. One module per subject:

- ``population``: ``TalentFilters`` (period, region, organisation, cohort, level), the
  profiles they select, ``filters_from_query``, the filter bar's suggestions;
- ``counts``, ``promotions``, ``funnel``, ``cohorts``, ``results``, ``practice``,
  ``registered``, ``certificates``: one figure family each, from aggregate queries only;
- ``figures``: the whole dashboard (``dashboard``, ``dashboard_if_ready``, ``figures_poll``)
  and the shared cache that keeps it;
- ``drilldown``: ``brokers_for(filters, drill)``, the brokers behind any number;
- ``dossiers``: a broker's whole record and level history;
- ``audit_trail``, ``event_text``: the audit viewer's selection and its readable sentences;
- ``archive``, ``export_tables``, ``export_kinds``: what each export reads and its tables.
"""

from .archive import CohortArchive, cohort_archive
from .audit_trail import audit_events
from .certificates import (
    EXPIRING_DAYS,
    STATES,
    certificate_counts,
    certificate_state,
    certificate_state_q,
    certificates_for,
)
from .cohorts import CohortRow, cohort_progress_summary
from .counts import (
    CountRow,
    brokers_by_level,
    brokers_by_organisation,
    brokers_by_region,
)
from .dossiers import LevelStep, dossier, level_history
from .drilldown import DRILL_KEYS, brokers_for
from .event_text import (
    ACTION_PHRASES,
    Change,
    EventView,
    action_choices,
    action_label,
    describe_events,
)
from .export_kinds import KINDS, ExportKind, Spec, export_kind
from .export_tables import (
    broker_table,
    comparison_table,
    dashboard_tables,
    registered_table,
)
from .figures import (
    dashboard,
    dashboard_compute,
    dashboard_if_ready,
    figures_cache_key,
    figures_poll,
    figures_refresh,
)
from .funnel import (
    FUNNEL_STEPS,
    FunnelRequirements,
    FunnelStep,
    funnel,
    funnel_requirements,
)
from .population import (
    TalentFilters,
    cohort_options,
    filters_from_query,
    organisation_options,
    profiles,
)
from .practice import PracticeRow, practice_by_region_month
from .promotions import (
    PromotionRow,
    promoted_brokers,
    promotions_by_month,
    promotions_by_year,
    superseded_promotions,
)
from .registered import Comparison, ComparisonRow, practice_comparison, registered_totals
from .results import (
    SittingRow,
    Turnaround,
    exam_results_by_sitting,
    grading_turnaround,
    released_attempts,
)

__all__ = [
    "ACTION_PHRASES",
    "DRILL_KEYS",
    "EXPIRING_DAYS",
    "FUNNEL_STEPS",
    "KINDS",
    "STATES",
    "Change",
    "CohortArchive",
    "CohortRow",
    "Comparison",
    "ComparisonRow",
    "CountRow",
    "EventView",
    "ExportKind",
    "FunnelRequirements",
    "FunnelStep",
    "LevelStep",
    "PracticeRow",
    "PromotionRow",
    "SittingRow",
    "Spec",
    "TalentFilters",
    "Turnaround",
    "action_choices",
    "action_label",
    "audit_events",
    "broker_table",
    "brokers_by_level",
    "brokers_by_organisation",
    "brokers_by_region",
    "brokers_for",
    "certificate_counts",
    "certificate_state",
    "certificate_state_q",
    "certificates_for",
    "cohort_archive",
    "cohort_options",
    "cohort_progress_summary",
    "comparison_table",
    "dashboard",
    "dashboard_compute",
    "dashboard_if_ready",
    "dashboard_tables",
    "describe_events",
    "dossier",
    "exam_results_by_sitting",
    "export_kind",
    "figures_cache_key",
    "figures_poll",
    "figures_refresh",
    "filters_from_query",
    "funnel",
    "funnel_requirements",
    "grading_turnaround",
    "level_history",
    "organisation_options",
    "practice_by_region_month",
    "practice_comparison",
    "profiles",
    "promoted_brokers",
    "promotions_by_month",
    "promotions_by_year",
    "registered_table",
    "registered_totals",
    "released_attempts",
    "superseded_promotions",
]
