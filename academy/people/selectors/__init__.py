"""The people app's reads and checks: what other apps, views and tests may use.

Roles and the checks built on them (``role_required``, the DRF permission ``HasRole``), who
holds which role (``user_role_state``, ``user_role_holders``, ``active_admins``), which
brokers a viewer may see (``broker_users_visible_to``), a request's cached access
(``request_access``), searching people, masking and checking personal data, the client's
address and the address rate limits, the staff MFA helpers views need, the spreadsheet reader
(and its one error report) that every import uses, and practice records. The modules behind
them stay where the rest of people uses them (``roles.py``, ``scoping.py``, …): this face is
the only way in for other apps. ``people_conf`` is this app's settings (sign-up, staff MFA,
invitations, rosters), read by the shell.
"""

from ..access import Access, request_access, user_access, user_access_for
from ..conf import app_settings as people_conf
from ..middleware import mfa_exempt, user_needs_mfa_setup
from ..names import name_pinyin
from ..practice.selectors import (
    RECORD_FIELDS,
    PracticeTotals,
    can_review_practice,
    can_view_practice_record,
    evidence_content_type,
    practice_days_waiting,
    practice_records_of,
    practice_records_visible_to,
    practice_review_queue,
    practice_totals,
    registration_number_normalise,
    revision_content,
)
from ..ratelimits import address_limit_allows, client_ip, client_rate_factor, window_count
from ..roles import (
    HasRole,
    Role,
    RoleRequiredMixin,
    primary_role,
    role_required,
    user_has_role,
    user_is_staff_role,
    user_roles,
)
from ..scoping import broker_user_q, broker_users_visible_to, can_see_personal_data
from ..search import (
    BrokerPicks,
    broker_pick,
    broker_pick_lines,
    person_choice,
    person_q,
    person_search,
)
from ..spreadsheet_errors import (
    SpreadsheetError,
    SpreadsheetErrors,
    spreadsheet_error_report_xlsx,
    spreadsheet_errors_shown,
)
from ..spreadsheets import Column, spreadsheet_rows
from ..validators import (
    mask_national_id,
    mask_phone,
    national_id_check_digit,
    national_id_normalise,
    phone_normalise,
    validate_national_id,
    validate_phone,
)
from .brokers import broker_profile_list
from .roles import active_admins, user_role_holders, user_role_names, user_role_state

__all__ = [
    "people_conf",
    "RECORD_FIELDS",
    "Access",
    "active_admins",
    "PracticeTotals",
    "Column",
    "HasRole",
    "Role",
    "RoleRequiredMixin",
    "SpreadsheetError",
    "SpreadsheetErrors",
    "address_limit_allows",
    "BrokerPicks",
    "broker_pick",
    "broker_pick_lines",
    "broker_profile_list",
    "broker_user_q",
    "broker_users_visible_to",
    "can_review_practice",
    "can_see_personal_data",
    "can_view_practice_record",
    "client_ip",
    "client_rate_factor",
    "evidence_content_type",
    "mask_national_id",
    "mask_phone",
    "mfa_exempt",
    "name_pinyin",
    "national_id_check_digit",
    "national_id_normalise",
    "person_choice",
    "person_q",
    "person_search",
    "phone_normalise",
    "practice_days_waiting",
    "practice_records_of",
    "practice_records_visible_to",
    "practice_review_queue",
    "practice_totals",
    "primary_role",
    "registration_number_normalise",
    "request_access",
    "revision_content",
    "role_required",
    "spreadsheet_error_report_xlsx",
    "spreadsheet_errors_shown",
    "spreadsheet_rows",
    "user_access",
    "user_access_for",
    "user_has_role",
    "user_is_staff_role",
    "user_needs_mfa_setup",
    "user_role_holders",
    "user_role_names",
    "user_role_state",
    "user_roles",
    "validate_national_id",
    "validate_phone",
    "window_count",
]
