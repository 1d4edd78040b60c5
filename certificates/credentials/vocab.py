"""The JSON-LD contexts of the credentials and where their bundled copies are.

Kept apart from ``jsonld.py`` so that naming a context does not load a JSON-LD processor:
PyLD (and the HTTP client it imports) is loaded by the first credential canonicalized.
"""

from __future__ import annotations

from pathlib import Path

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
BUNDLED = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-v3p0-context-3.0.3.json",
}
