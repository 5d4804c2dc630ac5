"""Private calendar feeds: a visitor's link to their scheduled visits, for a phone's calendar.

The link holds a random token and the database only its hash, as for sessions (auth/sessions.py):
a leaked database gives no working link. A new link revokes the old one at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import joinedload

from fieldapp import audit
from fieldapp.extensions import db
from fieldapp.models import CalendarFeed, TeamMember, User, Visit

# What the feed holds: scheduled visits from a week ago on (what just happened stays visible
# while the reflection is written), and how often calendar apps are asked to fetch it again.
DAYS_BACK = 7
REFRESH = timedelta(hours=1)
# last_fetched_at is written at most this often: a calendar app polling is not a write each time.
FETCH_NOTED_EVERY = timedelta(minutes=5)
# Part of every ETag: raise it when the feed's text changes for the same data (a new field), so
# that calendars fetch the new text instead of being told theirs is current.
FORMAT = 1


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(user: User) -> ColumnElement[bool]:
    return (CalendarFeed.user_id == user.id) & CalendarFeed.revoked_at.is_(None)


def live_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(_live(user)))


def _revoke(user: User, now: datetime) -> int:
    return db.session.execute(
        update(CalendarFeed).where(_live(user)).values(revoked_at=now)
    ).rowcount


def open_feed(user: User, *, now: datetime) -> str:
    """A new link to the person's feed, revoking the one they had. Returns the token: it is
    shown once and never stored."""
    # One at a time per person (the button pressed twice): on PostgreSQL the second waits here,
    # then revokes the first's new link instead of breaking the one-live-feed index.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    replaced = _revoke(user, now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_hash(token), created_at=now)
    db.session.add(feed)
    db.session.flush()
    action = "calendar_feed.replace" if replaced else "calendar_feed.create"
    audit.record(action, actor=user, obj=feed)
    return token


def turn_off(user: User, *, now: datetime) -> bool:
    if not _revoke(user, now):
        return False
    audit.record("calendar_feed.turn_off", actor=user)
    return True


def find(token: str) -> CalendarFeed | None:
    """The live feed of this token, with its person and their roles (one statement)."""
    if not token or len(token) > 100:
        return None
    query = (
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None))
        .options(joinedload(CalendarFeed.user).joinedload(User.roles))
    )
    return db.session.scalars(query).unique().one_or_none()


def note_fetch(feed: CalendarFeed, *, now: datetime) -> bool:
    """Remember when the feed was last fetched (so that its owner sees it is in use); True when
    that needs a write."""
    if feed.last_fetched_at is not None and now - feed.last_fetched_at < FETCH_NOTED_EVERY:
        return False
    feed.last_fetched_at = now
    return True


@dataclass(frozen=True)
class Version:
    """What a calendar app compares to know it holds the current feed (ETag, Last-Modified)."""

    etag: str
    last_modified: datetime


def version(feed: CalendarFeed, visits: list[Visit], language: str) -> Version:
    """The feed's version from what it shows, without writing the calendar: each visit's id and
    version (bumped by every change of the visit), its family's last change, its team's names,
    and the language its words are in. Last-Modified is the newest change among them, or of any
    visit of the person's teams (a cancelled visit leaves the feed: a change it must announce),
    or the link's making; people's names carry no time, so only the ETag sees a renamed partner.
    """
    digest = hashlib.sha256(f"{FORMAT}|{language}".encode())
    newest = feed.created_at
    for visit in visits:
        family = visit.family
        names = ",".join(f"{m.user_id}:{m.user.name}" for m in visit.team)
        family_changed = family.updated_at.isoformat() if family else ""
        digest.update(f"|{visit.id}.{visit.version}.{family_changed}.{names}".encode())
        newest = max(newest, visit.updated_at, family.updated_at if family else newest)
    touched = db.session.scalar(
        select(func.max(Visit.updated_at))
        .join(TeamMember, TeamMember.visit_id == Visit.id)
        .where(TeamMember.user_id == feed.user_id)
    )
    if touched is not None:
        newest = max(newest, touched)
    return Version(etag=digest.hexdigest()[:32], last_modified=newest)
