"""REST endpoints of people under /api/v1/ (practice records: ``practice/api.py``)."""

from .me import MeView

__all__ = ["MeView"]
