"""Load once, before the web server forks, what every worker would otherwise load on its first
requests: the URL resolver, the translation catalogues and the compiled templates.

``gunicorn.conf.py`` calls :func:`warm_up` in the master process (``preload_app``), then each
worker freezes the garbage collector's view of these objects (``gc.freeze``). The workers then
share them copy-on-write, their first requests are as fast as the others, and the collector
no longer walks hundreds of thousands of long-lived objects on every full collection.

Nothing here opens a database or cache connection: a connection made before the fork would be
shared by every worker.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import close_caches
from django.db import connections
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".html", ".txt")


def _template_names(engine) -> list[str]:
    """The names of the templates in ``engine``'s directories, each once (the first directory
    that has a name is the one the loader uses)."""
    names: dict[str, None] = {}
    for directory in getattr(engine, "template_dirs", ()):
        root = Path(directory)
        names.update((str(path.relative_to(root)), None) for path in root.rglob("*")
                     if path.suffix in TEMPLATE_SUFFIXES and path.is_file())
    return list(names)


def warm_up() -> dict[str, int]:
    """Populate the URL resolver, every language's catalogue and every template; returns how
    many templates were compiled and how many could not be on their own (an include-only
    fragment of an app that is not installed, say), which stay for a worker to try."""
    resolver = get_resolver()
    resolver._populate()  # the reverse() tables, built lazily otherwise
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Broker Academy")
    loaded = failed = 0
    for engine in engines.all():
        for name in _template_names(engine):
            try:
                engine.get_template(name)
                loaded += 1
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                failed += 1
    # Whatever an app's start-up may have opened must not be inherited by the workers.
    connections.close_all()
    close_caches()
    logger.info("warm-up: %d templates compiled, %d skipped", loaded, failed)
    return {"templates": loaded, "skipped": failed}
