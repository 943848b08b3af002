"""The link-check policy as admins see it: every ``FACTCHECK_LINK_*`` and
``FACTCHECK_FETCH_*`` setting with its current value and what it means.

The values are settings (environment variables of the same name, see
``factcheck/settings/base.py``); this page only shows them. A test checks that every such
setting is described here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

# A value with its unit, as the page shows it ("168 hours"): the unit's words for ``n``.
_UNITS = {
    "points": lambda n: ngettext("%(value)s point", "%(value)s points", n),
    "hours": lambda n: ngettext("%(value)s hour", "%(value)s hours", n),
    "seconds": lambda n: ngettext("%(value)s second", "%(value)s seconds", n),
    "days": lambda n: ngettext("%(value)s day", "%(value)s days", n),
    "requests": lambda n: ngettext("%(value)s request", "%(value)s requests", n),
    "links": lambda n: ngettext("%(value)s link", "%(value)s links", n),
    "checks": lambda n: ngettext("%(value)s check", "%(value)s checks", n),
    "sites": lambda n: ngettext("%(value)s site", "%(value)s sites", n),
    "bytes": lambda n: ngettext("%(value)s byte", "%(value)s bytes", n),
    "redirects": lambda n: ngettext("%(value)s redirect", "%(value)s redirects", n),
}


def _plural_count(value) -> int:
    """The number that picks a plural form: a fraction takes the plural ("0.5 seconds")."""
    return int(value) if float(value).is_integer() else 2


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
            return gettext("(not set)")
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        words = _UNITS.get(self.unit)
        if words is None or not isinstance(value, int | float):
            return f"{value} {self.unit}".strip()
        return words(_plural_count(value)) % {"value": value}

    @property
    def in_days(self) -> str:
        """Hours given as days too, when that reads better (168 hours = 7 days)."""
        if self.unit == "hours" and isinstance(self.value, int | float) and self.value >= 48:
            days = self.value / 24
            return _UNITS["days"](_plural_count(days)) % {"value": f"{days:g}"}
        return ""


# (group title, [(setting, unit, meaning), ...]) in the order the page shows them.
DESCRIBED: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        _("When a link is dead"),
        [
            (
                "FACTCHECK_LINK_DEAD_POINTS",
                "points",
                _("A link is dead when its counted failures reach this many points."),
            ),
            (
                "FACTCHECK_LINK_NOT_FOUND_POINTS",
                "points",
                _(
                    "What a counted 404 (not found) or 410 (gone) is worth; any other "
                    "counted failure is worth 1 point."
                ),
            ),
            (
                "FACTCHECK_LINK_FAILURE_SPACING_HOURS",
                "hours",
                _(
                    "A failure counts toward death only this long after the previous "
                    "counted one, so one bad day never kills a link. One success "
                    "resets the count."
                ),
            ),
        ],
    ),
    (
        _("When links are checked again"),
        [
            (
                "FACTCHECK_LINK_RECHECK_ALIVE_HOURS",
                "hours",
                _("Live links are rechecked after this."),
            ),
            (
                "FACTCHECK_LINK_RECHECK_FAILING_HOURS",
                "hours",
                _("A failing link is rechecked after this, doubling with each further failure."),
            ),
            (
                "FACTCHECK_LINK_RECHECK_FAILING_MAX_HOURS",
                "hours",
                _("The longest wait between checks of a failing link."),
            ),
            (
                "FACTCHECK_LINK_RECHECK_DEAD_HOURS",
                "hours",
                _("Dead links are still rechecked this often; one success brings them back."),
            ),
            (
                "FACTCHECK_LINK_RECHECK_BLOCKED_HOURS",
                "hours",
                _(
                    "Links that refuse the checker (401, 403, 451, bot walls) are "
                    "retried after this."
                ),
            ),
            (
                "FACTCHECK_LINK_RECHECK_UNSAFE_HOURS",
                "hours",
                _("Links refused by the private-address guard are looked at again after this."),
            ),
            (
                "FACTCHECK_LINK_RATE_LIMITED_DELAY_SECONDS",
                "seconds",
                _(
                    "After a 429 (too many requests) without Retry-After, the next "
                    "check waits this long."
                ),
            ),
            (
                "FACTCHECK_LINK_RETRY_AFTER_MAX_HOURS",
                "hours",
                _("A server's Retry-After is honoured up to this long."),
            ),
            (
                "FACTCHECK_LINK_JITTER",
                "",
                _(
                    "Every delay is spread randomly by this fraction (0.1 = plus or "
                    "minus 10 %), so links added together are not all checked "
                    "together again."
                ),
            ),
        ],
    ),
    (
        _("Politeness and capacity"),
        [
            (
                "FACTCHECK_LINK_PER_HOST_CONCURRENCY",
                "requests",
                _("Requests in flight to one host at a time."),
            ),
            (
                "FACTCHECK_LINK_PER_HOST_INTERVAL",
                "seconds",
                _("The least time between two requests to the same host."),
            ),
            (
                "FACTCHECK_LINK_CONCURRENCY",
                "requests",
                _("Requests in flight per batch, all hosts."),
            ),
            (
                "FACTCHECK_LINK_BATCH_SIZE",
                "links",
                _("Links per background job."),
            ),
            (
                "FACTCHECK_LINK_BATCH_PER_HOST",
                "links",
                _("Links of one host per background job."),
            ),
            (
                "FACTCHECK_LINK_MAX_IN_FLIGHT",
                "links",
                _("The sweeper keeps at most this many links queued or being checked."),
            ),
            (
                "FACTCHECK_LINK_SWEEP_INTERVAL_SECONDS",
                "seconds",
                _("How often the sweeper looks for links that are due."),
            ),
            (
                "FACTCHECK_LINK_LEASE_SECONDS",
                "seconds",
                _(
                    "A queued or running check is given up after this (a worker died) "
                    "and the link is sent again."
                ),
            ),
            (
                "FACTCHECK_LINK_TASK_SOFT_TIME_LIMIT",
                "seconds",
                _("A batch job is asked to stop after this."),
            ),
            (
                "FACTCHECK_LINK_TASK_TIME_LIMIT",
                "seconds",
                _("A batch job is killed after this."),
            ),
            (
                "FACTCHECK_LINK_CHECK_NEW_LINKS",
                "",
                _(
                    "New links (cited or given as evidence) are checked as soon as "
                    "they are saved; otherwise the sweeper picks them up."
                ),
            ),
        ],
    ),
    (
        _("When the checker itself is cut off"),
        [
            (
                "FACTCHECK_LINK_OUTAGE_WINDOW_SECONDS",
                "seconds",
                _(
                    "The checker judges whether its own network is down on the checks "
                    "of this last stretch of time. During such an outage, checks that "
                    "cannot reach their site (name look-up, connection or time-out "
                    "errors) never count against a link, and those links are checked "
                    "again soon after it ends."
                ),
            ),
            (
                "FACTCHECK_LINK_OUTAGE_MIN_CHECKS",
                "checks",
                _(
                    "At least this many checks in that time before the checker can "
                    "call it its own outage."
                ),
            ),
            (
                "FACTCHECK_LINK_OUTAGE_MIN_HOSTS",
                "sites",
                _(
                    "The failures must be spread over at least this many sites: a few "
                    "dead sites are the links' own failures and count as usual."
                ),
            ),
            (
                "FACTCHECK_LINK_OUTAGE_SHARE",
                "",
                _(
                    "The share of those checks that must have failed to reach their "
                    "site (0.8 = 80 %). Sites that answered recently are then asked "
                    "again: if one answers, the failures are real and count."
                ),
            ),
            (
                "FACTCHECK_LINK_OUTAGE_PROBES",
                "links",
                _(
                    "While the outage lasts, the checker sends only this many links a "
                    "round, from sites that answered before; the first answer from "
                    "any site ends the outage."
                ),
            ),
        ],
    ),
    (
        _("History, digest and archive"),
        [
            (
                "FACTCHECK_LINK_HISTORY_DAYS",
                "days",
                _(
                    "Check history older than this is deleted every night (the "
                    "dashboard's link health chart reaches back no further)."
                ),
            ),
            (
                "FACTCHECK_LINK_DIGEST_HOUR",
                "",
                _(
                    "The daily e-mail of evidence at risk goes to editors at this "
                    "hour of the day (0 to 23, in the desk's time zone)."
                ),
            ),
            (
                "FACTCHECK_ARCHIVE_API_URL",
                "",
                _(
                    "A Wayback-style availability API used to find an archived copy "
                    "of a failing or dead link; not set means no look-ups."
                ),
            ),
            (
                "FACTCHECK_ARCHIVE_SAVE_URL",
                "",
                _(
                    'A Wayback-compatible "save page now" address: a page cited as '
                    "evidence is sent to it once and its copy kept on the link; not "
                    "set means none are sent."
                ),
            ),
        ],
    ),
    (
        _("Fetching (every check goes through it)"),
        [
            (
                "FACTCHECK_FETCH_CONNECT_TIMEOUT",
                "seconds",
                _("Time allowed to connect."),
            ),
            (
                "FACTCHECK_FETCH_READ_TIMEOUT",
                "seconds",
                _("Time allowed between bytes read."),
            ),
            (
                "FACTCHECK_FETCH_TOTAL_TIMEOUT",
                "seconds",
                _("Time allowed for a whole check."),
            ),
            (
                "FACTCHECK_FETCH_MAX_BYTES",
                "bytes",
                _("At most this much of a page is read."),
            ),
            (
                "FACTCHECK_FETCH_MAX_REDIRECTS",
                "redirects",
                _("Redirects followed at most."),
            ),
            (
                "FACTCHECK_FETCH_USER_AGENT",
                "",
                _("How the checker introduces itself to servers."),
            ),
            (
                "FACTCHECK_FETCH_ALLOW_HOSTS",
                "",
                _("host:port pairs exempt from the private-address guard (tests, intranets)."),
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
