"""System checks that stop an unsafe production start.

- factcheck.E001: production settings without a real ``DJANGO_SECRET_KEY``.
- factcheck.E002: production settings with DEBUG on.
- factcheck.E003: ``FACTCHECK_FETCH_ALLOW_HOSTS`` entry is not ``host:port``.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

_DEV_KEYS = {"", "local-development-only-not-secret", "test-only-not-secret"}


def _is_production() -> bool:
    # SETTINGS_MODULE is None when settings were configured in code (some test harnesses).
    return (settings.SETTINGS_MODULE or "").endswith(".production")


@register(Tags.security, deploy=False)
def production_secrets(app_configs=None, **kwargs):
    if not _is_production():
        return []
    errors = []
    if settings.SECRET_KEY in _DEV_KEYS or len(settings.SECRET_KEY) < 50:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is missing or too short for production.",
                hint="Set DJANGO_SECRET_KEY to a random string of 50 or more characters.",
                id="factcheck.E001",
            )
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on under production settings.",
                hint="Unset DJANGO_DEBUG (it defaults to false in production).",
                id="factcheck.E002",
            )
        )
    return errors


@register(Tags.security)
def fetch_allow_hosts(app_configs=None, **kwargs):
    errors = []
    for entry in settings.FACTCHECK_FETCH_ALLOW_HOSTS:
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            errors.append(
                Error(
                    f"FACTCHECK_FETCH_ALLOW_HOSTS entry {entry!r} is not host:port.",
                    hint="Write entries as host:port, comma-separated (e.g. intranet.example:443).",
                    id="factcheck.E003",
                )
            )
    return errors
