"""The Celery application: configured from Django settings (``CELERY_*``)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, celeryd_init, setup_logging, worker_ready

from factcheck.lib import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.local")
broker.register()

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["factcheck.lib.heartbeat"]
app.autodiscover_tasks()


@setup_logging.connect
def _logging_from_django_settings(**kwargs):
    """Workers and beat log with Django's ``LOGGING`` (plain or JSON lines, request ids)
    instead of Celery's own set-up."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@app.on_after_finalize.connect
def _connect_job_signals(sender, **kwargs):
    """Request ids travel with the jobs; jobs are counted and timed (factcheck/lib)."""
    from factcheck.lib import metrics, requestid  # noqa: F401 (their signal receivers)


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    """The file-system broker (embedded mode) needs its folders before the first message."""
    if str(sender.conf.broker_url).startswith(f"{broker.SCHEME}://"):
        options = sender.conf.broker_transport_options
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


@celeryd_init.connect
@beat_init.connect
def _patient_broker_reads(sender=None, conf=None, **kwargs):
    """Workers and beat read the Redis broker with blocking commands that wait up to a
    second: they get the longer timeout (the web's sends keep the short one)."""
    _worker_broker_timeouts(conf if conf is not None else app.conf)


def _worker_broker_timeouts(conf) -> None:
    from django.conf import settings

    options = dict(conf.broker_transport_options or {})
    if "socket_timeout" in options:
        timeout = settings.FACTCHECK_BROKER_WORKER_TIMEOUT
        options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
        conf.broker_transport_options = options


@worker_ready.connect
def _announce_worker(sender=None, **kwargs):
    """A worker that just started counts as answering: /healthz need not wait for beat."""
    from factcheck.lib.heartbeat import heartbeat_record

    heartbeat_record(source="worker_ready")
    from django.conf import settings

    if settings.FACTCHECK_WORKER_METRICS_PORT:
        from factcheck.lib.metrics import worker_exporter_start

        worker_exporter_start(settings.FACTCHECK_WORKER_METRICS_PORT)
