"""gunicorn's settings for the web process (read from the working directory at start).

The command line and ``GUNICORN_CMD_ARGS`` still win: ``--workers``, ``--bind`` and so on.
``WEB_CONCURRENCY`` sets the number of sync workers (default 2 × cores + 1).

The application is loaded once in the master (``preload_app``) and warmed up there
(``academy.warmup``: URL resolver, translations, templates) before the workers fork. Each worker
then moves everything it inherited into the collector's permanent generation (``gc.freeze``):
full collections stop walking the framework's long-lived objects, and pages stay shared with
the master instead of being copied when the collector touches them.
"""

import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
preload_app = True


def on_starting(server):
    # Collections during the import and warm-up would only move objects that are frozen anyway.
    gc.disable()


def when_ready(server):
    from django.conf import settings

    if server.cfg.preload_app and settings.configured:
        from academy.warmup import warm_up

        warm_up()


def post_fork(server, worker):
    gc.freeze()
    gc.enable()
