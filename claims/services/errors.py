"""Errors the services raise for the interfaces to show. The optimistic-lock conflict and
its field-by-field differences are every app's (``factcheck.lib.versions``)."""

from __future__ import annotations

from factcheck.lib.versions import Change, ConflictError

__all__ = ["Change", "ConflictError"]
