"""Demo data: a small, realistic district, made through the same services the app uses.

``seed`` makes it step by step, from one random generator: each step draws from it in the order
the steps run, so the district is the same every time (for one day). The round's visits are
in ``rounds``, the students' attendance in ``attendance``, the people's names in ``names``."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.auth.services import create_account, grant_role
from fieldapp.demo.attendance import seed_attendance
from fieldapp.demo.names import ADULTS, CHILDREN, STREETS, SURNAMES
from fieldapp.demo.rounds import seed_round
from fieldapp.extensions import db
from fieldapp.models import (
    ClassTeacher,
    ContactMethod,
    Family,
    Guardian,
    Role,
    Round,
    School,
    SchoolClass,
    Setting,
    Student,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
    User,
    VisitType,
)
from fieldapp.training.services import add_months

DEMO_PASSWORD = "fieldapp-demo-2026"
TZ = "America/Los_Angeles"
VALID_MONTHS = 24

# The families' home languages, as often as the district hears them.
LANGUAGE_MIX = ["en"] * 5 + ["es"] * 4 + ["vi"] * 2 + ["so"]


class DemoError(Exception):
    pass


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


@dataclass(frozen=True)
class Staff:
    chavez_coordinator: User
    parks_coordinator: User
    trainer: User
    visitors: list[User]


def seed(now: datetime | None = None, reset: bool = False) -> dict[str, int]:
    """Fill an empty database with the demo district. Refuses a database with data."""
    if not database_is_empty():
        if not reset:
            raise DemoError("The database already has data; use --reset to replace it.")
        _clear()
    now = now or clock.now()
    rng = random.Random(2026)
    tz = ZoneInfo(TZ)
    today = clock.local_date(now, tz)
    at = functools.partial(_local_time, tz)

    db.session.add(Setting(key="training_valid_months", value=str(VALID_MONTHS)))
    chavez = School(name="César Chávez Elementary", code="CCE", timezone=TZ)
    parks = School(name="Rosa Parks Middle School", code="RPMS", timezone=TZ)
    db.session.add_all([chavez, parks])
    db.session.flush()
    staff = _staff(chavez, parks)
    _training(staff, [chavez, parks], today, at)
    classes = _classes(chavez, parks, staff.visitors)
    families = _families(rng, ((chavez, 48), (parks, 16)), classes)
    # One family with a child at each school: siblings across schools share one family.
    _sibling_at(families[chavez.id][0], parks, classes[parks.id][1])
    _asked_not_to_be_contacted(families[chavez.id][-1], now)
    db.session.flush()
    counts = {"visits": _visits(staff, chavez, parks, families, rng, today, at)}
    counts["attendance_months"] = seed_attendance(rng, now)
    db.session.commit()
    return counts


def _local_time(tz: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` on ``day`` by the district's clocks, in UTC as it is stored."""
    return datetime.combine(day, time(hour, minute), tz).astimezone(UTC)


def _account(email, name, role, school=None, languages="en") -> User:
    user, _ = create_account(
        name=name,
        email=email,
        role=role,
        school=school,
        by=None,
        password=DEMO_PASSWORD,
        languages=languages,
    )
    return user


def _staff(chavez: School, parks: School) -> Staff:
    """The district's people: an admin, a coordinator at each school, a trainer, eight visitors."""
    _account("admin@demo.test", "Dana Okafor", Role.ADMIN)
    coord1 = _account("coordinator@demo.test", "Marisol Vega", Role.COORDINATOR, chavez, "en es")
    coord2 = _account("coordinator2@demo.test", "James Whitfield", Role.COORDINATOR, parks)
    trainer = _account("trainer@demo.test", "Priya Raman", Role.TRAINER)
    visitor_specs = [
        ("Ana Morales", chavez, "en es"),
        ("Ben Carter", chavez, "en"),
        ("Linh Tran", chavez, "en vi"),
        ("Grace Kim", chavez, "en"),
        ("Omar Hassan", parks, "en so"),
        ("Rachel Stein", parks, "en"),
        ("Tom Becker", parks, "en"),
        ("Lucia Ferreira", parks, "en es"),
    ]
    visitors = [
        _account(f"visitor{i}@demo.test", name, Role.VISITOR, school, langs)
        for i, (name, school, langs) in enumerate(visitor_specs, start=1)
    ]
    grant_role(coord1, Role.VISITOR, chavez)  # coordinators often visit too
    return Staff(coord1, coord2, trainer, visitors)


def _training(staff: Staff, schools: list[School], today: date, at) -> None:
    """Everyone but visitor7 (lapsed) and visitor8 (never trained) is current."""
    trainer, visitors = staff.trainer, staff.visitors
    foundational = TrainingSession(
        title="Foundational home visit training",
        kind=TrainingKind.FOUNDATIONAL,
        starts_at=at(today - timedelta(days=100), 9),
        ends_at=at(today - timedelta(days=100), 15),
        place="District Office, Room 210",
        schools=list(schools),
        trainers=[trainer],
    )
    refresher = TrainingSession(
        title="Refresher: second visits and academics",
        kind=TrainingKind.REFRESHER,
        starts_at=at(today + timedelta(days=21), 15, 30),
        ends_at=at(today + timedelta(days=21), 17, 30),
        place="Rosa Parks Middle School, Library",
        schools=list(schools),
        trainers=[trainer],
    )
    db.session.add_all([foundational, refresher])
    db.session.flush()
    done_on = clock.local_date(foundational.starts_at, ZoneInfo(TZ))
    for person in [*visitors[:6], staff.chavez_coordinator]:
        db.session.add(
            TrainingCompletion(
                user=person,
                session=foundational,
                kind=TrainingKind.FOUNDATIONAL,
                completed_on=done_on,
                valid_until=add_months(done_on, VALID_MONTHS),
                recorded_by_id=trainer.id,
            )
        )
    old = today - timedelta(days=2 * 365 + 40)
    db.session.add(
        TrainingCompletion(
            user=visitors[6],
            kind=TrainingKind.FOUNDATIONAL,
            completed_on=old,
            valid_until=add_months(old, VALID_MONTHS),
            recorded_by_id=trainer.id,
        )
    )


