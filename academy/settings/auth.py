"""Sign-in: password hashing, django-allauth (e-mail login, verification, rate limits, MFA for
staff), the client address behind proxies and the API's throttles."""

import environ

env = environ.Env()

# --- Password hashing ---------------------------------------------------------------------------
# Argon2id at OWASP's minimum (7 MiB, t=5, p=1, as strong as its 19 MiB, t=2) costs ~17 ms of
# CPU per login on a 2-core machine against 235 ms for Django's PBKDF2 (docs/OPERATIONS.md). The other hashers verify
# existing hashes, which are rewritten with Argon2id at the user's next login.
PASSWORD_HASHERS = [
    "academy.people.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

ACCOUNT_ADAPTER = "academy.people.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Broker Academy] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# allauth's defaults but for the logins: allauth's "login" limit (30/m/ip) counts successful
# logins too, and refused half of an exam room behind one NAT. Failed logins are limited per
# client address and per account ("login_failed"; a successful login gives its count back);
# the per-address part is multiplied in an exam room (academy/people/ratelimits.py).
ACCOUNT_RATE_LIMITS = {
    "login": None,
    "login_failed": env("LOGIN_FAILED_RATE", default="20/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "signup": "20/m/ip",
}

MFA_ADAPTER = "academy.people.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Broker Academy"

# --- The client's address -------------------------------------------------------------------
# Behind reverse proxies every request comes from a proxy: name how many proxies append to
# X-Forwarded-For (TRUSTED_PROXY_COUNT), or the header a proxy sets to the client's address
# (TRUSTED_CLIENT_IP_HEADER, e.g. X-Real-IP). allauth's rate limits, the certificate
# verification limit and the API throttles all read the address this way
# (academy.people.ratelimits.client_ip). Never set either without a proxy that overwrites them:
# a client could then choose its own address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default=None)

# Exam rooms: the rate factor is academy/people/conf.py's, the lead time exams/conf.py's.

# --- API throttles (academy/api.py): requests per minute --------------------------------------
# Anonymous callers per client address (times the exam-room factor), signed-in users per user.
# A broker's exam page saves an answer every few seconds at most.
ACADEMY_API_THROTTLE_ANON = env.int("API_THROTTLE_ANON", default=60)
ACADEMY_API_THROTTLE_USER = env.int("API_THROTTLE_USER", default=1200)
