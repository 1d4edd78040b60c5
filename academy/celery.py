"""The Celery application. Tasks live in each app's tasks.py and are discovered."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.dev")

app = Celery("academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["academy"], related_name="tasks")

logger = logging.getLogger(__name__)


@worker_ready.connect
def heartbeat_on_worker_ready(sender=None, **kwargs) -> None:
    """Write the worker heartbeat as soon as a worker is ready to consume.

    Beat keeps it fresh afterwards (``worker-heartbeat`` schedule); without this, /healthz
    would report the worker missing for up to one beat interval after every start.
    """
    from academy.health import heartbeat_write

    try:
        heartbeat_write()
    except Exception:  # a cache outage must not stop the worker; /healthz will show it
        logger.exception("Could not write the worker heartbeat at start-up")
