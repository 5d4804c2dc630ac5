"""Items made on a phone, each with its own id: stored once however often they arrive.

A phone's script gives every field write (a contact, a reflection, a draft, a visit's time, a
follow-up done) an id before it sends it, by its form or later from its queue. Contacts and
reflections keep that id on their own row; the other writes leave a receipt (``SyncReceipt``)
in the same transaction as their change. Either way the database keeps the id unique, so two
copies arriving at once end on the constraint and the loser finds the item stored.

Depends on the schema alone, like ``rules`` and ``policy``: every feature may use it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import ContactAttempt, Reflection, SyncReceipt, User

NOT_STORED = object()
# How a request that stores an item loses a race with a copy of it: on the item's unique id, or
# on the version of the row both change (a visit). The loser rolls back and looks again.
RACE_LOST = (IntegrityError, StaleDataError)


class BadClientId(ValueError):
    """A form sent an id for its item that is not one a phone makes (a UUID): a 400."""

    status = 400


class TakenClientId(BadClientId):
    """A form sent an id that already belongs to another person's item: refused, a 409."""

    status = 409

    def __init__(self, client_id: str):
        super().__init__(_("This id already belongs to another item."))
        self.client_id = client_id


def parse(value: str | None) -> str | None:
    """The item's id in its one stored spelling (lower case), None when the form sent none."""
    if not value:
        return None
    try:
        if len(value) == 36:
            return str(uuid.UUID(value))
    except ValueError:
        pass
    raise BadClientId(_("This form's item id is not valid. Reload the page and send it again."))


def written_at(value: object, now: datetime) -> datetime | None:
    """When the item was written, by the phone's clock (ISO 8601): never later than now. None
    when it is missing or not a time."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.year < 2000:
        return None
    return min(when.astimezone(UTC), now)


def stored_by(client_id: str | None) -> object:
    """Who sent what is stored under a phone-made id (a user id), or NOT_STORED."""
    if client_id:
        for model, author in (
            (SyncReceipt, SyncReceipt.user_id),
            (Reflection, Reflection.author_id),
            (ContactAttempt, ContactAttempt.by_id),
        ):
            row = db.session.execute(select(author).where(model.client_id == client_id)).first()
            if row is not None:
                return row[0]
    return NOT_STORED


def already_stored(client_id: str | None, user: User) -> bool:
    """This very item arrived before from this person (its answer was lost on the way): answer
    as then, store nothing again. TakenClientId when the id is someone else's."""
    found = stored_by(client_id)
    if found is NOT_STORED:
        return False
    if found != user.id:
        raise TakenClientId(client_id)
    return True


def keep(client_id: str | None, *, by: User, kind: str) -> None:
    """Note that this item changed something. Flushes: a copy of it stored meanwhile raises
    IntegrityError here, and the caller's retry finds it stored."""
    if client_id:
        db.session.add(SyncReceipt(client_id=client_id, user_id=by.id, kind=kind))
        db.session.flush()
