"""JSON-LD processing of credentials with PyLD, on contexts bundled in ``certificates/credentials/contexts``.

Only the contexts the credentials use are known (the VC Data Model 2.0 and Open Badges 3.0
ones); the document loader answers from that folder and refuses any other URL, so canonicalizing
never touches the network. RDF canonicalization is RDFC-1.0 (PyLD calls it URDNA2015, the same
algorithm under its earlier name), as the ``eddsa-rdfc-2022`` cryptosuite asks.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from c14n.Canonicalize import canonicalize
from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from .vocab import BUNDLED, CONTEXTS_DIR, OB_CONTEXT, VC_CONTEXT

__all__ = ["BUNDLED", "CONTEXTS_DIR", "OB_CONTEXT", "VC_CONTEXT", "ContextNotBundled",
           "canonize", "document_loader"]


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


class _ContextResolver(ContextResolver):
    """PyLD's context resolver, remembering the cache key of an embedded context object.

    PyLD finds an embedded (scoped) context in its cache by the JSON canonical form (RFC 8785)
    of the object, serialized again at every use: a third of the time of canonicalizing a
    credential went there. The scoped contexts of the bundled contexts are the same objects
    each time (PyLD's processed contexts are cached and frozen), so their key is kept by
    object (an LRU that also holds the object, so its ``id`` cannot be reused meanwhile)."""

    _keys: LRUCache = LRUCache(maxsize=256)

    def resolve(self, active_ctx, context, base, cycles=None):
        if isinstance(context, dict | frozendict) and "@context" not in context:
            entry = self._keys.get(id(context))
            if entry is None or entry[0] is not context:
                entry = (context, canonicalize(dict(context)).decode("UTF-8"))
                self._keys[id(context)] = entry
            resolved = self._get(entry[1])
            if resolved:
                return [resolved]
        return super().resolve(active_ctx, context, base, cycles)


class _Processor(jsonld.JsonLdProcessor):
    """PyLD's processor with its cache of processed contexts made to work for type-scoped
    contexts too.

    PyLD caches a processed context by the identifier of the active context it was processed
    against. A type-scoped context (the OB 3.0 context has one per class: ``Achievement``,
    ``Profile``, …) is processed against a fresh clone of the active context that remembers
    the context to revert to, and each clone got a new random identifier, so that cache never
    hit: every credential had its seven type-scoped contexts processed anew (two thirds of
    the time of canonicalizing it). Here the clone's identifier derives from its parent's: two
    such clones of the same (immutable, cached) active context are equal, so the second finds
    the first one's result. Nothing else changes; the output is PyLD's.
    """

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False,
                         propagate=True, validate_scoped=True, cycles=None):
        if not propagate and not active_ctx.get("previousContext") and "_uuid" in active_ctx:
            clone = self._clone_active_context(active_ctx)
            clone["previousContext"] = active_ctx
            clone["_uuid"] = f"{active_ctx['_uuid']}/non-propagating"
            active_ctx = clone
        return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                        propagate, validate_scoped, cycles)


def canonize(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document`` (``safe`` mode: a term the contexts do
    not define is an error rather than silently dropped, as conformant verifiers also treat
    it)."""
    return _Processor().normalize(document, {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": document_loader, "safe": True,
        "contextResolver": _ContextResolver(jsonld._resolved_context_cache, document_loader),
    })
