"""Reading certificates: the readiness engine, the funnel, verification, issued
certificates, the path page. Import from here (other apps, views, the API).

``readiness`` is the engine for one broker or a few (each requirement met or not, with
figures); ``readiness_sets`` answers the same questions for a whole pool in one SQL query (the
dashboard, the funnel, the ready list); both read the same rules. ``issued`` lists and looks up
certificates, ``verification`` checks any credential offline, ``path`` serves the path page.
"""

from .issued import (
    PublicStatus,
    certificate_by_serial,
    certificates_visible_to,
    level_issued_automatically,
    levels_issued_by_admin,
    mask_name,
    public_status,
    verify_rate_exceeded,
)
from .path import (
    IssuePreview,
    can_view_broker_path,
    issue_preview,
    promotion_candidates,
    readiness_state,
    requirement_sets_assignable,
)
from .readiness import (
    AWAITING_GRADING,
    EXAM,
    KINDS,
    SOURCE_ASSIGNED,
    SOURCE_CURRENT,
    SOURCE_ENROLMENT,
    STATE_LABELS,
    STATES,
    Readiness,
    RequirementStatus,
    add_months,
    broker_readiness,
    broker_requirement_set,
    brokers_readiness,
    months_between,
)
from .readiness_sets import (
    FUNNEL_STEPS,
    STEP_KEYS,
    FunnelStep,
    brokers_readiness_flags,
    funnel_step_conditions,
    funnel_steps_reached,
    months_threshold,
    readiness_with,
    ready_for_promotion,
)
from .verification import FAIL, PASS, CredentialReport, credential_check, status_list_ld_verify

__all__ = [
    "CredentialReport",
    "FAIL",
    "FUNNEL_STEPS",
    "FunnelStep",
    "KINDS",
    "PASS",
    "PublicStatus",
    "Readiness",
    "RequirementStatus",
    "SOURCE_ASSIGNED",
    "SOURCE_CURRENT",
    "SOURCE_ENROLMENT",
    "STATES",
    "STATE_LABELS",
    "AWAITING_GRADING",
    "EXAM",
    "STEP_KEYS",
    "add_months",
    "broker_readiness",
    "broker_requirement_set",
    "brokers_readiness",
    "brokers_readiness_flags",
    "IssuePreview",
    "can_view_broker_path",
    "issue_preview",
    "certificate_by_serial",
    "certificates_visible_to",
    "level_issued_automatically",
    "levels_issued_by_admin",
    "credential_check",
    "funnel_step_conditions",
    "funnel_steps_reached",
    "mask_name",
    "months_between",
    "months_threshold",
    "promotion_candidates",
    "public_status",
    "readiness_state",
    "readiness_with",
    "ready_for_promotion",
    "requirement_sets_assignable",
    "status_list_ld_verify",
    "verify_rate_exceeded",
]
