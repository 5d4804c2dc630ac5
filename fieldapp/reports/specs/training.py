"""The training status of each school's staff today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fieldapp.i18n import gettext as _
from fieldapp.models import School
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num
from fieldapp.rules import TrainingStatus
from fieldapp.training import services as training_services

TRAINING_ORDER = [
    TrainingStatus.TRAINED,
    TrainingStatus.LAPSING_SOON,
    TrainingStatus.LAPSED,
    TrainingStatus.NOT_TRAINED,
]
CAN_VISIT = (TrainingStatus.TRAINED, TrainingStatus.LAPSING_SOON)


def training_by_school(
    school_ids: tuple[int, ...] | None, on: date
) -> dict[int, dict[TrainingStatus, int]]:
    """Per school, how many of its active staff are in each training status on ``on``: the
    trained-staff roster's statuses (decided in SQL, held equal to ``rules.training_status``),
    counted by school, and kept as the roster keeps them."""
    counts: dict[int, dict[TrainingStatus, int]] = {}
    for school_id, status, people in training_services.status_counts_by_school(school_ids, on):
        counts.setdefault(school_id, dict.fromkeys(TRAINING_ORDER, 0))[TrainingStatus(status)] = (
            people
        )
    return counts


def summary(per_school: Sequence[tuple[School, dict]]) -> str:
    def people(*statuses: TrainingStatus) -> int:
        return sum(c[s] for _school, c in per_school for s in statuses)

    total = sum(sum(c.values()) for _school, c in per_school)
    if not total:
        return _("No staff in this report's schools.")
    return _(
        "%(can_visit)s of %(total)s staff can visit (trained, including lapsing soon); "
        "%(lapsed)s lapsed, %(untrained)s not trained.",
        can_visit=num(people(*CAN_VISIT)),
        total=num(total),
        lapsed=num(people(TrainingStatus.LAPSED)),
        untrained=num(people(TrainingStatus.NOT_TRAINED)),
    )


def training_chart(schools: Sequence[School], counts: dict[int, dict]) -> Chart:
    empty = dict.fromkeys(TRAINING_ORDER, 0)
    per_school = [(s, counts.get(s.id, empty)) for s in schools]
    labels = {status: status.label for status in TrainingStatus}  # one label each (rules)
    return Chart(
        key="training",
        title=_("Training status of staff, by school"),
        summary=summary(per_school),
        categories=[s.name for s, _c in per_school],
        series=[Series(s.value, labels[s]) for s in TRAINING_ORDER],
        values=[[c[s] for s in TRAINING_ORDER] for _s, c in per_school],
        header=[_("School"), *[labels[s] for s in TRAINING_ORDER], _("Staff")],
        rows=[[s.name, *[c[t] for t in TRAINING_ORDER], sum(c.values())] for s, c in per_school],
        columns=["school_code", "school_name", *[t.value for t in TRAINING_ORDER], "staff"],
        data=[
            [s.code, s.name, *[c[t] for t in TRAINING_ORDER], sum(c.values())]
            for s, c in per_school
        ],
        note=_(
            "Active visitors and coordinators today. Lapsing soon: within 30 days. Someone "
            "on the staff of two schools counts at each."
        ),
    )
