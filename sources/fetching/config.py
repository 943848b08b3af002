"""Limits and identity of outgoing requests: :class:`FetchConfig` (from Django settings
or defaults), the exact host allow-list and the honest User-Agent."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

PRODUCT = "FactcheckWorkbench-LinkChecker/1.0"
DEFAULT_CONTACT_URL = "https://factcheck-workbench.example/link-checker"
DEFAULT_USER_AGENT = f"{PRODUCT} (+{DEFAULT_CONTACT_URL})"
DEFAULT_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_ACCEPT_ENCODING = "gzip, deflate"


def _parse_host_port(entry: str) -> tuple[str, int]:
    text = entry.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"allow-list entry {entry!r} must be '[ipv6]:port'")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host or ":" in host:
            raise ValueError(f"allow-list entry {entry!r} must be 'host:port'")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"allow-list entry {entry!r} has an invalid port")
    return host.strip().lower().rstrip("."), int(port_text)


def parse_allow_hosts(value: str | Iterable[Any] | None) -> frozenset[tuple[str, int]]:
    """Parse ``"host:port,[::1]:8000"`` (or a list of such strings, or of
    ``(host, port)`` pairs) into a frozenset of ``(host, port)``.  Entries without an
    explicit port are rejected: the allow-list is exact."""
    if value is None:
        return frozenset()
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    pairs: set[tuple[str, int]] = set()
    for item in items:
        if isinstance(item, tuple | list):
            host, port = item
            pairs.add((str(host).strip().lower().strip("[]").rstrip("."), int(port)))
        elif str(item).strip():
            pairs.add(_parse_host_port(str(item)))
    return frozenset(pairs)


def _django_settings() -> Any | None:
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover - Django is a project dependency
        return None
    try:
        if not settings.configured:
            return None
        settings.INSTALLED_APPS  # noqa: B018 - forces lazy settings to load
    except Exception:  # ImproperlyConfigured and friends: behave as "no Django"
        return None
    return settings


@dataclasses.dataclass(frozen=True)
class FetchConfig:
    """Limits and identity for outgoing requests.  ``max_bytes`` is the body cap for
    link checks; :func:`fetch_document` takes its own cap.  ``ca_bundle`` (a PEM path)
    replaces the default CA store -- for tests and intranet deployments only."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 65536
    max_redirects: int = 10
    user_agent: str = DEFAULT_USER_AGENT
    allow_hosts: frozenset[tuple[str, int]] = frozenset()
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"FetchConfig.{name} must be positive")
        if self.max_bytes < 1:
            raise ValueError("FetchConfig.max_bytes must be positive")
        if self.max_redirects < 0:
            raise ValueError("FetchConfig.max_redirects must not be negative")
        if not isinstance(self.allow_hosts, frozenset) or any(
            not isinstance(p, tuple) for p in self.allow_hosts
        ):
            object.__setattr__(self, "allow_hosts", parse_allow_hosts(self.allow_hosts))
        else:
            object.__setattr__(
                self,
                "allow_hosts",
                frozenset((h.lower().strip("[]").rstrip("."), int(p)) for h, p in self.allow_hosts),
            )

    @classmethod
    def from_settings(cls, **overrides: Any) -> FetchConfig:
        """Build from Django settings when Django is configured, else from defaults.

        Settings read: ``FACTCHECK_FETCH_CONNECT_TIMEOUT``, ``FACTCHECK_FETCH_READ_TIMEOUT``,
        ``FACTCHECK_FETCH_TOTAL_TIMEOUT``, ``FACTCHECK_FETCH_MAX_BYTES``,
        ``FACTCHECK_FETCH_MAX_REDIRECTS``, ``FACTCHECK_FETCH_USER_AGENT``,
        ``FACTCHECK_CONTACT_URL`` and ``FACTCHECK_FETCH_ALLOW_HOSTS``.  When the
        allow-list setting is absent (or Django is not configured) the environment
        variable ``FACTCHECK_FETCH_ALLOW_HOSTS`` is used.
        """
        s = _django_settings()

        def get(name: str, default: Any) -> Any:
            value = getattr(s, name, None) if s is not None else None
            return default if value is None or value == "" else value

        contact = get("FACTCHECK_CONTACT_URL", DEFAULT_CONTACT_URL)
        user_agent = get("FACTCHECK_FETCH_USER_AGENT", f"{PRODUCT} (+{contact})")
        allow_raw = getattr(s, "FACTCHECK_FETCH_ALLOW_HOSTS", None) if s is not None else None
        if allow_raw is None:
            allow_raw = os.environ.get("FACTCHECK_FETCH_ALLOW_HOSTS", "")
        values: dict[str, Any] = {
            "connect_timeout": float(get("FACTCHECK_FETCH_CONNECT_TIMEOUT", 5)),
            "read_timeout": float(get("FACTCHECK_FETCH_READ_TIMEOUT", 10)),
            "total_timeout": float(get("FACTCHECK_FETCH_TOTAL_TIMEOUT", 30)),
            "max_bytes": int(get("FACTCHECK_FETCH_MAX_BYTES", 65536)),
            "max_redirects": int(get("FACTCHECK_FETCH_MAX_REDIRECTS", 10)),
            "user_agent": str(user_agent),
            "allow_hosts": parse_allow_hosts(allow_raw),
        }
        values.update(overrides)
        return cls(**values)
