"""Demo data: a small, realistic district, made through the same services the app uses."""

from __future__ import annotations

import functools
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from fieldapp import clock, rules
from fieldapp.auth.services import create_account, grant_role
from fieldapp.extensions import db
from fieldapp.models import (
    AttendanceMonth,
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
    Visit,
    VisitMode,
    VisitStatus,
    VisitStudent,
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

    # Families and students: 48 students at Chávez, 16 at Parks, siblings together.
    families: dict[int, list[Family]] = {chavez.id: [], parks.id: []}
    languages = ["en"] * 5 + ["es"] * 4 + ["vi"] * 2 + ["so"]
    number = 100
    for school, target in ((chavez, 48), (parks, 16)):
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
    counts["attendance_months"] = _seed_attendance(rng, now)
    db.session.commit()
    return counts


# Families at the end of a round left without a team: the coordinator's board has visits to assign.
UNASSIGNED = 6


def _seed_round(rnd, families, teams, coordinator, rng, today, at) -> int:
    """Visits for a round: in every status, the first team's visits walking through all of them;
    then families visited in the round's first weeks; the last few still without a team."""
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
    reachable = [f for f in families if not f.do_not_contact]
    planned = len(plan) * 2
    early = first_weeks(rnd.starts_on, today, len(reachable) - planned - UNASSIGNED)
    made = 0
    for i, family in enumerate(reachable):
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
        if i >= planned:
            k = i - planned
            if k < len(early):
                _visit_early(visit, teams[k % len(teams)], early[k], k, coordinator, rng, at)
            continue  # past the early visits, the rest of the round is still unassigned
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
            follow_up = (
                "Send the library card form home",
                team[1],
                today + timedelta(days=rng.randint(-5, 10)),
            )
            _reflect(visit, lead, start, rng, follow_ups=[follow_up])
    return made


def first_weeks(starts_on: date, today: date, count: int) -> list[date]:
    """``count`` days spread over a round's first weeks: from the day after it starts to the end
    of the month before last, so that a whole month of attendance that has ended follows each
    visit's month (the impact report's "after"). Early in a school year those weeks fall in the
    summer, or in the year before; none for a count under one."""
    first = starts_on + timedelta(days=1)
    last = add_months(today.replace(day=1), -1) - timedelta(days=1)
    span = (last - first).days + 1
    return [first + timedelta(days=k * span // count) for k in range(count)]


def _visit_early(visit, team, day, k, coordinator, rng, at) -> None:
    """A visit agreed on the phone a few days ahead and done on ``day``; the k-th of the round's
    early visits comes at its own hour, so that two on one day never book a visitor twice."""
    lead = team[0]
    services.assign_team(visit, list(team), on=day, by=coordinator)
    agreed = at(day - timedelta(days=4), 17)
    services.log_contact(
        visit,
        method=ContactMethod.CALL,
        outcome=ContactOutcome.AGREED,
        note="Happy to meet at home.",
        by=lead,
        at=agreed,
    )
    start = at(day, 16 + 2 * (k % 2), 30)
    services.schedule_visit(
        visit,
        start=start,
        mode=VisitMode.HOME,
        place=visit.family.address,
        by=lead,
        now=agreed + timedelta(minutes=15),
    )
    _reflect(visit, lead, start, rng)


def _reflect(visit, lead, start, rng, follow_ups=()) -> None:
    """The team's reflection, written in the car just after the visit: a visit done on 13 Nov is
    recorded on 13 Nov, not on the day the demo was seeded."""
    child = visit.students[0].first_name if visit.students else "their child"
    minutes = rng.choice([35, 40, 45])
    services.submit_reflection(
        visit,
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
        follow_ups=follow_ups,
    )


# ---- Attendance, for the impact report ---------------------------------------------------------

# Weekdays without school, beyond the summer: Labor Day; a staff day; Veterans Day and
# Thanksgiving; the winter break (its first half: the rest falls in January, with MLK Day);
# Presidents' week; César Chávez Day; the spring break; Memorial Day.
DAYS_OFF = {9: 1, 10: 1, 11: 4, 12: 8, 1: 3, 2: 5, 3: 1, 4: 5, 5: 1}
# A student's chance of missing a school day: lognormal around 5 %, so that most miss a few days
# and about one in six misses a tenth of the days or more (chronically absent).
ABSENCE_MEDIAN = 0.05
ABSENCE_SPREAD = 0.7
# A visited student misses a quarter fewer days in the months after the visit's month: a modest
# effect, for the impact report to find. Nobody else's chance changes.
AFTER_A_VISIT = 0.75
HALF_DAY = 0.05  # the chance of a month with a half day missed (sent home at noon)
_HALVES = [Decimal(n) / 2 for n in range(2 * 31 + 1)]


@functools.cache
def school_days(month: date) -> int:
    """Days of school in ``month`` (its first day) on the demo's calendar: the weekdays from the
    second Monday of August to the second Friday of June, less the holidays."""
    start, _ = rules.school_year(month)
    august = date(start.year, 8, 8)
    first = august + timedelta(days=-august.weekday() % 7)
    june = date(start.year + 1, 6, 8)
    last = june + timedelta(days=(4 - june.weekday()) % 7)
    day, end = max(month, first), min(add_months(month, 1) - timedelta(days=1), last)
    weekdays = sum((day + timedelta(days=n)).weekday() < 5 for n in range((end - day).days + 1))
    return max(0, weekdays - DAYS_OFF.get(month.month, 0))


def attendance_months(today: date) -> list[date]:
    """The months the demo has attendance for: the school months of the current school year that
    have ended by ``today``; and the whole year before as well while this one has fewer than
    three, so that early in the year the impact report still has a year worth showing."""
    this_month = today.replace(day=1)

    def ended(year_start: date) -> list[date]:
        months = (add_months(year_start, n) for n in range(12))
        return [m for m in months if m < this_month and school_days(m)]

    start, _ = rules.school_year(today)
    months = ended(start)
    if len(months) < 3:
        months = ended(add_months(start, -12)) + months
    return months


def attendance_imported_at(month: date, tz: ZoneInfo, now: datetime) -> datetime:
    """When the school's system exported ``month``: early on the third of the next month."""
    day = add_months(month, 1) + timedelta(days=2)
    return min(datetime.combine(day, time(6), tz).astimezone(UTC), now)


class FirstVisits:
    """Each student's first completed visit of each school year: the impact report's "visited"."""

    def __init__(self) -> None:
        self.days: dict[tuple[int, date], date] = {}

    def add(self, student_id: int, day: date) -> None:
        key = (student_id, _year_start(day))
        self.days[key] = min(day, self.days.get(key, day))

    def in_year_of(self, student_id: int, month: date) -> date | None:
        return self.days.get((student_id, _year_start(month)))


@functools.cache
def _year_start(day: date) -> date:
    return rules.school_year(day)[0]


def student_attendance(
    rng: random.Random, student_id: int, months: list[date], first_visits: FirstVisits
) -> list[tuple[date, Decimal, Decimal]]:
    """A student's (month, days enrolled, days absent), month by month."""
    rate = min(0.6, rng.lognormvariate(math.log(ABSENCE_MEDIAN), ABSENCE_SPREAD))
    rows = []
    for month in months:
        days = school_days(month)
        visited_on = first_visits.in_year_of(student_id, month)
        # A month that starts after the visit's day: one after the visit's month.
        after = visited_on is not None and month > visited_on
        chance = rate * AFTER_A_VISIT if after else rate
        halves = 2 * _days_missed(rng, days, chance)
        if halves < 2 * days and rng.random() < HALF_DAY:
            halves += 1
        rows.append((month, _HALVES[2 * days], _HALVES[halves]))
    return rows


def _days_missed(rng: random.Random, days: int, chance: float) -> int:
    """How many of ``days`` days, each missed with ``chance``, are missed (binomial): counted by
    the waiting times between misses, a few draws a month rather than one a day, which the
    district's 150,000 students notice."""
    log_kept = math.log(1 - chance)
    missed = day = 0
    while True:
        day += int(math.log(1 - rng.random()) / log_kept) + 1
        if day > days:
            return missed
        missed += 1


def _seed_attendance(rng: random.Random, now: datetime) -> int:
    """Every active student's attendance, month by month, as the school's system exports it."""
    first_visits = FirstVisits()
    completed = db.session.execute(
        select(VisitStudent.student_id, Visit.completed_at, School.timezone)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .join(School, School.id == Visit.school_id)
        .where(Visit.status == VisitStatus.COMPLETED)
    )
    for student_id, completed_at, zone in completed:
        first_visits.add(student_id, clock.local_date(completed_at, ZoneInfo(zone)))
    made = 0
    for school in db.session.scalars(select(School).order_by(School.id)):
        tz = ZoneInfo(school.timezone)
        months = attendance_months(clock.local_date(now, tz))
        imported = {m: attendance_imported_at(m, tz, now) for m in months}
        students = db.session.scalars(
            select(Student.id)
            .where(Student.school_id == school.id, Student.active)
            .order_by(Student.id)
        )
        for student_id in students:
            for month, enrolled, absent in student_attendance(
                rng, student_id, months, first_visits
            ):
                db.session.add(
                    AttendanceMonth(
                        student_id=student_id,
                        school_id=school.id,
                        month=month,
                        days_enrolled=enrolled,
                        days_absent=absent,
                        updated_at=imported[month],
                    )
                )
                made += 1
    db.session.flush()
    return made


def _clear() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.flush()
    db.session.expunge_all()  # the rows are gone: forget the objects that stood for them
