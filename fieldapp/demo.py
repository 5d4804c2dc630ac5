"""Demo data: a small, realistic district, made through the same services the app uses."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.auth.services import create_account, grant_role
from fieldapp.extensions import db
from fieldapp.models import (
    ClassTeacher,
    ContactMethod,
    ContactOutcome,
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
    VisitMode,
    VisitType,
)
from fieldapp.training.services import add_months
from fieldapp.visits import services

DEMO_PASSWORD = "fieldapp-demo-2026"
TZ = "America/Los_Angeles"
VALID_MONTHS = 24

SURNAMES = {
    "en": [
        "Johnson",
        "Williams",
        "Brown",
        "Davis",
        "Miller",
        "Wilson",
        "Taylor",
        "Anderson",
        "Jackson",
        "White",
        "Harris",
        "Thompson",
        "Robinson",
        "Clark",
        "Lewis",
        "Walker",
    ],
    "es": [
        "García",
        "Hernández",
        "López",
        "Martínez",
        "Rodríguez",
        "Flores",
        "Ramírez",
        "Torres",
        "Morales",
        "Reyes",
        "Cruz",
        "Ortiz",
    ],
    "vi": ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"],
    "so": ["Abdi", "Hassan", "Mohamed", "Warsame"],
}
CHILDREN = {
    "en": ["Ava", "Liam", "Maya", "Noah", "Zoe", "Eli", "Nora", "Owen", "Ruby", "Jack"],
    "es": ["Sofía", "Mateo", "Valentina", "Diego", "Camila", "Santiago", "Lucía", "Emiliano"],
    "vi": ["Minh", "Linh", "An", "Bao", "Thu", "Khoa"],
    "so": ["Amina", "Hodan", "Yusuf", "Ayaan", "Farhan"],
}
ADULTS = {
    "en": ["Karen", "Michael", "Jessica", "David", "Ashley", "Chris"],
    "es": ["María", "José", "Guadalupe", "Juan", "Rosa", "Luis"],
    "vi": ["Hoa", "Tuan", "Mai", "Dung"],
    "so": ["Fadumo", "Abdullahi", "Khadra", "Ahmed"],
}
STREETS = [
    "Alder St",
    "Fruitvale Ave",
    "International Blvd",
    "Maple Ct",
    "E 14th St",
    "Foothill Blvd",
    "Harrison St",
    "Seminary Ave",
]


class DemoError(Exception):
    pass


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


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

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tz).astimezone(UTC)

    db.session.add(Setting(key="training_valid_months", value=str(VALID_MONTHS)))
    chavez = School(name="César Chávez Elementary", code="CCE", timezone=TZ)
    parks = School(name="Rosa Parks Middle School", code="RPMS", timezone=TZ)
    db.session.add_all([chavez, parks])
    db.session.flush()

    def account(email, name, role, school=None, languages="en"):
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

    account("admin@demo.test", "Dana Okafor", Role.ADMIN)
    coord1 = account("coordinator@demo.test", "Marisol Vega", Role.COORDINATOR, chavez, "en es")
    coord2 = account("coordinator2@demo.test", "James Whitfield", Role.COORDINATOR, parks)
    trainer = account("trainer@demo.test", "Priya Raman", Role.TRAINER)
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
        account(f"visitor{i}@demo.test", name, Role.VISITOR, school, langs)
        for i, (name, school, langs) in enumerate(visitor_specs, start=1)
    ]
    grant_role(coord1, Role.VISITOR, chavez)  # coordinators often visit too

    # Training: everyone but visitor7 (lapsed) and visitor8 (never trained) is current.
    foundational = TrainingSession(
        title="Foundational home visit training",
        kind=TrainingKind.FOUNDATIONAL,
        starts_at=at(today - timedelta(days=100), 9),
        ends_at=at(today - timedelta(days=100), 15),
        place="District Office, Room 210",
        schools=[chavez, parks],
        trainers=[trainer],
    )
    refresher = TrainingSession(
        title="Refresher: second visits and academics",
        kind=TrainingKind.REFRESHER,
        starts_at=at(today + timedelta(days=21), 15, 30),
        ends_at=at(today + timedelta(days=21), 17, 30),
        place="Rosa Parks Middle School, Library",
        schools=[chavez, parks],
        trainers=[trainer],
    )
    db.session.add_all([foundational, refresher])
    db.session.flush()
    done_on = clock.local_date(foundational.starts_at, tz)
    for person in [*visitors[:6], coord1]:
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

    # Classes, taught by visitors (their students' teacher of record).
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
    class_rows = {}
    for school, specs in classes.items():
        for name, grade, teacher in specs:
            c = SchoolClass(school=school, name=name, grade=grade)
            db.session.add(c)
            db.session.flush()
            db.session.add(ClassTeacher(class_id=c.id, user_id=teacher.id))
            class_rows.setdefault(school.id, []).append(c)

    # Families and students: 36 students at Chávez, 24 at Parks, siblings together.
    families: dict[int, list[Family]] = {chavez.id: [], parks.id: []}
    languages = ["en"] * 5 + ["es"] * 4 + ["vi"] * 2 + ["so"]
    number = 100
    for school, target in ((chavez, 36), (parks, 24)):
        made = 0
        while made < target:
            lang = rng.choice(languages)
            surname = rng.choice(SURNAMES[lang])
            number += 1
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
                    email=f"{adults[0].lower()}.{number}@example.org"
                    if rng.random() < 0.5
                    else None,
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
            db.session.add(family)
            children = 2 if rng.random() < 0.2 and made + 2 <= target else 1
            for first_name in rng.sample(CHILDREN[lang], children):
                cls = rng.choice(class_rows[school.id])
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
    # One family with a child at each school: siblings across schools share one family.
    cross = families[chavez.id][0]
    db.session.add(
        Student(
            school=parks,
            family=cross,
            first_name="Marco",
            last_name=cross.name.split()[0],
            grade="7",
            classes=[class_rows[parks.id][1]],
        )
    )
    families[chavez.id][-1].do_not_contact = True
    families[chavez.id][-1].do_not_contact_at = now - timedelta(days=20)
    families[chavez.id][-1].do_not_contact_reason = "Asked by phone not to be contacted again."
    db.session.flush()

    counts = {"visits": 0}
    for school, coordinator, teams in (
        (
            chavez,
            coord1,
            [
                (visitors[0], visitors[1]),
                (visitors[0], visitors[2]),
                (visitors[2], visitors[3]),
                (visitors[1], visitors[3]),
            ],
        ),
        (parks, coord2, [(visitors[4], visitors[5])]),
    ):
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
        counts["visits"] += _seed_round(
            rnd, families[school.id], teams, coordinator, rng, today, at
        )
    db.session.commit()
    return counts


def _seed_round(rnd, families, teams, coordinator, rng, today, at) -> int:
    """Visits for a round, in every status; the first team's visits walk through all of them."""
    plan = [
        "today",
        "completed",
        "scheduled",
        "contacting",
        "to_arrange",
        "reflect",
        "rescheduling",
        "declined",
        "cancelled",
        "completed",
        "scheduled",
        "to_arrange",
    ]
    made = 0
    for i, family in enumerate(f for f in families if not f.do_not_contact):
        students = [s for s in family.students if s.school_id == rnd.school_id]
        visit = services.create_visit(
            family=family,
            students=students,
            visit_type=rnd.visit_type,
            school_id=rnd.school_id,
            round=rnd,
            by=coordinator,
        )
        made += 1
        if i >= len(plan) * 2:
            continue  # the rest of the round is still unassigned
        team = teams[(i // len(plan)) % len(teams)] if i < len(plan) else teams[i % len(teams)]
        step = plan[i % len(plan)]
        services.assign_team(visit, list(team), on=rnd.ends_on, by=coordinator)
        if step == "to_arrange":
            continue
        lead = team[0]
        first_try = at(today - timedelta(days=rng.randint(8, 20)), 17)
        services.log_contact(
            visit,
            method=ContactMethod.CALL,
            outcome=ContactOutcome.NO_ANSWER,
            note=None,
            by=lead,
            at=first_try,
        )
        if step == "contacting":
            continue
        if step == "declined":
            services.log_contact(
                visit,
                method=ContactMethod.CALL,
                outcome=ContactOutcome.DECLINED,
                note="Busy season at work; maybe in spring.",
                by=lead,
                at=first_try + timedelta(days=2),
            )
            continue
        services.log_contact(
            visit,
            method=ContactMethod.TEXT,
            outcome=ContactOutcome.AGREED,
            note="Happy to meet at home.",
            by=lead,
            at=first_try + timedelta(days=1),
        )
        offset = {
            "today": 0,
            "scheduled": 2 + i % len(plan),  # distinct days: no double booking
            "completed": -(3 + 2 * (i % len(plan))),
            "reflect": -1,
            "rescheduling": 5,
            "cancelled": 6,
        }[step]
        day = today + timedelta(days=offset)
        # Each pass over the plan books its own hours, so that no visitor is booked twice at once.
        cycle = i // len(plan)
        start = at(day, 18 - 2 * cycle) if step == "today" else at(day, 16 + 2 * cycle, 30)
        booked_on = min(day, today) - timedelta(days=2)
        services.schedule_visit(
            visit,
            start=start,
            mode=VisitMode.HOME,
            place=family.address,
            by=lead,
            now=at(booked_on, 9),
        )
        if step == "rescheduling":
            services.request_reschedule(visit, reason="The family's shift changed.", by=lead)
        elif step == "cancelled":
            services.cancel_visit(visit, reason="The team's partner moved schools.", by=coordinator)
        elif step == "completed":
            child = students[0].first_name if students else "their child"
            minutes = rng.choice([35, 40, 45])
            services.submit_reflection(
                visit,
                # Written in the car just after the visit: a visit done on 13 Nov is recorded
                # on 13 Nov, not on the day the demo was seeded.
                now=start + timedelta(minutes=minutes + 20),
                by=lead,
                duration_minutes=minutes,
                shared={
                    "hopes_and_dreams": f"They hope {child} will be the first in the family to go "
                    "to college; {child} wants to be a veterinarian.".replace("{child}", child),
                    "strengths": "Grandmother reads with the children every night; "
                    "the family cooks together on Sundays.",
                    "want_school_to_know": f"{child} is shy at first but opens up with music.",
                    "best_way_to_reach": "Text in the evening, after 6 pm.",
                },
                private_note="Dad works nights; keep calls short.",
                follow_ups=[
                    (
                        "Send the library card form home",
                        team[1],
                        today + timedelta(days=rng.randint(-5, 10)),
                    )
                ],
            )
    return made


def _clear() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.flush()
    db.session.expunge_all()  # the rows are gone: forget the objects that stood for them
