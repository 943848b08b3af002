"""Jobs of the reader site."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="reader.pages_prerender",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
)
def reader_pages_prerender(claim_pks: list[int], article_pks: list[int]) -> None:
    """Render freshly published pages into the reader cache (``reader.prerender``);
    running it twice only renders them twice."""
    from reader.prerender import reader_pages_prerender as prerender

    prerender(claim_ids=claim_pks, article_ids=article_pks)
