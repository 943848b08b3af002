"""Background jobs of the API: webhook deliveries and their sweep. Thin: each calls one
service."""

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
    backoff. Running it twice is harmless: a delivery made, or held by another attempt, is
    left alone (if that attempt's worker died, the sweep queues it once the hold expires)."""
    retry_in = webhooks.delivery_attempt(delivery_id=delivery_pk)
    if retry_in is not None:
        raise self.retry(countdown=retry_in.total_seconds())


@shared_task(name="api.webhook_deliveries_sweep", ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """Beat, every minute: queue again the deliveries that are due and were not sent (a lost
    message, a worker that died mid-attempt); returns how many were queued."""
    due = webhooks.deliveries_due()
    for delivery_pk in due:
        webhook_deliver.delay(delivery_pk)
    return len(due)
