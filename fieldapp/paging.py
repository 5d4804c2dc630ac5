"""Pages with the same interface (and pager macro) as ``db.paginate``, for SELECTs of several
columns; and the page number asked for, made sane."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from fieldapp.extensions import db

K = TypeVar("K")


def page_number() -> int:
    """``?page=`` as a sane positive number (junk and huge values do not reach a query)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


class RowsPage(Pagination):
    """A page of a SELECT of several columns (``db.paginate`` keeps only the first), whose
    total the caller already knows (from counts it shows anyway). ``query`` is the SELECT, or a
    function of (limit, offset) giving the page's own SELECT (a page that picks its rows
    before it reads what it shows of them)."""

    def __init__(self, query: Any, total: int, per_page: int) -> None:
        self._select, self._total = query, total
        pages = max(1, -(-total // per_page))
        super().__init__(page=min(page_number(), pages), per_page=per_page, error_out=False)

    def _query_items(self) -> list[Any]:
        if callable(self._select):
            query = self._select(self.per_page, self._query_offset)
        else:
            query = self._select.limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(query).all())

    def _query_count(self) -> int:
        return self._total


class CountedPage(Pagination):
    """A page of ORM objects (a ``select(Model)``) whose total comes with them, as a column
    ``COUNT(*) OVER ()`` of the same statement: one statement where ``db.paginate`` sends two.
    A page past the last (no row to carry the total) is counted, and the last page shown."""

    def __init__(self, query: Any, per_page: int) -> None:
        self._select, self._total = query, 0
        super().__init__(page=page_number(), per_page=per_page, error_out=False)

    def _query_items(self) -> list[Any]:
        rows = self._rows()
        if not rows and self.page > 1:
            counted = select(func.count()).select_from(self._select.order_by(None).subquery())
            total = db.session.execute(counted).scalar_one()
            self.page = max(1, -(-total // self.per_page))
            rows = self._rows() if total else []
        self._total = rows[0][-1] if rows else 0
        return [row[0] for row in rows]

    def _rows(self) -> list[Any]:
        query = self._select.add_columns(func.count().over().label("_total"))
        query = query.limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(query).unique().all())

    def _query_count(self) -> int:
        return self._total


def spread(sizes: Iterable[tuple[K, int]], limit: int, offset: int) -> tuple[tuple[K, ...], int]:
    """For a list read group after group (``sizes``: each group's key and its number of rows,
    in the list's order), the groups that rows ``offset`` to ``offset + limit`` fall in, and
    the offset of the page among those groups' rows. A page of a district's roster then reads
    the one or two schools it shows, not the district."""
    keys: list[K] = []
    first, at, end = None, 0, offset + limit
    for key, n in sizes:
        if at >= end:
            break
        if n and at + n > offset:
            first = at if first is None else first
            keys.append(key)
        at += n
    return tuple(keys), offset - first if first is not None else 0
