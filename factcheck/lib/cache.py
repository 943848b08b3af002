"""The Redis cache, forgiving an outage: the site keeps answering while Redis is away.

Everything in the cache can be computed again (reader pages, permissions, the dashboard's
figures; sessions are ``cached_db``, kept in the database too). With Django's own
``RedisCache`` a Redis that stopped or cannot be reached turns every page into a 500.
:class:`ForgivingRedisCache` answers a read it cannot make as a miss and drops a write it
cannot make, logging a warning (at most one a minute per process). ``add`` then reports the
key as added: the few locks kept in the cache (the beat's per-period guard, the link sweep's
"soon") guard work that is safe to do twice, and refusing would stop it. Once Redis answers
again, so does the cache (``tests/reliability/test_cache_outage.py``).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["ForgivingRedisCache"]

logger = logging.getLogger(__name__)

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_WARN_EVERY = 60.0


class _ReusedClient(RedisCacheClient):
    """Django's client makes a new ``redis.Redis`` for every operation, and each one builds
    its table of some 170 reply handlers (a few tenths of a millisecond): a claim
    page makes four. A ``redis.Redis`` is safe to share between threads (each command takes a
    connection from the pool), so one per pool serves them all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ForgivingRedisCache(RedisCache):
    _warned_at = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient

    def _away(self, operation: str, exc: BaseException, answer):
        now = time.monotonic()
        if now - ForgivingRedisCache._warned_at >= _WARN_EVERY:
            ForgivingRedisCache._warned_at = now
            logger.warning(
                "cache unreachable (%s: %s: %s): pages are rendered, nothing is cached",
                operation,
                type(exc).__name__,
                exc,
            )
        return answer

    def _forgiving(self, operation: str, answer, *args, **kwargs):
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except _UNREACHABLE as exc:
            return self._away(operation, exc, answer)

    def get(self, key, default=None, version=None):
        return self._forgiving("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._forgiving("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._forgiving("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("add", True, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgiving("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._forgiving("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._forgiving("delete_many", None, keys, version)

    def clear(self):
        return self._forgiving("clear", False)
