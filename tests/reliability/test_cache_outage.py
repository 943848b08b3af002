"""The cache (Redis) is flushed, or stops, under the reader site: a Redis server of the
test's own is the cache. Pages are still served, rendered, never an error page, and once
Redis is back ``manage.py warm_reader_cache`` (the warm-up job) makes them hits again."""

from __future__ import annotations

import io

import pytest
import redis
from django.core.management import call_command
from django.urls import reverse

from reader.selectors import claim_path
from tests.factories import published_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(redis_server, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "factcheck.lib.cache.ForgivingRedisCache",  # as services mode's
            "LOCATION": redis_server.url(),
            "KEY_PREFIX": "reliability",
            # A cache that does not answer must not hold a page up.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.FACTCHECK_SITE_URL = "http://testserver"
    return redis_server


def _pages(claim) -> list[str]:
    return [
        "/",
        claim_path(claim),
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
    ]


def _served(client, url: str, claim) -> str:
    """The page, whole (the claim on it): how it was served."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert claim.text in response.content.decode(), url
    return response.get("X-Reader-Cache", "")


def _all_served(client, claim) -> set[str]:
    return {_served(client, url, claim) for url in _pages(claim)}


def _warm() -> None:
    out = io.StringIO()
    call_command("warm_reader_cache", stdout=out)
    assert "pages rendered into the reader cache" in out.getvalue()


def test_pages_are_rendered_while_the_cache_is_flushed_and_the_warm_up_restores_hits(
    redis_cache, client
):
    claim = published_claim()
    _warm()
    assert _all_served(client, claim) == {"hit"}

    redis.Redis(port=redis_cache.port).flushall()
    assert _all_served(client, claim) == {"miss"}
    _warm()
    assert _all_served(client, claim) == {"hit"}


def test_pages_are_rendered_while_the_cache_is_down_and_the_warm_up_restores_hits(
    redis_cache, client
):
    claim = published_claim()
    _warm()
    redis_cache.stop()
    # Rendered for each reader (not from the cache, which is away), whole, with a 200.
    assert "hit" not in _all_served(client, claim)

    redis_cache.start()  # empty, as a restarted Redis without persistence
    _warm()
    assert _all_served(client, claim) == {"hit"}


def test_services_mode_uses_the_forgiving_cache():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "DATABASE_URL": "postgres://x@127.0.0.1/x", "REDIS_URL": "redis://x/3"}
    env.update({"DJANGO_SETTINGS_MODULE": "factcheck.settings.base", "DJANGO_SECRET_KEY": "t"})
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "factcheck.lib.cache.ForgivingRedisCache", done.stderr[-2000:]


def test_one_redis_client_serves_every_operation_and_every_thread(redis_server):
    """Django's client would make a ``redis.Redis`` per operation; ours makes one per pool and
    shares it between threads (a threaded server's requests), each answer still its own."""
    import threading

    from factcheck.lib.cache import ForgivingRedisCache

    cache = ForgivingRedisCache(redis_server.url(), {"KEY_PREFIX": "shared"})
    client = cache._cache.get_client(write=True)
    wrong: list[tuple] = []

    def work(n: int) -> None:
        for i in range(50):
            cache.set(f"k{n}:{i}", (n, i))
            if cache.get(f"k{n}:{i}") != (n, i):
                wrong.append((n, i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert wrong == []
    assert cache.get_many([f"k{n}:49" for n in range(8)]) == {f"k{n}:49": (n, 49) for n in range(8)}
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use the same pool
