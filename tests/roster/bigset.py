"""A generated OneRoster 1.1 set of district size, for the timing test and by hand:
``python -m tests.roster.bigset OUT.zip [STUDENTS]``."""

from __future__ import annotations

import csv
import io
import random
import sys
import zipfile

FIRST = ["Ana", "Luis", "Minh", "Sam", "Lena", "Mia", "Omar", "Ivy", "Noah", "Zoe", "Ravi", "Lea"]
LAST = ["Lopez", "Nguyen", "Okafor", "Park", "Smith", "Garcia", "Khan", "Haddad", "Chen", "Ali"]
USERS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
]


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def files(students: int = 30_000, schools: int = 20, seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    per_class = 25
    classes = students // per_class
    orgs = [(f"SCH{s}", "", "", f"School {s}", "school", f"S{s:03}", "") for s in range(schools)]
    users, class_rows, enrollments = [], [], []
    for c in range(classes):
        school = f"SCH{c % schools}"
        grade = str(c % 6 + 1)
        class_rows.append(
            (
                f"C{c}",
                "",
                "",
                f"Grade {grade} room {c}",
                grade,
                "",
                "",
                "homeroom",
                "",
                school,
                "",
                "",
                "",
                "",
            )
        )
        users.append(
            (
                f"T{c}",
                "",
                "",
                "true",
                school,
                "teacher",
                f"t{c}",
                "",
                rng.choice(FIRST),
                rng.choice(LAST),
                "",
                "",
                f"teacher{c}@district.test",
                "",
                "",
                "",
                "",
                "",
            )
        )
        enrollments.append((f"ET{c}", "", "", f"C{c}", school, f"T{c}", "teacher", "true", "", ""))
    guardian = 0
    s = 0
    while s < students:
        c = s // per_class
        school, grade = f"SCH{c % schools}", str(c % 6 + 1)
        siblings = min(rng.choice([1, 1, 1, 2, 2, 3]), students - s)
        family = rng.choice(LAST)
        with_guardian = rng.random() < 0.85
        gid = f"G{guardian}"
        kids = [f"S{s + k}" for k in range(siblings)]
        for k, sid in enumerate(kids):
            users.append(
                (
                    sid,
                    "",
                    "",
                    "true",
                    school,
                    "student",
                    sid.lower(),
                    "",
                    rng.choice(FIRST),
                    family,
                    "",
                    str(100000 + s + k),
                    "",
                    "",
                    "",
                    gid if with_guardian else "",
                    grade,
                    "",
                )
            )
            enrollments.append(
                (
                    f"E{s + k}",
                    "",
                    "",
                    f"C{(s + k) // per_class}",
                    school,
                    sid,
                    "student",
                    "false",
                    "",
                    "",
                )
            )
        if with_guardian:
            users.append(
                (
                    gid,
                    "",
                    "",
                    "true",
                    school,
                    "parent",
                    "",
                    "",
                    rng.choice(FIRST),
                    family,
                    "",
                    "",
                    f"{gid.lower()}@family.test",
                    "",
                    f"+1510555{guardian % 10000:04}",
                    ",".join(kids),
                    "",
                    "",
                )
            )
            guardian += 1
        s += siblings
    return {
        "manifest.csv": _csv(
            ["propertyName", "value"],
            [
                ("manifest.version", "1.0"),
                ("oneroster.version", "1.1"),
                ("file.orgs", "bulk"),
                ("file.users", "bulk"),
                ("file.classes", "bulk"),
                ("file.enrollments", "bulk"),
            ],
        ),
        "orgs.csv": _csv(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "name",
                "type",
                "identifier",
                "parentSourcedId",
            ],
            orgs,
        ),
        "users.csv": _csv(USERS, users),
        "classes.csv": _csv(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "grades",
                "courseSourcedId",
                "classCode",
                "classType",
                "location",
                "schoolSourcedId",
                "termSourcedIds",
                "subjects",
                "subjectCodes",
                "periods",
            ],
            class_rows,
        ),
        "enrollments.csv": _csv(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "classSourcedId",
                "schoolSourcedId",
                "userSourcedId",
                "role",
                "primary",
                "beginDate",
                "endDate",
            ],
            enrollments,
        ),
    }


def zipped(students: int = 30_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files(students).items():
            z.writestr(name, text)
    return out.getvalue()


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        f.write(zipped(int(sys.argv[2]) if len(sys.argv) > 2 else 30_000))
