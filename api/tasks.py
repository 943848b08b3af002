"""Background jobs of the API: webhook deliveries. Thin: each takes a primary key and calls
one service."""

from __future__ import annotations

from celery import shared_task

from api import webhooks


@shared_task(
    bind=True,
    name="api.webhook_deliver",
    acks_late=True,
    ignore_result=True,
    # The service counts attempts on the delivery (FACTCHECK_WEBHOOK_MAX_ATTEMPTS).
    max_retries=None,
)
def webhook_deliver(self, delivery_pk: int) -> None:
    """Attempt one webhook delivery; after a failure with attempts left, run again after the
    backoff. Running it twice is harmless (a delivery made or in progress is skipped)."""
    retry_in = webhooks.delivery_attempt(delivery_id=delivery_pk)
    if retry_in is not None:
        raise self.retry(countdown=retry_in.total_seconds())
