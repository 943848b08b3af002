"""Errors the services raise for the interfaces to show."""

from __future__ import annotations

from dataclasses import dataclass, field


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
