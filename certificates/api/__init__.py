"""The REST API of certificates under /api/v1/ (routes in ``certificates/api_urls.py``):
``readiness`` (a broker's readiness) and ``issued`` (certificates, verification, the issuer's
profile, keys and status lists)."""
