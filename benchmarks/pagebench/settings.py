"""Production settings for ``benchmarks/pages.py``, served over plain HTTP on 127.0.0.1.

Everything is ``factcheck.settings.production`` (secret key, allowed hosts, PostgreSQL and
Redis from the environment), except what HTTPS-only deployment needs a TLS proxy for: the
load generator talks plain HTTP, so the session and CSRF cookies must not be Secure-only and
nothing may redirect to https://. HSTS is off for the same reason (no TLS to pin).
"""

from factcheck.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Keep request logging out of the figures; errors still go to the console.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
