"""Pages of a list already in memory, with the same interface (and pager macro) as
``db.paginate``: for lists whose rows are computed in Python, such as training statuses."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination


def page_number() -> int:
    """``?page=`` as a sane positive number (junk and huge values do not reach a query)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


class ListPage(Pagination):
    def __init__(self, items: list[Any], per_page: int) -> None:
        self._all = items
        pages = max(1, -(-len(items) // per_page))
        super().__init__(page=min(page_number(), pages), per_page=per_page, error_out=False)

    def _query_items(self) -> list[Any]:
        return self._all[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._all)
