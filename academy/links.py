"""Absolute links: every one the product builds (e-mails, QR codes, PDFs, credentials) starts
from one setting, ``ACADEMY_SITE_URL`` (the environment's ``SITE_URL``; the demo sets it from
``DEMO_PORT``), so that a site served elsewhere never hands out links to another address.
Celery tasks have no request to take the host from, and a link in a PDF or a credential must
not depend on which host name a request happened to use."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def site_url() -> str:
    """The site's root, without a trailing slash (``https://academy.example.cn``)."""
    return settings.ACADEMY_SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``, starting with a slash) as an absolute link to the site."""
    return site_url() + (path if path.startswith("/") else "/" + path)


def on_site(url: str) -> str:
    """``url`` moved onto the site's address: its path, query and fragment after
    ``site_url()``. For the links a library builds from the host name of a request."""
    parts = urlsplit(url)
    return absolute_url(urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)))
