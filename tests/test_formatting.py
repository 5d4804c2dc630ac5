"""Times, dates and shares as people read them, kept per process (``fieldapp.formatting``): the
same text as Babel gives, in the reader's language and the school's zone, whatever was asked
before (the memo is keyed by the wall-clock time, never by the instant)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import force_locale

from fieldapp.formatting import format_date, format_percent, format_when

INSTANT = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)


def test_one_instant_reads_as_each_schools_clock_says(app):
    with app.test_request_context("/"):
        for _ in range(2):  # the second time from the memo
            assert format_when(INSTANT, "America/Chicago") == "Tue 1 Dec, 4:30 pm"
            assert format_when(INSTANT, "America/New_York") == "Tue 1 Dec, 5:30 pm"
            assert format_when(INSTANT, "Pacific/Auckland") == "Wed 2 Dec, 11:30 am"
            assert format_date(INSTANT, "Pacific/Auckland") == "2 Dec 2026"
            assert format_date(date(2026, 12, 1)) == "1 Dec 2026"


def test_each_language_has_its_own_text(app):
    with app.test_request_context("/"):
        assert format_when(INSTANT, "America/Chicago") == "Tue 1 Dec, 4:30 pm"
        assert format_percent(0.4567) == "46%"
        with force_locale("es"):
            assert format_when(INSTANT, "America/Chicago") == "mar 1 dic, 16:30"
            assert format_percent(0.4567) == "46\xa0%"
        assert format_percent(Decimal("0.4567")) == "46%"


def test_templates_use_them(app):
    with app.test_request_context("/"), force_locale("es"):
        html = app.jinja_env.from_string("{{ share | percentformat }} {{ at | when(tz) }}").render(
            share=0.5, at=INSTANT, tz="America/Chicago"
        )
    assert html == "50\xa0% mar 1 dic, 16:30"


def test_numbers_in_each_language_and_each_kind(app):
    from fieldapp.formatting import format_number

    with app.test_request_context("/"):
        assert format_number(1234) == "1,234"
        assert format_number(2.5, "#,##0.00") == "2.50"
        assert format_number(Decimal("2.5"), "#,##0.00") == "2.50"
        with force_locale("es"):
            assert format_number(2.5, "#,##0.00") == "2,50"
        assert format_number(2.5, "#,##0.00", "es") == "2,50"
        assert format_percent(0.25, code="es") == "25\xa0%"


def test_decimalformat_is_flask_babels_own_kept(app):
    from flask_babel import format_decimal as flask_babel_decimal

    with app.test_request_context("/"):
        for value in (0, 7, 1234, 1234567, 2.5, Decimal("1234.5678")):
            for locale in ("en", "es"):
                with force_locale(locale):
                    ours = app.jinja_env.from_string("{{ n | decimalformat }}").render(n=value)
                    assert ours == flask_babel_decimal(value), (value, locale)


def test_the_names_filter_writes_what_jinja_s_map_and_join_write(app):
    """``names`` stands for ``map(attribute=…) | join(…)`` (and ``unique``, ``selectattr``) in
    the templates: the same text, escaped the same, inside a translated sentence too."""
    from types import SimpleNamespace as Item

    people = [
        Item(name="Ana <b>Ruiz</b>", first_name="Ana", grade="K", active=True),
        Item(name="Ben & Co", first_name="Ben", grade="3", active=False),
        Item(name="Cy", first_name="Cy", grade="K", active=True),
    ]
    pairs = [
        ("people | names", 'people | map(attribute="name") | join(", ")'),
        ('people | names(separator=" & ")', 'people | map(attribute="name") | join(" & ")'),
        (
            'people | names("first_name", " & ")',
            'people | map(attribute="first_name") | join(" & ")',
        ),
        (
            'people | names("grade", unique=True)',
            'people | map(attribute="grade") | unique | join(", ")',
        ),
        (
            'people | names(where="active")',
            'people | selectattr("active") | map(attribute="name") | join(", ")',
        ),
        ("[] | names", '[] | map(attribute="name") | join(", ")'),
    ]
    env = app.jinja_env
    with app.test_request_context("/"):
        for ours, jinjas in pairs:
            for shape in ("{{ %s }}", '{{ _("Team: %%(names)s", names=%s) }}'):
                got = env.from_string(shape % ours).render(people=people)
                assert got == env.from_string(shape % jinjas).render(people=people), ours
        assert env.from_string("{{ people | names }}").render(people=people) == (
            "Ana &lt;b&gt;Ruiz&lt;/b&gt;, Ben &amp; Co, Cy"
        )
