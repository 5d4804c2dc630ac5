"""Families choose the time: the team offers a few slots, the family answers from a link."""
