"""Children's data, kept safe: the audit trail, a family's right to see and erase its record,
retention, backups. The district admin's side of FERPA."""
