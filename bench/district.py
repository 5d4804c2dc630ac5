"""District-scale demo data: ~200 schools, ~10,000 staff, ~150,000 students in ~100,000
families, ~60,000 visits and the students' attendance month by month (``fieldapp.demo``'s
calendar and chances), for measuring the app on realistic volumes.

Rows go in with bulk inserts (``session.execute(insert(table), rows)`` in chunks, ids given
here), not as ORM objects one by one: the full district takes minutes, not hours. The data
follows the model's rules as the services would have enforced them (teams of 2–3 people trained
on the visit's day, no visitor booked twice at once, a reflection for every completed visit,
hours for the paid members only), but the rules are not run per row: ``tests/test_demo_district``
checks the invariants instead. Deterministic: the same ``scale`` and day give the same data.

The demo accounts of ``fieldapp.demo`` (password ``fieldapp-demo-2026``) are part of the
district, at its first two schools, with the workload of a real busy visitor or coordinator.
"""

from __future__ import annotations

import random
import time as timer
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, text

from fieldapp import clock
from fieldapp.auth.passwords import hash_password
from fieldapp.demo import DEMO_PASSWORD, TZ, DemoError, database_is_empty
from fieldapp.demo import _clear as clear_database
from fieldapp.demo.attendance import (
    FirstVisits,
    attendance_imported_at,
    attendance_months,
    student_attendance,
)
from fieldapp.demo.names import ADULTS, CHILDREN, STREETS, SURNAMES
from fieldapp.extensions import db
from fieldapp.models import (
    Attendance,
    AttendanceMonth,
    AuditEvent,
    ClassTeacher,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    Enrollment,
    Family,
    FollowUp,
    Guardian,
    HoursEntry,
    HoursExport,
    HoursMode,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Role,
    RoleAssignment,
    Round,
    RoundScope,
    School,
    SchoolClass,
    Setting,
    Student,
    TeamMember,
    TeamRole,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
    TrainingSessionSchool,
    TrainingSessionTrainer,
    User,
    Visit,
    VisitMode,
    VisitStatus,
    VisitStudent,
    VisitType,
)
from fieldapp.training.services import add_months

# Bump when the data this module makes changes: the benchmark rebuilds its cached dataset.
GENERATOR_VERSION = 2

SCHOOLS = 200
STAFF_PER_SCHOOL = 50
STUDENTS_PER_SCHOOL = 750  # 1.5 children per family: ~500 families per school
CLASSES_PER_SCHOOL = 30
SPRING_VISITS_PER_SCHOOL = 60  # last spring's second visits (a closed round)
FALL_VISITS_PER_SCHOOL = 240  # this fall's first visits (the open round)
TRAINERS = 12
VALID_MONTHS = 24
CHUNK = 5000  # rows per executemany

