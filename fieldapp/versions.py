"""Summaries kept between requests, and how each learns that it is stale.

A summary that is costly to compute and asked for often (the trained-staff roster's counts of
a district's 10,000 staff by training status: one 22 ms statement) is kept per process with
the version of the data it was computed from. Every write to that data bumps the version (a
counter row of ``data_versions``) as its transaction commits, in that transaction. A request
reads the version (one primary-key read) and computes the summary again only when it moved: a
kept summary is never older than the last committed write, on any process or server.

Writes are caught at the session, whichever module makes them:
- a flush that inserts, deletes or changes a watched model's row (for accounts: only their
  ``active`` flag counts);
- an INSERT, UPDATE or DELETE run through the session on a watched table (the roster import's
  bulk statements, the privacy erasure's deletes).

A write that bypasses the session (SQL typed into a console, a migration) is not seen: a kept
summary is computed again after ``MAX_AGE`` seconds whatever the version says."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session

from fieldapp.extensions import db
from fieldapp.models import DataVersion

T = TypeVar("T")

TRAINING = "training"  # completions, visiting roles, accounts (active or not): training status

# Table → the version its writes bump.
WATCHED = {
    "training_completions": TRAINING,
    "role_assignments": TRAINING,
    "users": TRAINING,
}
# For a changed (not new, not deleted) row of these tables, only these columns count: a
# sign-in or a new name does not change anyone's training status.
COLUMNS_THAT_COUNT = {"users": ("active",)}

MAX_AGE = 60.0  # seconds: the bound for a write the session did not see
# Kept summaries per app and process (a district's boards: 200 schools, in two languages); the
# oldest half goes beyond this.
MAX_ENTRIES = 1024

_TABLE = DataVersion.__table__
_READ = select(_TABLE.c.version).where(_TABLE.c.name == bindparam("version_name"))
_BUMP = (
    update(_TABLE)
    .where(_TABLE.c.name == bindparam("version_name"))
    .values(version=_TABLE.c.version + 1)
)
_WRITTEN = "fieldapp.versions_written"  # session.info: versions this transaction's writes move
_TO_BUMP = "fieldapp.versions_to_bump"  # session.info: of those, not bumped yet


def _written(session: Session, names: set[str]) -> None:
    session.info.setdefault(_WRITTEN, set()).update(names)
    session.info.setdefault(_TO_BUMP, set()).update(names)


def _counts(obj, table: str) -> bool:
    """Whether this changed row's change touches what the version covers."""
    columns = COLUMNS_THAT_COUNT.get(table)
    if columns is None:
        return True
    attrs = inspect(obj).attrs
    return any(attrs[column].history.has_changes() for column in columns)


@event.listens_for(Session, "before_flush")
def _flushing(session, _context, _instances) -> None:
    names = set()
    for objects, changed in ((session.new, False), (session.deleted, False), (session.dirty, True)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            name = WATCHED.get(table)
            if name is not None and name not in names and (not changed or _counts(obj, table)):
                names.add(name)
    if names:
        _written(session, names)


@event.listens_for(Session, "do_orm_execute")
def _executing(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        name = WATCHED.get(getattr(state.statement.table, "name", None))
        if name is not None:
            _written(state.session, {name})


@event.listens_for(Session, "before_commit")
def _committing(session) -> None:
    """Bump at commit, in the same transaction: the counter row is then locked (PostgreSQL)
    for the commit's moment only, not for the whole of a long write."""
    session.flush()  # what is still pending: commit would flush it after this hook
    names = session.info.pop(_TO_BUMP, None)
    if names:
        connection = session.connection()
        for name in sorted(names):  # one order in every transaction: no deadlock between two
            connection.execute(_BUMP, {"version_name": name})


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction, committed or rolled back
        session.info.pop(_WRITTEN, None)
        session.info.pop(_TO_BUMP, None)


def kept(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned before under the same ``key`` while version ``name``
    has not moved (nor MAX_AGE passed). The value is shared by the requests that get it: make
    it immutable (a tuple, not a list or dict).

    Neither kept nor taken from what is kept while this transaction has written the data
    itself: its value must count those writes, which are not committed and which a rollback
    would undo."""
    session = db.session()
    if name in session.info.get(_WRITTEN, ()):
        return compute()
    version = session.execute(_READ, {"version_name": name}).scalar()
    if version is None:  # a database without the counter row: nothing can be kept safely
        return compute()
    store: dict = current_app.extensions.setdefault("fieldapp.versions", {})
    now = time.monotonic()
    entry = store.get((name, key))
    if entry is not None and entry[0] == version and now - entry[1] < MAX_AGE:
        return entry[2]
    value = compute()
    if len(store) >= MAX_ENTRIES:
        for old in list(store)[: MAX_ENTRIES // 2]:  # the oldest half (insertion order)
            store.pop(old, None)
    store[(name, key)] = (version, now, value)
    return value
