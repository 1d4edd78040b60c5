"""The end-to-end tests: every test here is marked ``e2e`` and commits (the live server runs in
another thread). The browser fixtures are shared by the whole suite from ``tests/browser.py``:
one Playwright per test process, whichever folder a browser test lives in."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _transactional(transactional_db):
    """The live server runs in another thread: tests commit. Reference rows come back after
    each test's flush through post_migrate (``academy.seeding``)."""
