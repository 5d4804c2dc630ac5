from __future__ import annotations

from datetime import timedelta

import pytest

from fieldapp import clock
from fieldapp.models import Role, VisitMode
from fieldapp.offers import services
from tests.factories import (
    make_family,
    make_school,
    make_student,
    make_user,
    make_visit,
    tomorrow_at,
)


@pytest.fixture
def offered(db):
    """A visit to arrange for a Spanish-speaking family, with three times offered: returns
    (visit, offer, token)."""
    school = make_school(name="Garfield Elementary")
    ana = make_user(Role.VISITOR, school, name="Ana Lopez", email="ana@test.example")
    luis = make_user(Role.VISITOR, school, name="Luis Park", email="luis@test.example", locale="es")
    family = make_family(name="Reyes", address_line1="77 Secret Lane", home_language="es")
    family.guardians[0].name = "Marta Reyes"
    family.guardians[0].email = "marta@family.example"
    visit = make_visit(school, team=[ana, luis], family=family)
    make_student(school, family, first_name="Sofia", last_name="Reyes")
    starts = [
        tomorrow_at(17),
        tomorrow_at(17) + timedelta(days=1),
        tomorrow_at(17) + timedelta(days=2),
    ]
    offer, token = services.offer_slots(
        visit, starts, [VisitMode.HOME, VisitMode.NEUTRAL], by=ana, now=clock.now()
    )
    db.session.commit()
    return visit, offer, token


@pytest.fixture
def smtp_sink(app):
    """The app sends through its SMTP client to a local sink."""
    from tests.smtp_sink import SmtpSink

    with SmtpSink() as sink:
        app.config.update(sink.config())
        yield sink
