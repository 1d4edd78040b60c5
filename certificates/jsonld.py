"""JSON-LD processing of credentials with PyLD, on contexts bundled in ``certificates/contexts``.

Only the contexts the credentials use are known (the VC Data Model 2.0 and Open Badges 3.0
ones); the document loader answers from that folder and refuses any other URL, so canonicalizing
never touches the network. RDF canonicalization is RDFC-1.0 (PyLD calls it URDNA2015, the same
algorithm under its earlier name), as the ``eddsa-rdfc-2022`` cryptosuite asks.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
BUNDLED = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-v3p0-context-3.0.3.json",
}


class ContextNotBundled(jsonld.JsonLdError):
    pass


@cache
def _context_document(url: str) -> dict[str, Any]:
    return json.loads((CONTEXTS_DIR / BUNDLED[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader that serves the bundled contexts and nothing else."""
    if url not in BUNDLED:
        raise ContextNotBundled(f"JSON-LD context {url} is not bundled; refusing to fetch it",
                                "jsonld.LoadDocumentError", code="loading document failed")
    # "static": PyLD keeps the resolved context across operations (as for jsonld.js), so the
    # contexts are processed once per process rather than once per credential.
    return {"contextUrl": None, "documentUrl": url, "tag": "static",
            "document": copy.deepcopy(_context_document(url))}


def canonize(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document`` (``safe`` mode: a term the contexts do
    not define is an error rather than silently dropped, as conformant verifiers also treat
    it)."""
    return jsonld.normalize(document, {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": document_loader, "safe": True,
    })
