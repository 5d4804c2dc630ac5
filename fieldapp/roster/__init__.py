"""Roster imports: OneRoster 1.1/1.2 CSV sets and the plain CSV template, planned then applied."""
