"""A URLconf for tests/factcheck/test_logging.py: a view that logs and sends a job."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.urls import path

from factcheck.celery_app import app

logger = logging.getLogger("tests.requestid")


@app.task(name="tests.requestid_job")
def requestid_job(marker: str) -> None:
    logger.info("job ran %s", marker)


def send_job(request):
    logger.info("view sends the job %s", request.GET["marker"])
    requestid_job.delay(request.GET["marker"])
    return HttpResponse("sent")


urlpatterns = [path("send-job", send_job)]
