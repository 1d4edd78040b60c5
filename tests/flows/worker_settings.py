"""Settings of the Celery workers that the kill and browser flows start.

The test settings, plus two things a test may need to share with its worker, each switched on
by a variable the fixture sets (``tests/flows/workers.py``):

- ``ACADEMY_TEST_MEDIA_ROOT``: files on disk in that folder instead of the in-memory storage
  of the test settings, so that the PDF the worker renders is the one the test (or its live
  server) serves;
- ``ACADEMY_TEST_NOTIFY_BATCH_SIZE``: smaller delivery batches, so that a sweep of a few dozen
  people runs in several transactions and can be killed between them.
"""

from academy.settings.base import env
from academy.settings.test import *  # noqa: F403

_media_root = env("ACADEMY_TEST_MEDIA_ROOT", default="")
if _media_root:
    MEDIA_ROOT = _media_root
    STORAGES = {
        **STORAGES,  # noqa: F405
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": _media_root}},
    }

if env("ACADEMY_TEST_NOTIFY_BATCH_SIZE", default=""):
    ACADEMY_NOTIFY_BATCH_SIZE = env.int("ACADEMY_TEST_NOTIFY_BATCH_SIZE")
