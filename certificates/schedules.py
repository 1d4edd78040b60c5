"""The certificates' beat schedule, registered in the project's schedule registry
(``academy.schedules``), which installs it once after ``migrate``; administrators may then
change or disable an entry in the admin (Periodic tasks).

- every broker's readiness re-evaluated (hourly; ``READINESS_SWEEP_SECONDS``), so that a lost
  message never leaves a broker waiting;
- issuance queued for ready brokers without a certificate (every 15 minutes;
  ``CERT_ISSUE_SWEEP_SECONDS``);
- certificates past their last valid day expired (daily);
- the bulk runs nobody works on queued again (every five minutes,
  ``tasks.bulk_runs_resume_stalled``).
"""

from __future__ import annotations

from academy.schedules import schedule_register

RESUME_NAME = "certificates: resume stalled bulk runs"
RESUME_TASK = "certificates.tasks_bulk.bulk_runs_resume_stalled"

schedule_register(
    "certificates-readiness-sweep", "certificates.tasks.readiness_sweep",
    every=3600, env="READINESS_SWEEP_SECONDS", expires=3000,
    description="Re-evaluate every broker's readiness (catches what a lost message missed).")
schedule_register(
    "certificates-issue-sweep", "certificates.tasks_issued.certificates_issue_sweep",
    every=900, env="CERT_ISSUE_SWEEP_SECONDS", expires=800,
    description="Queue issuance for ready brokers who have no certificate yet.")
schedule_register(
    "certificates-expire-due", "certificates.tasks_issued.certificates_expire_due",
    every=24 * 3600, expires=3600,
    description="Expire the certificates past their last valid day.")
schedule_register(
    RESUME_NAME, RESUME_TASK, every=5, period="minutes", expires=240,
    description="Queue again the certificate bulk runs (re-rendering, cohort issuance) whose "
                "task was lost.")
