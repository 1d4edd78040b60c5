"""Canonicalization: the sped-up PyLD processor gives exactly PyLD's own RDFC-1.0 output, and
the document loader serves the bundled contexts only (nothing is fetched)."""

from __future__ import annotations

import copy

import pytest
from pyld import jsonld as pyld

from certificates.credentials.jsonld import ContextNotBundled, canonize, document_loader
from certificates.credentials.signing import credential_ld
from certificates.credentials.status_list import status_list_credential
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


def _plain(document):
    return pyld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                     "documentLoader": document_loader, "safe": True})


def test_canonical_form_is_pylds_own_for_credentials_and_the_status_list():
    document = credential_ld(issue(BrokerFactory()).credential)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    bound = copy.deepcopy(unsecured)
    bound["credentialSubject"]["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    for _ in range(3):  # the second and third runs hit the caches
        for doc in (unsecured, bound, status_list_credential()):
            assert canonize(doc) == _plain(doc)
    assert canonize(unsecured) != canonize(bound)


def test_the_loader_never_fetches_an_unbundled_context():
    with pytest.raises(ContextNotBundled):
        document_loader("https://example.com/context.jsonld")
    with pytest.raises(pyld.JsonLdError):
        canonize({"@context": "https://example.com/context.jsonld", "name": "x"})
