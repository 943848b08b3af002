"""Pagination helpers shared by list pages."""

from __future__ import annotations

import inspect

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.inspect import method_has_no_args


class CappedPaginator(Paginator):
    """A paginator that counts no further than ``cap`` objects.

    Counting every row of a broad list costs more than showing a page of it: a ``COUNT(*)``
    reads every matching row (100,000 claims for the unfiltered queue, thousands for a
    common word). Past ``cap`` the count stops (``SELECT count(*) FROM (... LIMIT cap + 1)``),
    ``is_capped`` is true and only the first ``cap`` objects are paged through; narrowing the
    filters or reversing the order reaches the others. Make ``cap`` a multiple of every page
    size offered, so the last page is a full one.
    """

    def __init__(self, object_list, per_page, *, cap: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        """How many objects there are, up to ``cap + 1``."""
        objects = self.object_list
        if hasattr(objects, "order_by"):  # any cap + 1 rows will do: no sort to pay for
            objects = objects.order_by()
        sliced = objects[: self.cap + 1]
        count = getattr(sliced, "count", None)
        if callable(count) and not inspect.isbuiltin(count) and method_has_no_args(count):
            return count()
        return len(sliced)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def is_capped(self) -> bool:
        """There are more than ``cap`` objects (``count`` is ``cap``)."""
        return self._counted > self.cap
