"""The link-check policy as admins see it: every ``FACTCHECK_LINK_*`` and
``FACTCHECK_FETCH_*`` setting with its current value and what it means.

The values are settings (environment variables of the same name, see
``factcheck/settings/base.py``); this page only shows them. A test checks that every such
setting is described here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PolicySetting:
    name: str
    value: object
    unit: str
    meaning: str

    @property
    def shown(self) -> str:
        value = self.value
        if value in ("", None, []):
            return "(not set)"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value} {self.unit}".strip()

    @property
    def in_days(self) -> str:
        """Hours given as days too, when that reads better (168 hours = 7 days)."""
        if self.unit == "hours" and isinstance(self.value, int | float) and self.value >= 48:
            days = self.value / 24
            return f"{days:g} days"
        return ""


# (group title, [(setting, unit, meaning), ...]) in the order the page shows them.
DESCRIBED: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "When a link is dead",
        [
            (
                "FACTCHECK_LINK_DEAD_POINTS",
                "points",
                "A link is dead when its counted failures reach this many points.",
            ),
            (
                "FACTCHECK_LINK_NOT_FOUND_POINTS",
                "points",
                "What a counted 404 (not found) or 410 (gone) is worth; any other counted "
                "failure is worth 1 point.",
            ),
            (
                "FACTCHECK_LINK_FAILURE_SPACING_HOURS",
                "hours",
                "A failure counts toward death only this long after the previous counted "
                "one, so one bad day never kills a link. One success resets the count.",
            ),
        ],
    ),
    (
        "When links are checked again",
        [
            ("FACTCHECK_LINK_RECHECK_ALIVE_HOURS", "hours", "Live links are rechecked after this."),
            (
                "FACTCHECK_LINK_RECHECK_FAILING_HOURS",
                "hours",
                "A failing link is rechecked after this, doubling with each further failure.",
            ),
            (
                "FACTCHECK_LINK_RECHECK_FAILING_MAX_HOURS",
                "hours",
                "The longest wait between checks of a failing link.",
            ),
            (
                "FACTCHECK_LINK_RECHECK_DEAD_HOURS",
                "hours",
                "Dead links are still rechecked this often; one success brings them back.",
            ),
            (
                "FACTCHECK_LINK_RECHECK_BLOCKED_HOURS",
                "hours",
                "Links that refuse the checker (401, 403, 451, bot walls) are retried after this.",
            ),
            (
                "FACTCHECK_LINK_RECHECK_UNSAFE_HOURS",
                "hours",
                "Links refused by the private-address guard are looked at again after this.",
            ),
            (
                "FACTCHECK_LINK_RATE_LIMITED_DELAY_SECONDS",
                "seconds",
                "After a 429 (too many requests) without Retry-After, the next check waits "
                "this long.",
            ),
            (
                "FACTCHECK_LINK_RETRY_AFTER_MAX_HOURS",
                "hours",
                "A server's Retry-After is honoured up to this long.",
            ),
            (
                "FACTCHECK_LINK_JITTER",
                "",
                "Every delay is spread randomly by this fraction (0.1 = plus or minus 10 %), so "
                "links added together are not all checked together again.",
            ),
        ],
    ),
    (
        "Politeness and capacity",
        [
            (
                "FACTCHECK_LINK_PER_HOST_CONCURRENCY",
                "requests",
                "Requests in flight to one host at a time.",
            ),
            (
                "FACTCHECK_LINK_PER_HOST_INTERVAL",
                "seconds",
                "The least time between two requests to the same host.",
            ),
            ("FACTCHECK_LINK_CONCURRENCY", "requests", "Requests in flight per batch, all hosts."),
            ("FACTCHECK_LINK_BATCH_SIZE", "links", "Links per background job."),
            ("FACTCHECK_LINK_BATCH_PER_HOST", "links", "Links of one host per background job."),
            (
                "FACTCHECK_LINK_MAX_IN_FLIGHT",
                "links",
                "The sweeper keeps at most this many links queued or being checked.",
            ),
            (
                "FACTCHECK_LINK_SWEEP_INTERVAL_SECONDS",
                "seconds",
                "How often the sweeper looks for links that are due.",
            ),
            (
                "FACTCHECK_LINK_LEASE_SECONDS",
                "seconds",
                "A queued or running check is given up after this (a worker died) and the link "
                "is sent again.",
            ),
            (
                "FACTCHECK_LINK_TASK_SOFT_TIME_LIMIT",
                "seconds",
                "A batch job is asked to stop after this.",
            ),
            ("FACTCHECK_LINK_TASK_TIME_LIMIT", "seconds", "A batch job is killed after this."),
            (
                "FACTCHECK_LINK_CHECK_NEW_LINKS",
                "",
                "New links (cited or given as evidence) are checked as soon as they are saved; "
                "otherwise the sweeper picks them up.",
            ),
        ],
    ),
    (
        "When the checker itself is cut off",
        [
            (
                "FACTCHECK_LINK_OUTAGE_WINDOW_SECONDS",
                "seconds",
                "The checker judges whether its own network is down on the checks of this "
                "last stretch of time. During such an outage, checks that cannot reach their "
                "site (name look-up, connection or time-out errors) never count against a "
                "link, and those links are checked again soon after it ends.",
            ),
            (
                "FACTCHECK_LINK_OUTAGE_MIN_CHECKS",
                "checks",
                "At least this many checks in that time before the checker can call it its "
                "own outage.",
            ),
            (
                "FACTCHECK_LINK_OUTAGE_MIN_HOSTS",
                "sites",
                "The failures must be spread over at least this many sites: a few dead sites "
                "are the links' own failures and count as usual.",
            ),
            (
                "FACTCHECK_LINK_OUTAGE_SHARE",
                "",
                "The share of those checks that must have failed to reach their site (0.8 = "
                "80 %). Sites that answered recently are then asked again: if one answers, the "
                "failures are real and count.",
            ),
            (
                "FACTCHECK_LINK_OUTAGE_PROBES",
                "links",
                "While the outage lasts, the checker sends only this many links a round, from "
                "sites that answered before; the first answer from any site ends the outage.",
            ),
        ],
    ),
    (
        "History, digest and archive",
        [
            (
                "FACTCHECK_LINK_HISTORY_DAYS",
                "days",
                "Check history older than this is deleted every night (the dashboard's link "
                "health chart reaches back no further).",
            ),
            (
                "FACTCHECK_LINK_DIGEST_HOUR",
                "",
                "The daily e-mail of evidence at risk goes to editors at this hour of the day "
                "(0 to 23, in the desk's time zone).",
            ),
            (
                "FACTCHECK_ARCHIVE_API_URL",
                "",
                "A Wayback-style availability API used to find an archived copy of a failing "
                "or dead link; not set means no look-ups.",
            ),
            (
                "FACTCHECK_ARCHIVE_SAVE_URL",
                "",
                'A Wayback-compatible "save page now" address: a page cited as evidence is '
                "sent to it once and its copy kept on the link; not set means none are sent.",
            ),
        ],
    ),
    (
        "Fetching (every check goes through it)",
        [
            ("FACTCHECK_FETCH_CONNECT_TIMEOUT", "seconds", "Time allowed to connect."),
            ("FACTCHECK_FETCH_READ_TIMEOUT", "seconds", "Time allowed between bytes read."),
            ("FACTCHECK_FETCH_TOTAL_TIMEOUT", "seconds", "Time allowed for a whole check."),
            ("FACTCHECK_FETCH_MAX_BYTES", "bytes", "At most this much of a page is read."),
            ("FACTCHECK_FETCH_MAX_REDIRECTS", "redirects", "Redirects followed at most."),
            ("FACTCHECK_FETCH_USER_AGENT", "", "How the checker introduces itself to servers."),
            (
                "FACTCHECK_FETCH_ALLOW_HOSTS",
                "",
                "host:port pairs exempt from the private-address guard (tests, intranets).",
            ),
        ],
    ),
]


def policy_settings() -> list[tuple[str, list[PolicySetting]]]:
    return [
        (
            title,
            [
                PolicySetting(name, getattr(settings, name, None), unit, meaning)
                for name, unit, meaning in rows
            ],
        )
        for title, rows in DESCRIBED
    ]


def described_names() -> set[str]:
    return {name for _, rows in DESCRIBED for name, _, _ in rows}
