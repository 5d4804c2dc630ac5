"""Students' attendance: imported month by month (``imports``), read by the impact report."""
