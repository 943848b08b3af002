"""``manage.py check_link URL [--json] [--timeout SECONDS]``: one link check, stored nowhere.

Exit status is 0 whatever the outcome (the outcome is the output); 2 for bad arguments.
"""

from __future__ import annotations

import dataclasses
import json
import math

from django.core.management.base import BaseCommand, CommandError

from sources.fetching import CheckResult, FetchConfig, check_url


class Command(BaseCommand):
    help = (
        "Check one link with the real fetcher (SSRF guard, redirects, soft-404 detection) "
        "and print the result. Nothing is stored."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="the http(s) URL to check")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the result as JSON"
        )
        parser.add_argument(
            "--timeout",
            metavar="SECONDS",
            help="overall deadline for the check (also caps connect and read timeouts)",
        )

    def handle(self, *args, url=None, as_json=False, timeout=None, **options):
        if not url:
            raise CommandError("a URL to check is required", returncode=2)
        try:
            config = FetchConfig.from_settings()
        except ValueError as exc:
            raise CommandError(f"bad fetch settings: {exc}") from None
        if timeout is not None:
            seconds = _positive_seconds(timeout)
            config = dataclasses.replace(
                config,
                total_timeout=seconds,
                connect_timeout=min(config.connect_timeout, seconds),
                read_timeout=min(config.read_timeout, seconds),
            )
        result = check_url(url, config=config)
        if as_json:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(_human(result))


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise CommandError(
            f"--timeout must be a number of seconds, not {value!r}", returncode=2
        ) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise CommandError(f"--timeout must be positive, not {value!r}", returncode=2)
    return seconds


def _human(result: CheckResult) -> str:
    lines = [
        f"URL:         {result.url}",
        f"Outcome:     {result.outcome}",
        f"Status:      {result.status if result.status is not None else '-'}",
        f"Final URL:   {result.final_url or '-'}",
    ]
    if result.redirects:
        lines.append("Redirects:")
        lines.extend(f"  {status} -> {target}" for status, target in result.redirects)
    else:
        lines.append("Redirects:   none")
    lines.append(f"Elapsed:     {result.elapsed_ms} ms")
    if result.retry_after is not None:
        lines.append(f"Retry-After: {result.retry_after:g} s")
    if result.error:
        lines.append(f"Detail:      {result.error}")
    return "\n".join(lines)
