"""Rows deleted, counted or updated in bulk, for a purge and an erasure: one statement a table,
without loading the rows first (``synchronize_session=False``)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from fieldapp.extensions import db


def count(model: type, where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(where)) or 0


def remove(model: type, where, dry_run: bool) -> int:
    """Delete the rows of ``model`` that match ``where``; ``dry_run`` only counts them."""
    if dry_run:
        return count(model, where)
    result = db.session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return result.rowcount


def update(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
