"""The models of certificates, one module per subject (import them from here):

- ``requirements``: what each level requires (``RequirementSet`` and its parts), which set
  judges which broker, and each broker's last readiness answer;
- ``issued``: issued certificates, the issuing policy per level, serial counters;
- ``designs``: the certificate's design versions and which design rendered which PDF;
- ``bulk``: bulk runs (re-rendering, cohort issuance) and their items;
- ``holders``: holders' DIDs and wallet credential offers (OpenID4VCI);
- ``ecert``: the GB/T 36903 electronic licence settings and identifiers.
"""

from .bulk import BulkRun, BulkRunItem
from .designs import CertificateDesign, CertificateRendering
from .ecert import EcertIdentifier, EcertSettings
from .holders import CredentialOffer, HolderDid
from .issued import Certificate, CertificatePolicy, SerialCounter
from .requirements import (
    AreaHoursRequirement,
    BrokerReadiness,
    BrokerRequirementSet,
    CourseHoursRequirement,
    ExamRequirement,
    RequirementSet,
)

__all__ = [
    "AreaHoursRequirement",
    "BrokerReadiness",
    "BrokerRequirementSet",
    "BulkRun",
    "BulkRunItem",
    "Certificate",
    "CertificateDesign",
    "CertificatePolicy",
    "CertificateRendering",
    "CourseHoursRequirement",
    "CredentialOffer",
    "EcertIdentifier",
    "EcertSettings",
    "ExamRequirement",
    "HolderDid",
    "RequirementSet",
    "SerialCounter",
]
