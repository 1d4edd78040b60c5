"""The settings of certificates and their defaults (override with the full ``ACADEMY_…`` name
in a settings module, or with the environment variable without ``ACADEMY_``)."""

from __future__ import annotations

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # The serial number's format: ``city`` the city's administrative code, ``level`` the level's
    # letter, ``year`` the year of issue, ``seq`` the sequence number of that year and level,
    # ``check`` the ISO 7064 MOD 37-2 check character (last). See ``services/serials.py``.
    "CERT_SERIAL_FORMAT": "{city}-{level}-{year}-{seq:05d}{check}",
    "CERT_CITY_CODE": "4112",
    # The letter of each level in serial numbers (any other level: its code's first letter).
    "CERT_LEVEL_CODES": {"junior": "J", "intermediate": "M", "senior": "S"},
    # The issuer and the certificate's title, printed on the built-in design, named in the
    # credential, the filing and the verification page.
    "CERT_ISSUING_BODY": "三门峡市科学技术局",
    "CERT_ISSUING_BODY_EN": "Sanmenxia Science and Technology Bureau",
    "CERT_TITLE": "国家技术转移专业人员能力证书",
    "CERT_TITLE_EN": "Certificate of Competence in Technology Transfer",
    # Public verification lookups allowed per client IP and minute (HTML and JSON together).
    "CERT_VERIFY_RATE": 30,
    # A certificate can be renewed from this many days before it expires (and after).
    "CERT_RENEWAL_WINDOW_DAYS": 90,
    # Brokers issued in one transaction by the batch issuance (``services/batch.py``).
    "CERT_ISSUE_BATCH": 100,
    # Brokers whose readiness one run of the periodic sweep evaluates.
    "READINESS_SWEEP_BATCH": 200,
    # The Ed25519 key that signs the Open Badges credentials: a file, never in the database or
    # the repository (``manage.py signing_key_generate``, ``--rotate``). Empty: ``var/keys/
    # signing-ed25519.pem`` beside the project.
    "SIGNING_KEY_PATH": "",
    # Create the key on first use when it is missing. Production settings turn it off: there
    # the key is generated (and published) on purpose, and a worker without it does not start.
    "SIGNING_KEY_AUTOCREATE": True,
})
