"""The report pages: who sees what, the filters (in the URL, applied in place with HTMX, bad
input answered beside the field or with a 4xx), each chart's table equal to its CSV, the
accessible figure around each SVG, and the print view."""

from __future__ import annotations

import pytest

from tests.reports.helpers import csv_rows, figures

REPORT_CHARTS = ["visits", "coverage-grade", "coverage-class", "follow-ups", "training"]
REPORT_CHARTS += ["families", "hours"]


def test_the_coordinator_sees_their_school_by_default(district, client, login):
    login(district.coordinator)
    response = client.get("/reports/")
    assert response.status_code == 200
    page = response.data.decode()
    assert "Programme report: Alder Elementary" in page
    assert "Birch Middle" not in page
    assert list(figures(page).tables) == REPORT_CHARTS


def test_the_admin_sees_the_whole_district_or_one_school(district, client, login):
    login(district.admin)
    charts = list(figures(client.get("/reports/").data.decode()).tables)
    assert charts == ["visits", "coverage-school", "coverage-grade", "follow-ups", "training"] + [
        "families",
        "hours",
    ]
    one = client.get(f"/reports/?school={district.b.id}").data.decode()
    assert "Programme report: Birch Middle" in one


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("coordinator", "/reports/?school={b}", 404),
        ("other_coordinator", "/reports/?school={a}", 404),
        ("coordinator", "/reports/data/hours.csv?school={b}", 404),
        ("coordinator", "/reports/district", 403),
        ("coordinator", "/reports/training", 403),
        ("trainer", "/reports/", 403),
        ("trainer", "/reports/district.csv", 403),
        ("admin", "/reports/?school=99999999", 404),
        ("admin", "/reports/?school=abc", 404),
        ("admin", "/reports/data/nothing.csv", 404),
        ("admin", "/reports/data/coverage-class.csv", 404),  # by class: one school at a time
        ("admin", "/reports/data/coverage-school.csv?school={a}", 404),
        ("coordinator", "/reports/?school={a}&round=abc", 404),
        ("coordinator", "/reports/data/visits.csv?start=2026-02-30", 400),
        ("admin", "/reports/district?sort=password", 400),
        ("admin", "/reports/district?sort=school&dir=sideways", 400),
        ("admin", "/reports/district.csv?end=tomorrow", 400),
    ],
)
def test_what_each_role_may_not_see_or_ask(district, client, login, who, url, status):
    login(getattr(district, who))
    assert client.get(url.format(a=district.a.id, b=district.b.id)).status_code == status


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-13-01", "Not a valid date value."),
        ("start=1800-01-01", "Enter a date between 1900 and 2100."),
        ("start=2026-10-20&end=2026-10-01", "The end date is before the start date."),
        ("grade=Z", "Choose a grade from the list."),
    ],
)
def test_bad_filters_get_a_message_beside_the_field(district, client, login, query, message):
    login(district.coordinator)
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 422
    page = response.data.decode()
    assert '<p class="error" id="' in page and message in page
    assert 'aria-invalid="true"' in page
    assert "Coverage by grade" in page  # the report still shows, without the bad filter


def test_a_round_of_another_school_is_dropped_with_a_note(district, client, login):
    login(district.admin)
    response = client.get(f"/reports/?school={district.a.id}&round={district.round_b.id}")
    assert response.status_code == 200
    assert "That round is not one of this school&#39;s: showing all rounds." in response.text


def test_filters_apply_in_place_with_htmx(district, client, login):
    login(district.coordinator)
    url = f"/reports/?school={district.a.id}&round={district.round_a.id}&grade=3"
    full = client.get(url)
    part = client.get(url, headers={"HX-Request": "true"})
    assert part.status_code == 200 and "HX-Request" in part.headers["Vary"]
    assert "<html" in full.text and "<html" not in part.text
    assert "reports.css" not in part.text  # the stylesheet stays in the page around #report
    assert 'id="report"' in part.text and 'hx-push-url="true"' in part.text
    assert f'<option selected value="{district.round_a.id}">' in part.text
    assert '<option selected value="3">Grade 3</option>' in part.text
    # The CSV links carry the filters: the download is the data on screen.
    assert f"/reports/data/visits.csv?school={district.a.id}&amp;round={district.round_a.id}" in (
        part.text
    )


