"""Relationship data out to the school's own systems: the CSV export per school and dates."""
