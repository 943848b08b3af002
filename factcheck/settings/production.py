"""Production settings: HTTPS only, secrets from the environment.

``factcheck.checks`` refuses to start (factcheck.E001/E002) without ``DJANGO_SECRET_KEY``
or with DEBUG on.
"""

from django.core.exceptions import ImproperlyConfigured

from factcheck.lib.env import env_bool, env_int, env_str
from factcheck.settings.base import *  # noqa: F403
from factcheck.settings.base import SECRET_KEY

if not SECRET_KEY:
    # Refuse before anything starts; a weak or development key is caught by factcheck.E001.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: production needs a random secret key (factcheck.E001)."
    )

DEBUG = env_bool("DJANGO_DEBUG", False)

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Written reason for silencing security.W021: the preload directive asks browsers to
    # hard-code HTTPS for the whole domain and every subdomain, and leaving the list takes
    # months. A desk opts in knowingly with DJANGO_SECURE_HSTS_PRELOAD=true; HSTS itself is on.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Mail (invitations, password resets, digests) goes out over SMTP in production.
MAILERS = {
    "default": {
        "BACKEND": env_str("DJANGO_EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("SMTP_HOST") or "localhost",
            "port": env_int("SMTP_PORT", 587),
            "username": env_str("SMTP_USER"),
            "password": env_str("SMTP_PASSWORD"),
            "use_tls": env_bool("SMTP_USE_TLS", True),
            "timeout": 20,
        },
    }
}
