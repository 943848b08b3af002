"""Optimistic locking of edits ("versions"), one implementation for every app.

Every object people edit (claim, verdict, evidence, article, topic, rating scale and level,
source, a link's override) has a ``version`` that each edit bumps, in the transaction that
locks the row and writes the audit event. An edit names the version it was made from:

- a form or request without it is refused before anything is read (HTTP 400,
  :func:`version_required`, :func:`version_missing_response`);
- a stale one raises :class:`ConflictError` (the interfaces answer 409 with what differs
  between the user's input and the saved values, the input kept in the form);
- services take ``version`` as a required keyword: internal callers that edit on nobody's
  page (ingestion, bulk actions, CSV import, management commands, the demo seeder) pass
  :data:`NO_VERSION_CHECK` explicitly. ``None`` is refused (:class:`VersionMissing`), so
  forgetting the version never skips the check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy

__all__ = [
    "NO_VERSION_CHECK",
    "Change",
    "ConflictError",
    "NoVersionCheck",
    "VersionMissing",
    "changes_between",
    "parse_version",
    "version_check",
    "version_field",
    "version_missing_response",
    "version_required",
]


class NoVersionCheck:
    """The type of :data:`NO_VERSION_CHECK` (one instance)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VERSION_CHECK"


#: What a system caller passes as ``version``: the edit is not made from anyone's page.
NO_VERSION_CHECK = NoVersionCheck()

#: A service's ``version`` argument: the version the user's page was built from, or the
#: explicit system bypass.
Version = int | NoVersionCheck


class VersionMissing(TypeError):
    """A service was called without the version of the object it edits (a programming
    error: user-facing paths refuse such requests with 400 before calling it)."""


@dataclass
class Change:
    """One field that differs between what a user submitted and what is now stored."""

    field: str
    label: str
    yours: str
    theirs: str


@dataclass
class ConflictError(Exception):
    """Optimistic locking: the row changed since the user loaded it.

    ``current`` is the row as stored now; ``changes`` lists what differs from the user's
    input (empty for a plain state change); ``by``/``at`` say who changed it last and when.
    """

    message: str
    current: object = None
    changes: list[Change] = field(default_factory=list)
    by: str = ""
    at: object = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def parse_version(raw) -> int | None:
    """The version a form sent (a non-negative integer), or ``None`` if it sent none."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    text = str(raw).strip()
    return int(text) if text.isdigit() else None


def version_check(version, *, stored: int, conflict: Callable[[], ConflictError], what: str):
    """Refuse an edit made from another version than ``stored`` (the locked row's).

    ``version`` is the service's argument: :data:`NO_VERSION_CHECK` skips the check, ``None``
    raises :class:`VersionMissing`, any other value that differs raises ``conflict()`` (built
    only then: it may read who changed the row last)."""
    if version is NO_VERSION_CHECK:
        return
    given = parse_version(version)
    if given is None:
        raise VersionMissing(
            f"Editing {what} needs the version it was made from (or NO_VERSION_CHECK for a "
            f"system change); got {version!r}."
        )
    if given != stored:
        raise conflict()


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(_shown(item) for item in value)
    return str(value)


def changes_between(yours: dict, theirs: dict, labels: dict[str, str]) -> list[Change]:
    """What differs between the user's input and the saved values, field by field (values
    compared as shown: text, lists joined)."""
    return [
        Change(name, labels.get(name, name.replace("_", " ").capitalize()), mine, saved)
        for name in yours
        if (mine := _shown(yours[name])) != (saved := _shown(theirs.get(name)))
    ]


def conflict_message(*, what: str, by: str = "", at=None, kept: bool = True) -> str:
    """The sentence every conflict starts with: who saved ``what`` meanwhile, and when."""
    who = by or gettext("Someone")
    if at is not None:
        head = gettext(
            "%(who)s changed %(what)s at %(time)s after you opened it, so nothing was saved."
        ) % {"who": who, "what": what, "time": f"{at:%H:%M:%S}"}
    else:
        head = gettext("%(who)s changed %(what)s after you opened it, so nothing was saved.") % {
            "who": who,
            "what": what,
        }
    tail = (
        gettext(
            "Your input is kept in the form below; compare it with the saved values, then save "
            "again to replace them."
        )
        if kept
        else gettext("Check the saved values below and try again.")
    )
    return f"{head} {tail}"


def version_field(*, min_value: int = 1) -> forms.IntegerField:
    """The hidden ``version`` input of an edit form: required (the views answer 400 before
    the form sees a request without it, :func:`version_required`)."""
    return forms.IntegerField(
        label=gettext_lazy("Version"),
        min_value=min_value,
        widget=forms.HiddenInput,
        error_messages={"required": MISSING_MESSAGE, "invalid": MISSING_MESSAGE},
    )


MISSING_MESSAGE = gettext_lazy(
    "This form was sent without the version of what it edits, so nothing was saved (an old "
    "page or a form made by a script?). Reload the page and make your change again."
)


def version_missing_response(request: HttpRequest, message: str = MISSING_MESSAGE) -> HttpResponse:
    """HTTP 400 for an edit sent without its version."""
    return render(request, "400_version.html", {"message": message}, status=400)


def version_required(view=None, *, field_name: str = "version", methods: Iterable[str] = ("POST",)):
    """View decorator: a POST without a version (``field_name``, a non-negative integer) is
    answered 400 before the view runs. Put it below the permission and method guards."""

    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and parse_version(request.POST.get(field_name)) is None:
                return version_missing_response(request)
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
