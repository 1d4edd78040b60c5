"""The beat schedules of reminders, registered in the project's schedule registry
(``academy.schedules``): the delivery machinery's own, and one per registered sweep.

Administrators change the times, or disable an entry, in the admin (Periodic tasks) and their
change stays; ``manage.py reminders_schedule --reset`` restores these entries' defaults.
Crontab times are wall-clock times in TIME_ZONE (Asia/Shanghai).
"""

from __future__ import annotations

from academy.schedules import schedule_register

from .sweeps import all_sweeps

TASKS = "academy.notifications.tasks"
PREFIX = "reminders: "

schedule_register(
    f"{PREFIX}send due e-mails", f"{TASKS}.reminders_send_due", every=60, expires=55,
    description="E-mails whose quiet hours ended, lost tasks, retries: queue them.")
schedule_register(
    f"{PREFIX}daily digests", f"{TASKS}.reminders_send_digests", crontab={"minute": "*/15"},
    expires=600, description="Gather due digest items into one e-mail per person.")
schedule_register(
    f"{PREFIX}SMS receipts", f"{TASKS}.reminders_poll_receipts", every=300, expires=290,
    description="Record SMS delivery receipts; deliver undelivered SMS another way.")

# One per sweep (each app's reminders.py, discovered when this app was ready): a sweep's
# ``schedule`` is a crontab, or ``{"every": seconds}``.
for _sweep in all_sweeps():
    _timing = dict(_sweep.schedule)
    if "every" in _timing:
        _every = int(_timing.pop("every"))
        schedule_register(f"{PREFIX}{_sweep.name}", f"{TASKS}.reminders_sweep",
                          every=_every, expires=max(_every - 5, 30), args=[_sweep.name],
                          description=_sweep.description)
    else:
        schedule_register(f"{PREFIX}{_sweep.name}", f"{TASKS}.reminders_sweep",
                          crontab=_timing, expires=1800, args=[_sweep.name],
                          description=_sweep.description)
