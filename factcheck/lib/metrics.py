"""Prometheus metrics: ``/metrics`` for the web processes, an exporter port for the workers.

What is measured (docs/operations.md, "Metrics and alerts"):

- requests: ``factcheck_http_request_duration_seconds{view, method}`` (the whole request,
  middleware included) and ``factcheck_http_responses_total{view, method, status}``, by the
  resolved view's name (``<unresolved>`` for an address no view matched), from
  :class:`RequestMetricsMiddleware`;
- jobs: ``factcheck_celery_tasks_total{task, outcome}`` and
  ``factcheck_celery_task_duration_seconds{task}``, from Celery's signals in the process that
  runs the job (a worker: read on its exporter port, ``FACTCHECK_WORKER_METRICS_PORT``);
- the reader cache: ``factcheck_reader_cache_responses_total{served}`` (hit, miss,
  revalidated), counted from the ``X-Reader-Cache`` header the reader site's cache sets;
- read when scraped, never stored: ``factcheck_celery_queue_messages{queue}`` (messages
  waiting on each declared queue, read from the broker within
  ``FACTCHECK_METRICS_BROKER_TIMEOUT`` seconds; ``factcheck_celery_broker_up`` says whether it
  answered) and the counts the apps register with :func:`state_counts_register` (the
  links by state: one grouped query).

``/metrics`` answers a request carrying ``Authorization: Bearer <FACTCHECK_METRICS_TOKEN>``
or coming from an address in ``FACTCHECK_METRICS_ALLOWED_IPS``; without the token it is 401
(403 when no token is configured or the token is wrong). With several processes per machine
(gunicorn workers, a prefork worker pool), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder
each process can write: every process's counts are then added up when scraped.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable

from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

TASKS = Counter(
    "factcheck_celery_tasks",
    "Background jobs run, by task name and outcome (success, failure, retry, ...).",
    ["task", "outcome"],
)
TASK_SECONDS = Histogram(
    "factcheck_celery_task_duration_seconds",
    "Time a background job took to run, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
REQUEST_SECONDS = Histogram(
    "factcheck_http_request_duration_seconds",
    "Time to answer a request (middleware included), by view and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RESPONSES = Counter(
    "factcheck_http_responses",
    "Answers by view, method and status code.",
    ["view", "method", "status"],
)
READER_CACHE = Counter(
    "factcheck_reader_cache_responses",
    "Reader pages answered from the page cache (hit), rendered (miss) or not modified "
    "(revalidated); hit ratio = hit / (hit + miss).",
    ["served"],
)

# --- jobs -------------------------------------------------------------------------------------

_started: dict[str, float] = {}
_started_lock = threading.Lock()


@task_prerun.connect(dispatch_uid="factcheck.metrics.prerun")
def _task_start(sender=None, task_id=None, **kwargs) -> None:
    with _started_lock:
        _started[task_id] = time.monotonic()


@task_postrun.connect(dispatch_uid="factcheck.metrics.postrun")
def _task_end(sender=None, task_id=None, task=None, state=None, **kwargs) -> None:
    with _started_lock:
        began = _started.pop(task_id, None)
    name = getattr(task, "name", None) or getattr(sender, "name", None) or "unknown"
    TASKS.labels(task=name, outcome=(state or "unknown").lower()).inc()
    if began is not None:
        TASK_SECONDS.labels(task=name).observe(time.monotonic() - began)


# --- requests ---------------------------------------------------------------------------------

UNRESOLVED = "<unresolved>"
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestMetricsMiddleware:
    """Times every request by the name of the view that answered it (bounded labels: view
    names, standard methods, status codes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match is not None else UNRESOLVED
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(view=view, method=method).observe(time.perf_counter() - began)
        RESPONSES.labels(view=view, method=method, status=str(response.status_code)).inc()
        return response


# --- the reader cache -------------------------------------------------------------------------


class ReaderCacheMetricsMiddleware:
    """Counts the reader cache's answers by the ``X-Reader-Cache`` header of the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        served = response.get("X-Reader-Cache")
        if served in {"hit", "miss", "revalidated"}:
            READER_CACHE.labels(served=served).inc()
        return response


# --- read when scraped ------------------------------------------------------------------------

# name -> (documentation, label, function returning {label value: count})
_STATE_COUNTS: dict[str, tuple[str, str, Callable[[], dict[str, int]]]] = {}


def state_counts_register(
    name: str, documentation: str, label: str, counts: Callable[[], dict[str, int]]
) -> None:
    """Publish ``name{label=...}`` gauges from ``counts()`` (one query) at every scrape."""
    _STATE_COUNTS[name] = (documentation, label, counts)


def queue_names() -> list[str]:
    return list(settings.FACTCHECK_QUEUES)


def queue_depths(timeout: float | None = None) -> dict[str, int] | None:
    """Messages waiting on each declared queue, or ``None`` when the broker did not answer
    within ``timeout`` seconds (the scrape never waits longer)."""
    from factcheck.celery_app import app

    timeout = float(timeout or settings.FACTCHECK_METRICS_BROKER_TIMEOUT)
    answer: dict[str, int] = {}
    failure: list[BaseException] = []

    def read() -> None:
        try:
            bounded = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
            with app.connection_for_read(
                connect_timeout=timeout, transport_options=bounded
            ) as conn:
                conn.ensure_connection(max_retries=1, timeout=timeout)
                for name in queue_names():
                    channel = conn.channel()
                    try:
                        answer[name] = channel.queue_declare(queue=name, passive=True).message_count
                    except conn.channel_errors:
                        answer[name] = 0  # never declared: nothing waits on it
                    finally:
                        with contextlib.suppress(Exception):  # a closed channel: nothing held
                            channel.close()
        except BaseException as exc:
            failure.append(exc)

    reader = threading.Thread(target=read, name="metrics-queue-depth", daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive() or failure or len(answer) != len(queue_names()):
        if failure:
            logger.warning(
                "metrics: queue depths unread: %s: %s", type(failure[0]).__name__, failure[0]
            )
        else:
            logger.warning("metrics: the broker did not answer within %s s", timeout)
        return None
    return answer


class ScrapeCollector:
    """Gauges read at each scrape: queue depths from the broker, the apps' state counts."""

    def collect(self):
        depths = queue_depths()
        up = GaugeMetricFamily(
            "factcheck_celery_broker_up",
            "1 if the broker answered the queue-depth reading in time, else 0.",
        )
        up.add_metric([], 1 if depths is not None else 0)
        yield up
        queued = GaugeMetricFamily(
            "factcheck_celery_queue_messages",
            "Messages waiting on each job queue (read from the broker when scraped).",
            labels=["queue"],
        )
        for name, count in (depths or {}).items():
            queued.add_metric([name], count)
        yield queued
        for name, (documentation, label, counts) in _STATE_COUNTS.items():
            family = GaugeMetricFamily(name, documentation, labels=[label])
            for value, count in sorted(counts().items()):
                family.add_metric([str(value)], count)
            yield family


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or every process's when ``PROMETHEUS_MULTIPROC_DIR`` is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics_text(*, scrape: bool = True) -> bytes:
    """The exposition text: the processes' counters, then (``scrape``) the scrape-time gauges."""
    text = generate_latest(_process_registry())
    if scrape:
        gauges = CollectorRegistry(auto_describe=False)
        gauges.register(ScrapeCollector())
        text += generate_latest(gauges)
    return text


# --- who may read them ------------------------------------------------------------------------


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(item, strict=False) for item in settings.FACTCHECK_METRICS_ALLOWED_IPS
    ]


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _allowed_networks())


def metrics_access(request) -> int:
    """200 when the request may read the metrics, else the status to answer (401, 403)."""
    token = settings.FACTCHECK_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if token and scheme.lower() == "bearer" and value.strip():
        if hmac.compare_digest(value.strip().encode(), token.encode()):
            return 200
        return 403
    if _address_allowed(request.META.get("REMOTE_ADDR", "")):
        return 200
    return 401 if token else 403


@never_cache
@require_GET
def metrics_view(request):
    status = metrics_access(request)
    if status == 401:
        response = HttpResponse("Metrics need a bearer token.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if status == 403:
        return HttpResponse("Metrics are not open to this client.\n", status=403)
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


# --- a worker's own exporter ------------------------------------------------------------------


def worker_exporter_start(port: int, address: str = "0.0.0.0"):  # noqa: S104
    """Serve this worker machine's job metrics on ``port`` (no scrape-time gauges: those
    come from ``/metrics``); returns the HTTP server (``shutdown()`` stops it)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=address, registry=_process_registry())
    logger.info("metrics: job metrics served on port %s", server.server_address[1])
    return server
