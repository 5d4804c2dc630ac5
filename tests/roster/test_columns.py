"""The roster files' columns, checked in one place: each problem has one message, whatever the
file."""

from __future__ import annotations

from fieldapp.roster import columns as col
from fieldapp.roster.rows import Roster, Where

HERE = Where("users.csv", 4)


def _messages(roster: Roster) -> list[str]:
    return [e.message for e in roster.errors]


def test_an_empty_value_is_one_message_for_a_column_a_pair_or_more():
    roster = Roster()
    assert col.needed(roster, HERE, {"sourcedid": "S1"}, col.SOURCED_ID)
    assert not col.needed(roster, HERE, {"sourcedid": ""}, col.SOURCED_ID)
    assert not col.needed(roster, HERE, {"givenname": "Ana"}, col.GIVEN, col.FAMILY)
    assert not col.needed(roster, HERE, {"student_id": "1", "grade": "3"}, *col.TEMPLATE_REQUIRED)
    assert _messages(roster) == [
        "sourcedId is empty.",
        "givenName and familyName are both needed.",
        "Empty: first_name, last_name, school_code.",
    ]


def test_each_value_too_long_is_an_error_and_none_is_fine():
    roster = Roster()
    assert col.fits(roster, HERE, (col.EMAIL, None), (col.IDENTIFIER, "1" * 64))
    assert not col.fits(roster, HERE, (col.GIVEN, "A" * 101), (col.IDENTIFIER, "1" * 65))
    assert _messages(roster) == [
        "given is longer than 100 characters.",
        "identifier is longer than 64 characters.",
    ]


def test_a_header_without_a_required_column_is_refused_whole():
    roster = Roster()
    assert col.read_table("orgs.csv", "sourcedId,name\nA,B\n", roster, col.ORGS) is None
    table = col.read_table("orgs.csv", "SourcedId,Name,Type\nA,B,school\n\n", roster, col.ORGS)
    assert table is not None and table.rows == [
        (2, {"sourcedid": "A", "name": "B", "type": "school"})
    ]
    assert [(e.file, e.line, e.message) for e in roster.errors] == [
        ("orgs.csv", 1, "Missing column: type.")
    ]


def test_values_are_read_by_their_column():
    row = {"grades": "KG,01", "agentsourcedids": " G1, G2 ,", "email": " Rosa@Example.org "}
    assert col.GRADES.read(row) == "K"
    assert col.AGENT_IDS.read(row) == ["G1", "G2"]
    assert col.EMAIL.read(row) == "rosa@example.org"
    assert col.ORG_IDS.read(row) == []
