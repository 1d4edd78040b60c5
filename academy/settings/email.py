"""E-mail: EMAIL_URL (smtp://user:pass@host:587/?tls=True), else files under var/mail."""

from .base import VAR_DIR, env

_email_url = env("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Broker Academy <academy@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
