"""Reminders of the coming day's visits: an email to each team member, with the link to a
ready-to-send reminder text for the family in their language (sent from the visitor's own phone).

Each visit, at each time it is scheduled for, is reminded once: a ``ReminderSent`` row is claimed
(its unique key) and committed before any email goes, so a rerun of the task — or two workers at
once — never sends twice. A visit moved to a new time gets a reminder for the new time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from fieldapp import audit, clock
from fieldapp.extensions import db
from fieldapp.formatting import MODES
from fieldapp.i18n import current_locale
from fieldapp.i18n import gettext as _
from fieldapp.models import ReminderSent, TeamMember, Visit, VisitStatus
from fieldapp.offers.services import team_mails

# The hourly task reminds of the visits of the coming day: a little over 24 hours ahead, so that
# a late or skipped run still catches every visit once.
AHEAD = timedelta(hours=26)


def due(now: datetime) -> Select:
    """Scheduled visits starting within ``AHEAD`` not yet reminded at their current time."""
    reminded = exists().where(
        and_(
            ReminderSent.visit_id == Visit.id,
            ReminderSent.scheduled_start == Visit.scheduled_start,
        )
    )
    return (
        select(Visit)
        .where(
            Visit.status == VisitStatus.SCHEDULED,
            Visit.scheduled_start > now,
            Visit.scheduled_start <= now + AHEAD,
            ~reminded,
        )
        .options(selectinload(Visit.team).joinedload(TeamMember.user))
        .order_by(Visit.scheduled_start, Visit.id)
    )


def claim(visit: Visit, now: datetime) -> bool:
    """Take the visit's reminder at its current time; False when someone else already did."""
    try:
        with db.session.begin_nested():
            db.session.add(
                ReminderSent(visit_id=visit.id, scheduled_start=visit.scheduled_start, sent_at=now)
            )
    except IntegrityError:
        return False
    audit.record("visit.reminder", obj=visit, school_id=visit.school_id)
    return True


def mails(
    visit: Visit, text_url: str | None, now: datetime, visit_url: str | None = None
) -> list[tuple[str, str, str]]:
    """The reminder email to each team member, saying "today", "tomorrow" or the weekday by the
    school's calendar (a visit 20 hours ahead may be later today). ``text_url``: the page with
    the family's reminder text, ``visit_url`` the visit's page (None when the app does not know
    its own address). No family name in the subject, no address in the body: the visit's page
    has it (README: "What an email may carry")."""
    tz = ZoneInfo(visit.school.timezone)
    days = clock.days_from_today(visit.scheduled_start, tz, now)
    weekday = clock.local_date(visit.scheduled_start, tz)

    def write(family: str, when: str) -> tuple[str, str]:
        place = MODES.get(visit.mode, "")
        if days <= 0:
            subject = _("Reminder: visit today, %(when)s", when=when)
            line = _(
                "Your visit with %(family)s is today: %(when)s (%(place)s).",
                family=family,
                when=when,
                place=place,
            )
        elif days == 1:
            subject = _("Reminder: visit tomorrow, %(when)s", when=when)
            line = _(
                "Your visit with %(family)s is tomorrow: %(when)s (%(place)s).",
                family=family,
                when=when,
                place=place,
            )
        else:
            day = format_date(weekday, "EEEE", locale=current_locale())
            subject = _("Reminder: visit on %(day)s, %(when)s", day=day, when=when)
            line = _(
                "Your visit with %(family)s is on %(day)s: %(when)s (%(place)s).",
                family=family,
                day=day,
                when=when,
                place=place,
            )
        lines = [line]
        if visit_url:
            lines.append(_("The visit, with its address: %(url)s", url=visit_url))
        if text_url:
            lines.append(
                _("A reminder for the family, ready to send from your phone: %(url)s", url=text_url)
            )
        return subject, "\n\n".join(lines)

    return team_mails(visit, write)
