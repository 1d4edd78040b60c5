from celery import shared_task

from academy.health import heartbeat_write


@shared_task(name="academy.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Write the worker heartbeat that /healthz reads.

    Runs on the beat schedule; running it twice only writes a later timestamp.
    """
    heartbeat_write()
