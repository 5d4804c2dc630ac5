"""Family grouping on its own, without a database: students who share a guardian are one
family, whichever row names the link."""

from __future__ import annotations

from fieldapp.roster.reconcile import families
from fieldapp.roster.reconcile.families import FamilyGroup


def group_families(students, guardians) -> list[FamilyGroup]:
    return list(families.group_families(students, guardians))


def test_siblings_who_share_a_guardian_are_one_family():
    groups = group_families({"S1": ["G1"], "S2": ["G1"], "S3": ["G2", "G3"]}, {})
    assert groups == [FamilyGroup(["S1", "S2"], ["G1"]), FamilyGroup(["S3"], ["G2", "G3"])]


def test_a_link_either_way_joins():
    # S2 names no one; G1's row names S1 and S2.
    groups = group_families({"S1": [], "S2": []}, {"G1": ["S1", "S2"]})
    assert groups == [FamilyGroup(["S1", "S2"], ["G1"])]


def test_families_join_through_a_chain_of_guardians():
    groups = group_families(
        {"S1": ["G1"], "S2": ["G1", "G2"], "S4": ["G9"], "S3": ["G2"]}, {"G3": ["S3"]}
    )
    assert groups == [
        FamilyGroup(["S1", "S2", "S3"], ["G1", "G2", "G3"]),
        FamilyGroup(["S4"], ["G9"]),
    ]


def test_a_student_without_guardians_is_a_family_alone():
    assert group_families({"S1": [], "S2": []}, {}) == [
        FamilyGroup(["S1"], []),
        FamilyGroup(["S2"], []),
    ]


def test_a_guardians_link_to_someone_not_imported_is_left_out():
    groups = group_families({"S1": ["G1"]}, {"G1": ["S1", "S9"], "G2": ["S9"]})
    assert groups == [FamilyGroup(["S1"], ["G1"])]


def test_groups_keep_the_order_of_their_first_student():
    groups = group_families({"S3": ["G2"], "S1": ["G1"], "S2": ["G2"]}, {})
    assert [g.students for g in groups] == [["S3", "S2"], ["S1"]]