def _classes(chavez: School, parks: School, visitors: list[User]) -> dict[int, list[SchoolClass]]:
    """Each school's classes, taught by visitors (their students' teacher of record)."""
    classes = {
        chavez: [
            ("Kindergarten – Room 2", "K", visitors[1]),
            ("Grade 1 – Room 6", "1", visitors[0]),
            ("Grade 2 – Room 9", "2", visitors[2]),
            ("Grade 3 – Room 11", "3", visitors[3]),
        ],
        parks: [
            ("Grade 6 Humanities", "6", visitors[4]),
            ("Grade 7 Humanities", "7", visitors[5]),
            ("Grade 8 Humanities", "8", visitors[6]),
        ],
    }
    class_rows: dict[int, list[SchoolClass]] = {}
    for school, specs in classes.items():
        for name, grade, teacher in specs:
            c = SchoolClass(school=school, name=name, grade=grade)
            db.session.add(c)
            db.session.flush()
            db.session.add(ClassTeacher(class_id=c.id, user_id=teacher.id))
            class_rows.setdefault(school.id, []).append(c)
    return class_rows


def _families(rng, targets, classes) -> dict[int, list[Family]]:
    """Families and their students, ``targets`` (school, students) at each school, siblings
    together."""
    families: dict[int, list[Family]] = {school.id: [] for school, _ in targets}
    number = 100
    for school, target in targets:
        made = 0
        while made < target:
            lang = rng.choice(LANGUAGE_MIX)
            surname = rng.choice(SURNAMES[lang])
            number += 1
            family = _family(rng, lang, surname, number)
            db.session.add(family)
            children = 2 if rng.random() < 0.2 and made + 2 <= target else 1
            for first_name in rng.sample(CHILDREN[lang], children):
                cls = rng.choice(classes[school.id])
                student = Student(
                    school=school,
                    family=family,
                    first_name=first_name,
                    last_name=surname,
                    grade=cls.grade,
                    sis_id=f"S{number:04d}{made:02d}",
                    classes=[cls],
                )
                db.session.add(student)
                made += 1
            families[school.id].append(family)
    db.session.flush()
    return families


def _family(rng, lang: str, surname: str, number: int) -> Family:
    """A family at home in ``lang``, with one guardian or two; ``number`` makes its phone
    numbers and email address its own."""
    family = Family(
        name=surname,
        address_line1=f"{rng.randint(100, 4999)} {rng.choice(STREETS)}",
        city="Oakland",
        postal_code=rng.choice(["94601", "94603", "94605", "94621"]),
        home_language=lang,
        interpreter_needed=lang != "en" and rng.random() < 0.6,
        preferred_contact_method=rng.choice([ContactMethod.CALL, ContactMethod.TEXT]),
        preferred_contact_times=rng.choice(
            ["After 5 pm", "Weekday mornings", "Weekends", "Lunchtime, 12–1"]
        ),
    )
    adults = rng.sample(ADULTS[lang], 2)
    family.guardians.append(
        Guardian(
            name=f"{adults[0]} {surname}",
            relationship_to_student="parent",
            phone=f"+1510555{number:04d}",
            language=lang,
            position=0,
            email=f"{adults[0].lower()}.{number}@example.org" if rng.random() < 0.5 else None,
        )
    )
    if rng.random() < 0.4:
        family.guardians.append(
            Guardian(
                name=f"{adults[1]} {surname}",
                relationship_to_student="parent",
                phone=f"+1510556{number:04d}",
                language=lang,
                position=1,
            )
        )
    return family


def _sibling_at(family: Family, school: School, cls: SchoolClass) -> None:
    db.session.add(
        Student(
            school=school,
            family=family,
            first_name="Marco",
            last_name=family.name.split()[0],
            grade="7",
            classes=[cls],
        )
    )


def _asked_not_to_be_contacted(family: Family, now: datetime) -> None:
    family.do_not_contact = True
    family.do_not_contact_at = now - timedelta(days=20)
    family.do_not_contact_reason = "Asked by phone not to be contacted again."


def _visits(staff: Staff, chavez, parks, families, rng, today: date, at) -> int:
    """A round of first visits at each school, with its teams; how many visits it made."""
    v = staff.visitors
    rounds = (
        (
            chavez,
            staff.chavez_coordinator,
            [(v[0], v[1]), (v[0], v[2]), (v[2], v[3]), (v[1], v[3])],
        ),
        (parks, staff.parks_coordinator, [(v[4], v[5])]),
    )
    made = 0
    for school, coordinator, teams in rounds:
        rnd = Round(
            school=school,
            name=f"Fall {today.year} first visits",
            visit_type=VisitType.FIRST,
            starts_on=today - timedelta(days=75),
            ends_on=today + timedelta(days=35),
            created_by_id=coordinator.id,
        )
        db.session.add(rnd)
        db.session.flush()
        made += seed_round(rnd, families[school.id], teams, coordinator, rng, today, at)
    return made


def _clear() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.flush()
    db.session.expunge_all()  # the rows are gone: forget the objects that stood for them
