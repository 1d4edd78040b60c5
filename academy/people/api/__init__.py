"""REST endpoints of people under /api/v1/ (practice records: ``practice/api.py``)."""

from .me import MeView
from .roles import UserRolesListView, UserRolesView

__all__ = ["MeView", "UserRolesListView", "UserRolesView"]
