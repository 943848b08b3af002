"""Cursor pagination for the long lists: stable under inserts (no page shifts), constant
cost per page (no OFFSET, no COUNT). ``?page_size=`` up to ``max_page_size``."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)


class NewestFirst(Cursor):
    ordering = ("-created_at", "-id")


class UpdatedFirst(Cursor):
    """The reviewer queue's order: the claims changed last first."""

    ordering = ("-updated_at", "-id")


class PublishedFirst(Cursor):
    """The reader site's order: the newest fact-checks first."""

    ordering = ("-published_at", "-id")


class ByName(Cursor):
    ordering = ("name", "id")