LANGUAGE_MIX = [("en", 55), ("es", 28), ("vi", 5), ("zh", 4), ("tl", 3), ("so", 2), ("ar", 3)]
# Names for the languages demo.py has none for.
SURNAMES_MORE = {
    "zh": ["Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wu", "Lin"],
    "tl": ["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"],
    "ar": ["Haddad", "Khalil", "Nasser", "Saleh", "Mansour"],
}
CHILDREN_MORE = {
    "zh": ["Wei", "Mei", "Jun", "Lan", "Hao", "Ying"],
    "tl": ["Joshua", "Angel", "Princess", "Paolo", "Bea"],
    "ar": ["Omar", "Layla", "Yousef", "Nour", "Adam", "Mariam"],
}
ADULTS_MORE = {
    "zh": ["Hui", "Ming", "Xiu", "Jian"],
    "tl": ["Maricel", "Rodel", "Jocelyn", "Arnel"],
    "ar": ["Fatima", "Khaled", "Rania", "Samir"],
}
STAFF_FIRST = [
    "Alex", "Jordan", "Taylor", "Morgan", "Casey", "Jamie", "Robin", "Sam", "Chris", "Pat",
    "Lee", "Dana", "Kim", "Terry", "Leslie", "Andrea", "Maria", "Carlos", "Mei", "Huong",
    "Aisha", "Fatima", "Daniel", "Sarah", "Emily", "Michael", "Jennifer", "David", "Laura",
    "Kevin", "Angela", "Brian", "Monica", "Steven", "Rosa", "Miguel", "Hannah", "Tuan",
]  # fmt: skip
STAFF_LAST = [
    "Anderson", "Baker", "Campbell", "Diaz", "Evans", "Fischer", "Gomez", "Hughes", "Ibrahim",
    "Jensen", "Kowalski", "Lopez", "Murphy", "Nakamura", "Olsen", "Patel", "Quinn", "Rivera",
    "Schmidt", "Tanaka", "Usman", "Vasquez", "Washington", "Xu", "Young", "Zimmerman",
    "Nguyen", "Okafor", "Chen", "Romero", "Sullivan", "Park", "Ali", "Moreno", "Brooks",
]  # fmt: skip
SCHOOL_NAMES = [
    "Lincoln", "Garfield", "Jefferson", "Roosevelt", "Franklin", "Washington", "Madison",
    "Emerson", "Hawthorne", "Whittier", "Longfellow", "Thoreau", "Alcott", "Muir", "Sequoia",
    "Redwood", "Bayview", "Hillcrest", "Lakeview", "Parkside", "Sunset", "Glenview", "Oak Grove",
    "Fruitvale", "Maxwell Park", "Brookfield", "Highland", "Allendale", "Manzanita", "Laurel",
    "Crocker", "Montclair", "Piedmont", "Cleveland", "Bella Vista", "Carl Munck", "Lockwood",
    "Markham", "Howard", "Burckhalter", "Esperanza", "Melrose", "Global Family", "Acorn",
    "Encompass", "Reach", "Elmhurst", "Frick", "Westlake", "Claremont",
]  # fmt: skip
GRADES = {
    "Elementary": ["K", "1", "2", "3", "4", "5"],
    "Middle School": ["6", "7", "8"],
    "High School": ["9", "10", "11", "12"],
}
HOPES = [
    "They hope {child} will be the first in the family to go to college; {child} wants to be "
    "a veterinarian.",
    "They want {child} to keep speaking the family's language and to love reading.",
    "{child} dreams of being an engineer; the family hopes {child} will stay curious.",
    "They hope {child} makes good friends this year and feels at home at school.",
    "The family hopes {child} will become a nurse like an aunt; {child} loves helping others.",
    "They want {child} to believe in themself; {child} wants to play in a band.",
]
STRENGTHS = [
    "Grandmother reads with the children every night.",
    "The family cooks together on Sundays and the children help plan the meals.",
    "Older siblings help with homework after dinner.",
    "The family is close to its church community, which helps with rides.",
    "Dad teaches {child} to fix bikes; {child} is patient and good with tools.",
    "Mom knows the neighbourhood well and organises the block's summer party.",
]
TO_KNOW = [
    "{child} is shy at first but opens up with music.",
    "{child} had a hard move last year; a steady routine helps.",
    "{child} is very proud of their drawings; ask to see them.",
    "Mornings are rushed: the family works early shifts.",
    "{child} wears glasses but often forgets them at home.",
]
REACH = [
    "Text in the evening, after 6 pm.",
    "Call Mom at lunchtime; she works nights.",
    "A note home in the backpack works best.",
    "Email on weekends.",
    "Call the grandmother during the day; she speaks Spanish.",
]
ACADEMIC = [
    "Reading fluency: practise 20 minutes a night with the library books.",
    "Fractions are hard; we shared games to play at home.",
    "Writing: {child} has ideas but stops after a sentence; we talked about drafts.",
    "Math facts; the family will use flash cards in the car.",
]
SUPPORT = [
    "The family will set a homework time after dinner.",
    "An older cousin will help with reading on weekends.",
    "They asked for the tutoring schedule; sent home the flyer.",
]
PRIVATE = [
    "Dad works nights; keep calls short.",
    "Grandmother is hard of hearing: speak up on the phone.",
    "Dog in the yard; call before coming to the door.",
    "Money is tight this month; mention the food pantry gently next time.",
]
FOLLOW = [
    "Send the library card form home",
    "Share the after-school program flyer",
    "Connect the family with the school nurse about glasses",
    "Invite the family to the science night",
    "Ask the counsellor about the tutoring list",
]
CONTACT_NOTES = [None, None, "Happy to meet at home.", "Prefers the library on Saturday.", None]


@dataclass
class Scale:
    """Sizes of the district for a scale factor (1.0: the full district). Below one school's
    worth, the one school shrinks too, so that a test can make a tiny district quickly."""

    factor: float

    @property
    def schools(self) -> int:
        return max(2, round(SCHOOLS * self.factor))  # the demo accounts work at two

    @property
    def per_school(self) -> float:
        return min(1.0, SCHOOLS * self.factor)

    def each(self, base: int, least: int = 1) -> int:
        return max(least, round(base * self.per_school))


@dataclass
class Person:
    id: int
    school: int | None
    languages: str
    trained_from: date | None = None  # None: never trained
    trained_until: date | None = None
    weight: float = 1.0  # how much of the school's visiting this person takes on
    cap: int = 40  # a busy visitor does a few dozen visits a year, not hundreds
    visits: int = 0

    def trained_on(self, day: date) -> bool:
        return self.trained_from is not None and self.trained_from <= day <= self.trained_until


@dataclass
class SchoolPlan:
    id: int
    tz: ZoneInfo
    grades: list[str]
    coordinator: int
    staff: list[Person] = field(default_factory=list)
    classes: dict[str, list[int]] = field(default_factory=dict)  # grade -> class ids
    families: list[tuple[int, str, bool, bool]] = field(default_factory=list)
    # family id -> this school's students of the family: (student id, first name)
    students: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    hours_mode: HoursMode = HoursMode.PER_VISIT


class Writer:
    """Buffers rows per table and writes them in dependency order, in chunks."""

    def __init__(self):
        self.rows: dict[Table, list[dict]] = {}
        self.ids: dict[Table, int] = {}
        self.counts: dict[str, int] = {}
        self.buffered = 0

    def next_id(self, model) -> int:
        table = model.__table__
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def add(self, model, **row) -> int | None:
        table = model.__table__
        if "id" in table.c and "id" not in row:
            row["id"] = self.next_id(model)
        self.rows.setdefault(table, []).append(row)
        self.counts[table.name] = self.counts.get(table.name, 0) + 1
        self.buffered += 1
        return row.get("id")

    def maybe_flush(self) -> None:
        """Called between whole objects (a family, a visit), never halfway through one."""
        if self.buffered >= 20 * CHUNK:
            self.flush()

    def flush(self) -> None:
        for table in db.metadata.sorted_tables:
            rows = self.rows.pop(table, None)
            for start in range(0, len(rows or ()), CHUNK):
                db.session.execute(insert(table), rows[start : start + CHUNK])
        self.buffered = 0


