"""Cached answers that stay true until a named kind of change: a **stamp** per kind.

A stamp is a random token kept in the cache (Redis in production, files in the embedded mode:
shared by every process). An answer is stored with the stamp it was computed under and used
only while that stamp is current; a change *retires* the stamp (a new token), so every
process recomputes on its next read. :meth:`Stamp.retire` replaces the token at once *and*
again when the change's transaction commits: a reader that read the old rows between the two
stores its answer under the first new token, which the second retires. Entries also expire
after ``FACTCHECK_STAMPED_CACHE_SECONDS``, a bound for changes made behind Django's back
(raw SQL). Every ``migrate`` retires every stamp (a recreated database reuses ids).

Stamps in use: ``authz`` (who may do what: :mod:`factcheck.lib.authz`) and ``site`` (what
every page may show: rating levels, publishers, topics, retired by
:func:`factcheck.lib.published.site_changed`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Tests give each test its own namespace (ids are reused between tests).
NAMESPACE = "stamps"


def _timeout() -> int:
    return settings.FACTCHECK_STAMPED_CACHE_SECONDS


class Stamp:
    def __init__(self, name: str) -> None:
        self.name = name

    def _key(self, suffix: str = "") -> str:
        return f"{NAMESPACE}:{self.name}:{suffix}"

    def _replace(self) -> str:
        token = uuid.uuid4().hex
        cache.set(self._key(), token, None)
        return token

    def retire(self, **_signal_kwargs) -> None:
        """Every answer kept under this stamp is stale: now, and once more on commit."""
        self._replace()
        transaction.on_commit(self._replace, robust=True)

    def read(self, names: Iterable[str]) -> tuple[str, dict[str, Any]]:
        """The current token and the answers stored under it, by name (one cache round
        trip); answers stored under another token are left out."""
        keys = {self._key(name): name for name in names}
        found = cache.get_many([self._key(), *keys])
        token = found.get(self._key()) or self._replace()
        answers = {}
        for key, name in keys.items():
            entry = found.get(key)
            if entry is not None and entry[0] == token:
                answers[name] = entry[1]
        return token, answers

    def store(self, token: str, name: str, value: Any) -> None:
        cache.set(self._key(name), (token, value), _timeout())

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept until this stamp is retired."""
        token, answers = self.read([name])
        if name in answers:
            return answers[name]
        value = compute()
        self.store(token, name, value)
        return value


AUTHZ = Stamp("authz")
SITE = Stamp("site")


def retire_all(**_signal_kwargs) -> None:
    for stamp in (AUTHZ, SITE):
        stamp.retire()
