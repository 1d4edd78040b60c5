"""Setting the DID a holder gives for their credentials (the wallet flow sets it too, in
``credentials/oid4vci.py``)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError

from ..models.holders import HolderDid
from ..models.issued import Certificate

DID_PATTERN = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]")


def holder_did_set(*, user: Any, did: str) -> HolderDid | None:
    """Record ``did`` as the holder's DID (empty: forget it) and re-sign their active
    certificates' credentials after commit, so that their subject names it (audited)."""
    from academy.audit.services import audit_record

    did = (did or "").strip()
    if did and (len(did) > 500 or not DID_PATTERN.fullmatch(did)):
        raise ApplicationError(_("This is not a DID (it looks like did:method:identifier)."))
    with transaction.atomic():
        before = HolderDid.objects.filter(user=user).values_list("did", flat=True).first()
        if did:
            record, _created = HolderDid.objects.update_or_create(
                user=user, defaults={"did": did, "source": HolderDid.Source.ENTERED})
        else:
            HolderDid.objects.filter(user=user).delete()
            record = None
        audit_record(action="certificates.holder_did_changed", person=user, actor=user,
                     before={"did": before}, after={"did": did or None})
        ids = list(Certificate.objects.filter(broker=user, status__in=Certificate.ACTIVE)
                   .values_list("pk", flat=True))

        def resign() -> None:
            from ..tasks import certificate_credential_sign

            for pk in ids:
                certificate_credential_sign.delay(pk)

        transaction.on_commit(resign, robust=True)
    return record
