"""Pages of the people app, one module per subject (practice records: ``practice/views.py``)."""

from .brokers import broker_list, person_search_view
from .invitations import invitation_accept_view
from .roster import roster_error_report, roster_import_detail, roster_import_view, roster_template

__all__ = [
    "broker_list",
    "invitation_accept_view",
    "person_search_view",
    "roster_error_report",
    "roster_import_detail",
    "roster_import_view",
    "roster_template",
]
