"""The read-only API for the school's own systems: bearer tokens per school, incremental pulls
with cursors, described by ``openapi.yaml`` (served as JSON at /api/v1/openapi.json)."""
