"""What the talent pool changes (``talent.services``): the only module of writes that views,
tasks, the admin and other apps import.

- ``registered``: the city's registered totals, entered and corrected by administrators;
- ``exports``: exports written to the audit trail, and large exports in the background
  (request, run, download, cleanup).
"""

from .exports import (
    MAX_UNFINISHED_PER_PERSON,
    export_downloaded,
    export_goes_to_background,
    export_progress,
    export_record,
    export_request,
    export_run,
    exports_cleanup,
)
from .registered import registered_total_delete, registered_total_save

__all__ = [
    "MAX_UNFINISHED_PER_PERSON",
    "export_downloaded",
    "export_goes_to_background",
    "export_progress",
    "export_record",
    "export_request",
    "export_run",
    "exports_cleanup",
    "registered_total_delete",
    "registered_total_save",
]