def seed(
    scale: float = 1.0,
    *,
    now: datetime | None = None,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill an empty database with a district ``scale`` times the full size. Returns row counts
    per table (and ``seconds``)."""
    started = timer.perf_counter()
    say = progress or (lambda _message: None)
    if not database_is_empty():
        if not reset:
            raise DemoError("The database already has data; use --reset to replace it.")
        clear_database()
        db.session.commit()
    if scale <= 0:
        raise DemoError("The scale factor must be above zero.")
    gen = _Generator(Scale(scale), now or clock.now(), say)
    gen.run()
    gen.out.flush()
    db.session.commit()
    _after_bulk_load()
    counts = dict(sorted(gen.out.counts.items()))
    counts["seconds"] = round(timer.perf_counter() - started, 1)
    say(f"done in {counts['seconds']} s")
    return counts


def _after_bulk_load() -> None:
    """Ids were given here: move PostgreSQL's sequences past them, so that the app's own
    inserts do not collide; and let the planner know the tables' sizes, as autovacuum would."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


class _Generator:
    def __init__(self, scale: Scale, now: datetime, say: Callable[[str], None]):
        self.scale = scale
        self.now = now
        self.say = say
        self.rng = random.Random(2026)
        self.tz = ZoneInfo(TZ)
        self.today = clock.local_date(now, self.tz)
        self.out = Writer()
        self.schools: list[SchoolPlan] = []
        self.trainers: list[int] = []
        self.booked: set[tuple[int, date, int]] = set()  # (person, day, slot)
        self.demo: dict[str, int] = {}
        self.roster: list[tuple[int, int]] = []  # (student id, school id)
        self.first_visits = FirstVisits()
        self.passwords: dict[str, str] = {}
        self.started = timer.perf_counter()

    # ---- helpers ------------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz).astimezone(UTC)

    def lang(self) -> str:
        return self.rng.choices([c for c, _ in LANGUAGE_MIX], [w for _, w in LANGUAGE_MIX])[0]

    def names(self, lang: str) -> tuple[list[str], list[str], list[str]]:
        surnames = SURNAMES.get(lang) or SURNAMES_MORE[lang]
        children = CHILDREN.get(lang) or CHILDREN_MORE[lang]
        adults = ADULTS.get(lang) or ADULTS_MORE[lang]
        return surnames, children, adults

    def audit(self, action: str, when: datetime, actor: int | None, obj: str, obj_id: int, **kw):
        school_id = kw.pop("school_id", None)
        self.out.add(
            AuditEvent,
            at=when,
            actor_id=actor,
            action=action,
            object_type=obj,
            object_id=obj_id,
            school_id=school_id,
            success=True,
            ip=None,
            detail=kw,
        )

    def lap(self, what: str) -> None:
        self.say(f"{what} ({timer.perf_counter() - self.started:.1f} s)")

    # ---- the district -------------------------------------------------------------------------

    def run(self) -> None:
        self.out.add(Setting, key="training_valid_months", value=str(VALID_MONTHS))
        self.make_schools()
        self.make_people()
        self.make_training()
        self.lap(f"{len(self.schools)} schools, staff and training")
        for school in self.schools:
            self.make_classes(school)
        for i, school in enumerate(self.schools):
            self.make_roster(school)
            self.make_rounds(school)
            if (i + 1) % 20 == 0:
                self.lap(f"{i + 1} schools' rosters and visits")
        self.lap("rosters and visits")
        self.make_attendance()
        self.lap("attendance")

    def make_schools(self) -> None:
        kinds = ["Elementary"] * 6 + ["Middle School"] * 2 + ["High School"] * 2
        for i in range(self.scale.schools):
            if i == 0:
                name, kind = "César Chávez Elementary", "Elementary"
                code = "CCE"
            elif i == 1:
                name, kind = "Rosa Parks Middle School", "Middle School"
                code = "RPMS"
            else:
                kind = kinds[i % len(kinds)]
                base = SCHOOL_NAMES[i % len(SCHOOL_NAMES)]
                suffix = f" {i // len(SCHOOL_NAMES) + 1}" if i >= len(SCHOOL_NAMES) else ""
                name, code = f"{base}{suffix} {kind}", f"S{i:03d}"
            mode = HoursMode.MINUTES if i % 7 == 3 else HoursMode.PER_VISIT
            school_id = self.out.add(
                School,
                name=name,
                code=code,
                timezone=TZ,
                hours_mode=mode,
                hours_per_visit=Decimal("1.00"),
                created_at=self.now - timedelta(days=900),
            )
            self.schools.append(
                SchoolPlan(
                    id=school_id, tz=self.tz, grades=GRADES[kind], coordinator=0, hours_mode=mode
                )
            )

    def user(self, email: str, name: str, languages: str = "en", password: str | None = None):
        return self.out.add(
            User,
            email=email,
            name=name,
            password_hash=password,
            active=True,
            staff_id=f"E{self.out.ids.get(User.__table__, 0) + 1:06d}",
            languages=languages,
            failed_logins=0,
            session_version=1,
            created_at=self.now - timedelta(days=self.rng.randint(200, 900)),
        )

    def role(self, user_id: int, role: Role, school: int | None = None) -> None:
        self.out.add(RoleAssignment, user_id=user_id, role=role, school_id=school)

    def trained(self, kind: str) -> tuple[date | None, date | None]:
        """A training history: ``current`` (trained before last spring), ``fall`` (trained at
        this fall's session), ``lapsing`` (lapses within a month), ``lapsed``, ``never``."""
        t = self.today
        # A handful of session days per history, as trainings are held on a few days a year.
        if kind == "current":
            done = t - timedelta(days=280 + 65 * self.rng.randint(0, 6))
        elif kind == "fall":
            done = t - timedelta(days=100)
        elif kind == "lapsing":
            done = add_months(t + timedelta(days=7 * self.rng.randint(1, 4)), -VALID_MONTHS)
        elif kind == "lapsed":
            done = t - timedelta(days=800 + 50 * self.rng.randint(0, 4))
        else:
            return None, None
        return done, add_months(done, VALID_MONTHS)

    def make_people(self) -> None:
        admin = self.user("admin@demo.test", "Dana Okafor", password=hash_password(DEMO_PASSWORD))
        self.role(admin, Role.ADMIN)
        trainer = self.user(
            "trainer@demo.test", "Priya Raman", password=hash_password(DEMO_PASSWORD)
        )
        self.role(trainer, Role.TRAINER)
        self.demo.update(admin=admin, trainer=trainer)
        self.trainers = [trainer]
        for n in range(TRAINERS - 1):
            first, last = STAFF_FIRST[n % len(STAFF_FIRST)], STAFF_LAST[(n * 7) % len(STAFF_LAST)]
            tid = self.user(f"trainer.{n + 1}@district.test", f"{first} {last}")
            self.role(tid, Role.TRAINER)
            self.trainers.append(tid)
        visitor_specs = [
            ("Ana Morales", 0, "en es", "current"),
            ("Ben Carter", 0, "en", "current"),
            ("Linh Tran", 0, "en vi", "current"),
            ("Grace Kim", 0, "en", "current"),
            ("Omar Hassan", 1, "en so", "current"),
            ("Rachel Stein", 1, "en", "current"),
            ("Tom Becker", 1, "en", "lapsed"),
            ("Lucia Ferreira", 1, "en es", "never"),
        ]
        mixes = [("current", 52), ("fall", 10), ("lapsing", 4), ("lapsed", 8), ("never", 26)]
        for index, school in enumerate(self.schools):
            if index == 0:
                uid = self.user(
                    "coordinator@demo.test",
                    "Marisol Vega",
                    "en es",
                    password=hash_password(DEMO_PASSWORD),
                )
                self.role(uid, Role.VISITOR, school.id)  # coordinators often visit too
                self.demo["coordinator"] = uid
                kind = "current"
            elif index == 1:
                uid = self.user(
                    "coordinator2@demo.test",
                    "James Whitfield",
                    password=hash_password(DEMO_PASSWORD),
                )
                self.demo["coordinator2"] = uid
                kind = "never"
            else:
                uid = self.staff_user(school)
                kind = "current"
            self.role(uid, Role.COORDINATOR, school.id)
            school.coordinator = uid
            start, until = self.trained(kind)
            langs = "en es" if index == 0 else "en"
            school.staff.append(Person(uid, school.id, langs, start, until, weight=0.3, cap=10))
            count = self.scale.each(STAFF_PER_SCHOOL, least=8) - 1
            demo_here = [s for s in visitor_specs if s[1] == index]
            for n in range(count):
                if n < len(demo_here):
                    name, _, langs, kind = demo_here[n]
                    number = visitor_specs.index(demo_here[n]) + 1
                    uid = self.user(
                        f"visitor{number}@demo.test",
                        name,
                        langs,
                        password=hash_password(DEMO_PASSWORD),
                    )
                    self.demo[f"visitor{number}"] = uid
                    # visitor1 is the busiest visitor of the school; the others are typical.
                    weight, cap = (6.0, 30) if number == 1 else (1.5, 20)
                else:
                    langs = "en" if self.rng.random() < 0.6 else f"en {self.lang()}"
                    langs = " ".join(dict.fromkeys(langs.split()))
                    uid = self.staff_user(school, langs)
                    kind = self.rng.choices([k for k, _ in mixes], [w for _, w in mixes])[0]
                    weight = self.rng.lognormvariate(0, 0.8)
                    cap = 40
                self.role(uid, Role.VISITOR, school.id)
                start, until = self.trained(kind)
                school.staff.append(Person(uid, school.id, langs, start, until, weight, cap))

    def staff_user(self, school: SchoolPlan, languages: str = "en") -> int:
        number = self.out.ids.get(User.__table__, 0) + 1
        first = STAFF_FIRST[self.rng.randrange(len(STAFF_FIRST))]
        last = STAFF_LAST[self.rng.randrange(len(STAFF_LAST))]
        email = f"{first.lower()}.{last.lower()}.{number}@district.test"
        # Staff from the roster import: no password until they are invited.
        return self.user(email, f"{first} {last}", languages)

    def make_training(self) -> None:
        """Foundational sessions per group of ten schools; everyone trained completed one."""
        groups = [self.schools[i : i + 10] for i in range(0, len(self.schools), 10)]
        for group in groups:
            sessions: dict[date, int] = {}
            for school in group:
                for person in school.staff:
                    if person.trained_from is None:
                        continue
                    day = person.trained_from
                    if day not in sessions:
                        sessions[day] = self.session(day, group, TrainingKind.FOUNDATIONAL)
                    self.out.add(
                        Attendance,
                        session_id=sessions[day],
                        user_id=person.id,
                        marked_at=self.at(day, 9, 30),
                        marked_by_id=self.trainers[0],
                    )
                    self.out.add(
                        TrainingCompletion,
                        user_id=person.id,
                        session_id=sessions[day],
                        kind=TrainingKind.FOUNDATIONAL,
                        completed_on=day,
                        valid_until=person.trained_until,
                        recorded_by_id=self.trainers[0],
                        created_at=self.at(day, 16),
                    )
            # Upcoming: a foundational session and a refresher for the group.
            self.session(self.today + timedelta(days=self.rng.randint(7, 30)), group)
            self.session(
                self.today + timedelta(days=self.rng.randint(20, 60)), group, TrainingKind.REFRESHER
            )

    def session(self, day: date, schools: list[SchoolPlan], kind=TrainingKind.FOUNDATIONAL) -> int:
        title = (
            "Foundational home visit training"
            if kind == TrainingKind.FOUNDATIONAL
            else "Refresher: second visits and academics"
        )
        trainer = self.trainers[self.rng.randrange(len(self.trainers))]
        sid = self.out.add(
            TrainingSession,
            title=title,
            kind=kind,
            starts_at=self.at(day, 9),
            ends_at=self.at(day, 15),
            place=f"District Office, Room {self.rng.randint(100, 320)}",
            created_by_id=trainer,
            created_at=self.at(day - timedelta(days=30), 10),
        )
        for school in schools:
            self.out.add(TrainingSessionSchool, session_id=sid, school_id=school.id)
        self.out.add(TrainingSessionTrainer, session_id=sid, user_id=trainer)
        return sid

    # ---- one school's roster ------------------------------------------------------------------

    def make_classes(self, school: SchoolPlan) -> None:
        teachers = [p.id for p in school.staff[1:]]  # the coordinator teaches no class
        per_grade = max(1, self.scale.each(CLASSES_PER_SCHOOL) // len(school.grades))
        n = 0
        for grade in school.grades:
            for k in range(per_grade):
                label = "Kindergarten" if grade == "K" else f"Grade {grade}"
                cid = self.out.add(
                    SchoolClass,
                    school_id=school.id,
                    name=f"{label} – Room {k + 1 + 10 * school.grades.index(grade)}",
                    grade=grade,
                    active=True,
                )
                self.out.add(ClassTeacher, class_id=cid, user_id=teachers[n % len(teachers)])
                n += 1
                school.classes.setdefault(grade, []).append(cid)

    def make_roster(self, school: SchoolPlan) -> None:
        target = self.scale.each(STUDENTS_PER_SCHOOL, least=20)
        made = 0
        while made < target:
            lang = self.lang()
            surnames, children, adults = self.names(lang)
            surname = self.rng.choice(surnames)
            dnc = self.rng.random() < 0.02
            interpreter = lang != "en" and self.rng.random() < 0.6
            fid = self.out.add(
                Family,
                name=surname,
                address_line1=f"{self.rng.randint(100, 9999)} {self.rng.choice(STREETS)}",
                address_line2=None,
                city="Oakland",
                postal_code=self.rng.choice(["94601", "94603", "94605", "94606", "94621"]),
                home_language=lang,
                interpreter_needed=interpreter,
                preferred_contact_method=self.rng.choice(
                    [ContactMethod.CALL, ContactMethod.TEXT, ContactMethod.TEXT, None]
                ),
                preferred_contact_times=self.rng.choice(
                    ["After 5 pm", "Weekday mornings", "Weekends", "Lunchtime, 12–1", None]
                ),
                do_not_contact=dnc,
                do_not_contact_at=self.now - timedelta(days=self.rng.randint(30, 400))
                if dnc
                else None,
                do_not_contact_reason="Asked by phone not to be contacted again." if dnc else None,
                placeholder=False,
                created_at=self.now - timedelta(days=400),
                updated_at=self.now - timedelta(days=30),
            )
            guardians = 2 if self.rng.random() < 0.45 else 1
            for position, adult in enumerate(self.rng.sample(adults, guardians)):
                gid = self.out.next_id(Guardian)
                self.out.add(
                    Guardian,
                    id=gid,
                    family_id=fid,
                    name=f"{adult} {surname}",
                    relationship_to_student=self.rng.choice(
                        ["parent", "parent", "parent", "grandparent", "aunt", "uncle"]
                    ),
                    phone=f"+1510{5550000 + gid % 4000000:07d}",
                    email=f"{adult.lower()}.{gid}@example.org" if self.rng.random() < 0.5 else None,
                    language=lang,
                    position=position,
                )
            kids = self.rng.choices([1, 2, 3], [60, 30, 10])[0]
            kids = min(kids, target - made)
            school.students[fid] = []
            for first in self.rng.sample(children, kids):
                grade = self.rng.choice(school.grades)
                sid = self.student(school, fid, first, surname, grade)
                school.students[fid].append((sid, first))
                made += 1
            # A few siblings go to another school of the district (counted there as extra).
            if len(self.schools) > 1 and self.rng.random() < 0.03:
                other = self.schools[(self.schools.index(school) + 1) % len(self.schools)]
                if other is not school:
                    first = self.rng.choice(children)
                    self.student(other, fid, first, surname, self.rng.choice(other.grades))
            school.families.append((fid, lang, interpreter, dnc))
            self.out.maybe_flush()

    def student(self, school: SchoolPlan, fid: int, first: str, last: str, grade: str) -> int:
        sid = self.out.next_id(Student)
        self.out.add(
            Student,
            id=sid,
            school_id=school.id,
            family_id=fid,
            first_name=first,
            last_name=last,
            grade=grade,
            sis_id=f"S{sid:07d}",
            active=True,
            created_at=self.now - timedelta(days=400),
            updated_at=self.now - timedelta(days=30),
        )
        self.out.add(Enrollment, student_id=sid, class_id=self.rng.choice(school.classes[grade]))
        self.roster.append((sid, school.id))
        return sid

    def make_attendance(self) -> None:
        """Every student's attendance, month by month, once the visits are known: a visited
        student misses fewer days after the visit."""
        months = attendance_months(self.today)
        imported = {m: attendance_imported_at(m, self.tz, self.now) for m in months}
        for sid, school_id in self.roster:
            for month, enrolled, absent in student_attendance(
                self.rng, sid, months, self.first_visits
            ):
                self.out.add(
                    AttendanceMonth,
                    student_id=sid,
                    school_id=school_id,
                    month=month,
                    days_enrolled=enrolled,
                    days_absent=absent,
                    updated_at=imported[month],
                )
            self.out.maybe_flush()

    # ---- rounds and visits --------------------------------------------------------------------

    def make_rounds(self, school: SchoolPlan) -> None:
        t = self.today
        spring = self.out.add(
            Round,
            school_id=school.id,
            name=f"Spring {(t - timedelta(days=225)).year} second visits",
            visit_type=VisitType.SECOND,
            starts_on=t - timedelta(days=270),
            ends_on=t - timedelta(days=180),
            scope=RoundScope.SCHOOL,
            scope_values=[],
            closed_at=self.at(t - timedelta(days=175), 12),
            created_by_id=school.coordinator,
            created_at=self.at(t - timedelta(days=280), 10),
        )
        fall = self.out.add(
            Round,
            school_id=school.id,
            name=f"Fall {t.year} first visits",
            visit_type=VisitType.FIRST,
            starts_on=t - timedelta(days=75),
            ends_on=t + timedelta(days=35),
            scope=RoundScope.SCHOOL,
            scope_values=[],
            closed_at=None,
            created_by_id=school.coordinator,
            created_at=self.at(t - timedelta(days=80), 10),
        )
        reachable = [f for f in school.families if not f[3]]
        spring_families = self.rng.sample(
            school.families, min(len(school.families), self.scale.each(SPRING_VISITS_PER_SCHOOL))
        )
        spring_plan = self.rng.choices(
            ["completed", "declined", "cancelled", "dnc"], [85, 5, 8, 2], k=len(spring_families)
        )
        spring_export = self.out.add(
            HoursExport,
            school_id=school.id,
            period_start=t - timedelta(days=270),
            period_end=t - timedelta(days=180),
            exported_at=self.at(t - timedelta(days=170), 11),
            exported_by_id=school.coordinator,
        )
        for family, planned in zip(spring_families, spring_plan, strict=True):
            # A do-not-contact family's wish dates from this round; nobody else asked for it.
            step = "dnc" if family[3] else ("declined" if planned == "dnc" else planned)
            self.visit(school, spring, VisitType.SECOND, family, step, spring_export)
            self.out.maybe_flush()
        fall_families = self.rng.sample(
            reachable, min(len(reachable), self.scale.each(FALL_VISITS_PER_SCHOOL))
        )
        steps = [
            ("completed", 60),
            ("to_reflect", 3),
            ("upcoming", 8),
            ("contacting", 8),
            ("to_arrange", 4),
            ("unassigned", 7),
            ("rescheduling", 2),
            ("declined", 5),
            ("cancelled", 3),
        ]
        plan = self.rng.choices([s for s, _ in steps], [w for _, w in steps], k=len(fall_families))
        if school is self.schools[0]:
            # visitor1 leads one visit in every state, one of them today.
            forced = ["today", *(s for s, _ in steps if s != "unassigned")]
            plan[: len(forced)] = forced
        for i, (family, step) in enumerate(zip(fall_families, plan, strict=True)):
            lead = self.demo.get("visitor1") if school is self.schools[0] and i < 9 else None
            self.visit(school, fall, VisitType.FIRST, family, step, None, lead=lead)
            self.out.maybe_flush()

    def visit_day(self, step: str, round_start: date, round_end: date) -> date | None:
        t = self.today
        if step == "today":
            return t
        if step == "upcoming":
            return t + timedelta(days=self.rng.randint(1, (round_end - t).days))
        if step == "to_reflect":
            return t - timedelta(days=self.rng.randint(1, 6))
        if step in ("completed", "cancelled", "rescheduling"):
            if round_end < t:  # a closed round: spread over it
                return round_start + timedelta(
                    days=self.rng.randint(5, (round_end - round_start).days)
                )
            if step == "rescheduling":
                return t + timedelta(days=self.rng.randint(1, 10))
            # Most fall visits happen in a few weeks: around six weeks ago.
            days = round(self.rng.gauss(40, 9))
            return t - timedelta(days=min(max(days, 7), (t - round_start).days - 3))
        return None

    def slots(self, day: date) -> list[tuple[int, int]]:
        if day.weekday() >= 5:
            return [(10, 0), (11, 0), (13, 0), (14, 0), (15, 0)]
        return [(15, 30), (16, 30), (17, 30), (18, 30), (19, 30)]

    def team(
        self, school: SchoolPlan, day: date, valid_on: list[date], lead: int | None
    ) -> tuple[list[Person], int] | None:
        """Two (sometimes three) people trained on every date of ``valid_on``, free at one slot
        of ``day`` (or any slot when ``day`` is None); None when nobody is."""
        pool = [
            p
            for p in school.staff
            if p.visits < p.cap and all(p.trained_on(d) for d in valid_on) and p.id != lead
        ]
        first = next((p for p in school.staff if p.id == lead), None)
        size = 3 if self.rng.random() < 0.05 else 2
        for _attempt in range(6):
            if first is not None:
                picked = [first, *self.pick(pool, size - 1)]
            else:
                picked = self.pick(pool, size)
            if len(picked) < 2:
                return None
            if day is None:
                return picked, -1
            free = [
                n
                for n in range(len(self.slots(day)))
                if all((p.id, day, n) not in self.booked for p in picked)
            ]
            if free:
                # The demo's lead gets the evening's last slot: today's visit is still ahead.
                slot = free[-1] if lead else self.rng.choice(free)
                return picked, slot
        return None

    def pick(self, pool: list[Person], k: int) -> list[Person]:
        chosen: list[Person] = []
        candidates = list(pool)
        while candidates and len(chosen) < k:
            p = self.rng.choices(candidates, [c.weight for c in candidates])[0]
            chosen.append(p)
            candidates.remove(p)
        return chosen

    def interpreter(self, school: SchoolPlan, lang: str, team: list[Person], day, slot):
        able = [
            p
            for p in school.staff
            if lang in p.languages.split()
            and p not in team
            and p.visits < p.cap
            and (day is None or (p.id, day, slot) not in self.booked)
        ]
        return self.rng.choice(able) if able else None

    def visit(
        self,
        school: SchoolPlan,
        round_id: int,
        visit_type: VisitType,
        family: tuple[int, str, bool, bool],
        step: str,
        export_id: int | None,
        lead: int | None = None,
    ) -> None:
        fid, lang, needs_interpreter, _dnc = family
        t = self.today
        spring = visit_type == VisitType.SECOND
        round_start = t - timedelta(days=270 if spring else 75)
        round_end = t - timedelta(days=180 if spring else -35)
        created = self.at(round_start, 8)
        day = self.visit_day(step, round_start, round_end)
        picked = None
        if step not in ("unassigned",):
            valid_on = [day] if day is not None and day < t else [t, round_end]
            if day is not None and day >= t:
                valid_on.append(day)
            if step in ("dnc", "declined") and day is None:
                valid_on = [round_start + timedelta(days=20)] if spring else [t, round_end]
            picked = self.team(school, day, valid_on, lead)
            if picked is None:
                step = "unassigned"  # nobody free: the coordinator still has to find a pair
                day = None
        status = {
            "completed": VisitStatus.COMPLETED,
            "to_reflect": VisitStatus.SCHEDULED,
            "upcoming": VisitStatus.SCHEDULED,
            "today": VisitStatus.SCHEDULED,
            "contacting": VisitStatus.CONTACTING,
            "to_arrange": VisitStatus.TO_ARRANGE,
            "unassigned": VisitStatus.TO_ARRANGE,
            "rescheduling": VisitStatus.RESCHEDULING,
            "declined": VisitStatus.DECLINED,
            "dnc": VisitStatus.DECLINED,
            "cancelled": VisitStatus.CANCELLED,
        }[step]
        start = None
        members: list[Person] = []
        interpreter = None
        slot = -1
        if picked is not None:
            members, slot = picked
            if day is not None:
                hour, minute = self.slots(day)[slot]
                start = self.at(day, hour, minute)
            speaks = any(lang in p.languages.split() for p in members)
            if needs_interpreter and not speaks and len(members) == 2:
                interpreter = self.interpreter(school, lang, members, day, slot)
            for p in [*members, *([interpreter] if interpreter else [])]:
                p.visits += 1
                if day is not None:
                    self.booked.add((p.id, day, slot))
        vid = self.out.next_id(Visit)
        students = school.students.get(fid) or []
        agreed = None
        completed_at = None
        reason = {
            "declined": "The family declined.",
            "dnc": "The family asked not to be contacted again.",
            "cancelled": "The team's partner moved schools.",
            "rescheduling": "The family's shift changed.",
        }.get(step)
        lead_id = members[0].id if members else None
        updated = created
        self.audit("visit.create", created, school.coordinator, "visit", vid, school_id=school.id)
        if members:
            assigned = created + timedelta(days=self.rng.randint(1, 10), hours=2)
            updated = assigned
            self.audit(
                "visit.assign",
                assigned,
                school.coordinator,
                "visit",
                vid,
                school_id=school.id,
                team=[p.id for p in members] + ([interpreter.id] if interpreter else []),
            )
        # Contacts: a few tries, then the family's answer.
        contacts: list[tuple[datetime, ContactOutcome]] = []
        if members and step not in ("to_arrange", "unassigned"):
            if start is not None:
                answer_day = day - timedelta(days=self.rng.randint(2, 10))
            else:
                answer_day = min(t - timedelta(days=1), round_start + timedelta(days=25))
            answer = self.at(answer_day, 17, self.rng.choice([0, 15, 30, 45]))
            tries = self.rng.choices([0, 1, 2, 3], [40, 35, 18, 7])[0]
            for n in range(tries, 0, -1):
                contacts.append(
                    (
                        answer - timedelta(days=n * self.rng.randint(1, 3), hours=1),
                        self.rng.choice([ContactOutcome.NO_ANSWER, ContactOutcome.LEFT_MESSAGE]),
                    )
                )
            if step == "contacting":
                if not contacts:
                    contacts.append((answer, ContactOutcome.NO_ANSWER))
            elif step == "declined":
                contacts.append((answer, ContactOutcome.DECLINED))
            elif step == "dnc":
                contacts.append((answer, ContactOutcome.DO_NOT_CONTACT))
            else:
                contacts.append((answer, ContactOutcome.AGREED))
                if step != "rescheduling":
                    agreed = answer
            for when, outcome in contacts:
                self.out.add(
                    ContactAttempt,
                    visit_id=vid,
                    by_id=lead_id,
                    method=self.rng.choices(list(ContactMethod), [50, 38, 6, 4, 2])[0],
                    outcome=outcome,
                    note=self.rng.choice(CONTACT_NOTES)
                    if outcome == ContactOutcome.AGREED
                    else None,
                    at=when,
                    client_id=None,
                )
                self.audit(
                    "visit.contact",
                    when,
                    lead_id,
                    "visit",
                    vid,
                    school_id=school.id,
                    outcome=outcome.value,
                )
                updated = max(updated, when)
        if start is not None:
            booked_at = min(contacts[-1][0] + timedelta(minutes=10), self.now)
            self.audit("visit.schedule", booked_at, lead_id, "visit", vid, school_id=school.id)
            updated = max(updated, booked_at)
        duration = self.rng.choice([30, 35, 40, 40, 45, 50])
        if step == "completed":
            completed_at = min(
                start + timedelta(minutes=40 + self.rng.randint(20, 60 * 20)), self.now
            )
            updated = completed_at
            for sid, _ in students:
                self.first_visits.add(sid, clock.local_date(completed_at, school.tz))
        mode = None
        place = None
        if start is not None:
            mode = self.rng.choices(list(VisitMode), [80, 15, 5])[0]
            place = {
                VisitMode.HOME: None,
                VisitMode.NEUTRAL: "Public library, children's corner",
                VisitMode.VIDEO: "https://video.example.org/visit",
            }[mode]
        self.out.add(
            Visit,
            id=vid,
            school_id=school.id,
            round_id=round_id,
            family_id=fid,
            visit_type=visit_type,
            status=status,
            mode=mode,
            place=place,
            family_agreed_at=agreed,
            scheduled_start=start,
            planned_minutes=40,
            status_reason=reason,
            completed_at=completed_at,
            created_at=created,
            updated_at=updated,
            version=1 + len(contacts) + (1 if members else 0) + (1 if start else 0),
        )
        for sid, _ in students:
            self.out.add(VisitStudent, visit_id=vid, student_id=sid)
        for p in members:
            self.out.add(TeamMember, visit_id=vid, user_id=p.id, role=TeamRole.VISITOR)
        if interpreter is not None:
            self.out.add(
                TeamMember, visit_id=vid, user_id=interpreter.id, role=TeamRole.INTERPRETER
            )
        if step == "to_reflect" and self.rng.random() < 0.5:
            self.out.add(
                ReflectionDraft,
                visit_id=vid,
                user_id=lead_id,
                data={"duration_minutes": str(duration), "hopes_and_dreams": "They hope"},
                updated_at=start + timedelta(hours=1),
            )
        if step == "completed":
            self.reflect(school, vid, visit_type, fid, students, members, interpreter, start,
                         completed_at, duration, export_id)  # fmt: skip

    def reflect(
        self,
        school: SchoolPlan,
        vid: int,
        visit_type: VisitType,
        fid: int,
        students: list[tuple[int, str]],
        members: list[Person],
        interpreter: Person | None,
        start: datetime,
        submitted: datetime,
        duration: int,
        export_id: int | None,
    ) -> None:
        child = students[0][1] if students else "their child"

        def say(options: list[str]) -> str:
            return self.rng.choice(options).replace("{child}", child)

        first = visit_type == VisitType.FIRST
        rid = self.out.add(
            Reflection,
            visit_id=vid,
            author_id=members[0].id,
            duration_minutes=duration,
            hopes_and_dreams=say(HOPES) if first else None,
            strengths=say(STRENGTHS) if first else None,
            want_school_to_know=say(TO_KNOW) if first else None,
            best_way_to_reach=say(REACH) if first else None,
            academic_focus=None if first else say(ACADEMIC),
            family_support=None if first else say(SUPPORT),
            submitted_at=submitted,
            client_id=None,
        )
        if self.rng.random() < 0.3:
            self.out.add(PrivateNote, reflection_id=rid, text=say(PRIVATE))
        self.audit("visit.reflect", submitted, members[0].id, "visit", vid, school_id=school.id)
        earned_on = clock.local_date(start, self.tz)
        if school.hours_mode == HoursMode.MINUTES:
            hours = (Decimal(duration) / Decimal(60)).quantize(Decimal("0.01"))
        else:
            hours = Decimal("1.00")
        paid = [(p, TeamRole.VISITOR) for p in members if p.trained_on(earned_on)]
        if interpreter is not None:
            paid.append((interpreter, TeamRole.INTERPRETER))
        for person, role in paid:
            self.out.add(
                HoursEntry,
                visit_id=vid,
                user_id=person.id,
                school_id=school.id,
                role=role,
                hours=hours,
                earned_on=earned_on,
                export_id=export_id,
                created_at=submitted,
            )
        if self.rng.random() < 0.35:
            owner = self.rng.choice(members)
            due = earned_on + timedelta(days=self.rng.randint(7, 21))
            done = due < self.today and self.rng.random() < 0.75
            self.out.add(
                FollowUp,
                family_id=fid,
                visit_id=vid,
                owner_id=owner.id,
                description=self.rng.choice(FOLLOW),
                due_on=due,
                done_at=self.at(due - timedelta(days=self.rng.randint(0, 5)), 15) if done else None,
                done_by_id=owner.id if done else None,
                created_at=submitted,
            )
