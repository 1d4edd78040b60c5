"""The talent pool's own rows (the rest of what it shows belongs to the apps below it)."""

from .exports import TalentExport
from .registered import RegisteredTotal

__all__ = ["RegisteredTotal", "TalentExport"]
