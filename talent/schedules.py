"""The talent pool's beat schedule: the daily cleanup of expired exports, and the dashboard's
unfiltered figures recomputed every minute (so nobody waits for them).

Registered in the project's schedule registry (``academy.schedules``), which installs them once
after ``migrate``; administrators may then move or disable them in the admin (Periodic tasks).
"""

from __future__ import annotations

from academy.schedules import schedule_register

CLEANUP_NAME = "talent: delete expired exports"
CLEANUP_TASK = "academy.talent.tasks.talent_exports_cleanup"
FIGURES_NAME = "talent: precompute the dashboard's figures"
FIGURES_TASK = "academy.talent.tasks.talent_figures_precompute"

schedule_register(
    FIGURES_NAME, FIGURES_TASK, every=1, period="minutes", expires=60,
    description="Recompute the talent dashboard's unfiltered figures before they expire.")
schedule_register(
    CLEANUP_NAME, CLEANUP_TASK, crontab={"minute": "30", "hour": "3"}, expires=3600,
    description="Delete talent-pool export files past their download window.")
