"""What rests on links and sources: the hook through which the app above sources fills in
its pages.

The sources app knows links and publishers, not the claims, evidence and verdicts that rest on
them. Its pages still say where a link is used, how much evidence a source backs and whether a
published verdict relies on a link: they ask the registered :class:`LinkUsage`. The claims
app registers its own in ``ClaimsConfig.ready()``; without one (sources alone) nothing rests
on links and the pages say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Expression, Value


@dataclass(frozen=True)
class Tab:
    """An extra tab of the link-health pages' navigation (``key`` marks the current one)."""

    key: str
    label: str
    url: str


class LinkUsage:
    """The interface, and the answer when nothing rests on links."""

    def published_use(self) -> Expression:
        """A boolean expression over ``Link`` rows: some published verdict rests on it."""
        return Value(False, output_field=BooleanField())

    def counts_by_source(self, *, user, source_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """Per source: ``citations`` (articles citing its links), ``evidence`` (evidence from
        it) and ``verdicts`` (published verdicts resting on that evidence)."""
        return {}

    def counts_by_unowned_host(self, *, user) -> dict[str, dict[str, int]]:
        """Per host of links no source owns: ``citations`` and ``evidence``."""
        return {}

    def link_panel(self, *, request, link) -> str:
        """HTML of where the link is used, for its page ("" when nowhere)."""
        return ""

    def source_panel(self, *, request, source) -> str:
        """HTML of the latest evidence from the source, for its page."""
        return ""

    def link_tabs(self, *, request) -> list[Tab]:
        """Further tabs of the link-health navigation this user may see."""
        return []


_usage: LinkUsage = LinkUsage()


def register(usage: LinkUsage) -> None:
    """Install the app above's answers (called once, from its ``AppConfig.ready()``)."""
    global _usage
    _usage = usage


def usage() -> LinkUsage:
    return _usage
