"""People: accounts, levels, regions, organisations, broker profiles, roster imports and
invitations, practice records. One module per subject; every model is importable from here."""

from .catalogue import BilingualName, Level, Organisation, Region
from .invitations import INVITATION_STATUS_LABELS, Invitation, RosterImport
from .practice import (
    PracticeEvidence,
    PracticeRecord,
    PracticeRecordRevision,
    practice_evidence_upload_to,
)
from .profiles import BrokerProfile
from .users import User, UserManager

__all__ = [
    "INVITATION_STATUS_LABELS",
    "BilingualName",
    "BrokerProfile",
    "Invitation",
    "Level",
    "Organisation",
    "PracticeEvidence",
    "PracticeRecord",
    "PracticeRecordRevision",
    "Region",
    "RosterImport",
    "User",
    "UserManager",
    "practice_evidence_upload_to",
]
