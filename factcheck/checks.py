"""System checks that stop an unsafe production start.

- factcheck.E001: production settings without a real ``DJANGO_SECRET_KEY``.
- factcheck.E002: production settings with DEBUG on.
- factcheck.E003: ``FACTCHECK_FETCH_ALLOW_HOSTS`` entry is not ``host:port``.
- factcheck.E004: ``FACTCHECK_LINK_LEASE_SECONDS`` is not comfortably above the link-check
  batch's hard time limit (a batch still running when its lease expires has its links
  claimed again and checked twice).
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


# A link's queue and check claims must outlive the batch holding them: the hard time limit
# ends a batch, and the lease must cover that twice over (a slow broker, a late start).
LEASE_TIME_LIMIT_FACTOR = 2


@register()
def link_lease_covers_batches(app_configs=None, **kwargs):
    lease = settings.FACTCHECK_LINK_LEASE_SECONDS
    limit = settings.FACTCHECK_LINK_TASK_TIME_LIMIT
    if lease >= LEASE_TIME_LIMIT_FACTOR * limit:
        return []
    return [
        Error(
            f"FACTCHECK_LINK_LEASE_SECONDS ({lease}) is shorter than "
            f"{LEASE_TIME_LIMIT_FACTOR} x FACTCHECK_LINK_TASK_TIME_LIMIT ({limit}): links of a "
            "batch still running when their lease expires are queued and checked again.",
            hint=f"Set FACTCHECK_LINK_LEASE_SECONDS to at least {LEASE_TIME_LIMIT_FACTOR * limit} "
            "or lower FACTCHECK_LINK_TASK_TIME_LIMIT (and its soft limit) to at most "
            f"{lease // LEASE_TIME_LIMIT_FACTOR}.",
            id="factcheck.E004",
        )
    ]