# The CSV's leading columns that say what a row is about (codes, ISO dates), where the page's
# table has a name for people: the figures after them are the table's, cell for cell.
KEY_COLUMNS = {"visits": 2, "follow-ups": 2, "coverage-school": 2, "coverage-class": 2}
KEY_COLUMNS |= {"coverage-grade": 1, "training": 2, "families": 1, "hours": 1}


def same_figures(key: str, table: list[list[str]], rows: list[list[str]]) -> bool:
    keys = KEY_COLUMNS[key]
    return [r[1:] for r in table[1:]] == [r[keys:] for r in rows[1:]] and len(table) == len(rows)


@pytest.mark.parametrize(
    "query", ["", "round={round}", "grade=K", "start=2026-10-12&end=2026-10-25"]
)
def test_each_table_equals_its_csv(district, client, login, query):
    login(district.coordinator)
    query = query.format(round=district.round_a.id)
    found = figures(client.get(f"/reports/?school={district.a.id}&{query}").data.decode())
    for key, table in found.tables.items():
        rows = csv_rows(client, f"/reports/data/{key}.csv?school={district.a.id}&{query}")
        if table:
            assert same_figures(key, table, rows), key
        else:  # an empty chart shows its summary ("No hours recorded …"), its CSV only a header
            assert len(rows) == 1, key


def test_district_and_training_tables_equal_their_csv(district, client, login):
    login(district.admin)
    page = client.get("/reports/district?sort=coverage&dir=asc").data.decode()
    rows = csv_rows(client, "/reports/district.csv?sort=coverage&dir=asc", drop=1)
    table = figures(page).tables["district"]
    assert [r[0] for r in rows[1:]] == ["Birch Middle", "Alder Elementary"]
    assert [r[0] for r in table[1:]] == [r[0] for r in rows[1:]]
    for shown, exported in zip(table[1:], rows[1:], strict=True):
        counts = [1, 2, 4, 5, 6]  # students, visited, completed, trained, staff
        assert [shown[i] for i in counts] == [exported[i] for i in counts]
        assert shown[3].startswith(f"{round(float(exported[3]))}%")
    for key, chart_table in figures(page).tables.items():  # the district's own charts
        if key != "district":
            assert same_figures(key, chart_table, csv_rows(client, f"/reports/data/{key}.csv"))
    login(district.trainer)
    found = figures(client.get("/reports/training").data.decode())
    training = csv_rows(client, "/reports/training.csv")
    assert same_figures("training", found.tables["training"], training)


def test_every_chart_is_an_accessible_figure(district, client, login):
    login(district.coordinator)
    page = client.get("/reports/").data.decode()
    found = figures(page)
    for key in REPORT_CHARTS:
        svg = found.svgs[key]
        assert svg["role"] == "img" and svg["width"] == "100%" and "viewbox" in svg
        title, summary = svg["aria-labelledby"].split()
        assert {title, summary} <= found.ids
    assert page.count("<figcaption>") == len(REPORT_CHARTS)
    assert page.count("<summary>Data table</summary>") == len(REPORT_CHARTS)
    assert "style=" not in page  # the CSP allows no inline style
    assert "30% of students visited" not in page  # summaries speak of the whole school:
    assert "36% of students visited overall (5 of 14)" in page


def test_the_print_view_has_the_date_and_filters_and_no_navigation(district, client, login):
    login(district.coordinator)
    response = client.get(f"/reports/?school={district.a.id}&grade=3&print=1")
    page = response.data.decode()
    assert response.status_code == 200
    assert "<nav" not in page and "report-filters" not in page
    assert (
        "School: Alder Elementary · Round: All rounds · Dates: All dates · Grade: Grade 3" in page
    )
    assert "printed" in page and "data-print" in page


def test_reports_are_in_the_navigation_of_the_roles_that_have_them(district, client, login):
    for who, href in [
        ("coordinator", "/reports/"),
        ("admin", "/reports/district"),
        ("trainer", "/reports/training"),
    ]:
        login(getattr(district, who))
        assert f'href="{href}"' in client.get("/account").text
