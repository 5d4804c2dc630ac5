"""Finding a family by part of a name or email among a district's 100,000, through an index.

A ``LIKE '%…%'`` reads every family and guardian. The migration 0015_family_search builds, by
dialect, an index that answers "holds these letters" directly:

- SQLite: two FTS5 tables with the trigram tokenizer (case folded), their rowids the families'
  and the guardians' ids, kept in step by triggers on every insert, update and delete (an
  erased family's rows go with it);
- PostgreSQL: GIN trigram indexes (pg_trgm) on the name and email columns, which ``ILIKE``
  uses as they are; nothing to keep in step.

The match is the one the page always made: the letters anywhere in the family's name, or in a
guardian's name or email, in any case (accents as typed).
"""

from __future__ import annotations

from sqlalchemy import Select, bindparam, column, literal_column, or_, select, table, union

from fieldapp.extensions import db
from fieldapp.models import Family, Guardian

# SQLite: the FTS5 tables (rowid: families.id, guardians.id) and their triggers.
FAMILY_FTS = "family_name_search"
GUARDIAN_FTS = "guardian_search"
# PostgreSQL: the trigram indexes.
TRIGRAM_INDEXES = ("ix_families_name_trgm", "ix_guardians_name_trgm", "ix_guardians_email_trgm")

# A trigram index finds three letters and more; two letters are looked for by reading the
# index's own copy of the names (still no join through every family).
TRIGRAM = 3


def not_in_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name``: the search index's tables and indexes are the migration's,
    not the models'; autogenerate and the schema test leave them alone."""
    if type_ == "table" and name and name.startswith((FAMILY_FTS, GUARDIAN_FTS)):
        return False
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


def _fts_rowids(fts: str, columns: tuple[str, ...], term: str) -> Select:
    """Rowids of the FTS5 table whose ``columns`` hold ``term``."""
    fts_table = table(fts, column("rowid"), *(column(c) for c in columns))
    if len(term) >= TRIGRAM:
        phrase = '"' + term.replace('"', '""') + '"'  # the letters as they are, in any case
        target = "{" + " ".join(columns) + "}: " if len(columns) > 1 else ""
        match = literal_column(fts).op("MATCH")(bindparam("fts_" + fts, target + phrase))
        return select(fts_table.c.rowid).where(match)
    return select(fts_table.c.rowid).where(
        or_(*(fts_table.c[c].icontains(term, autoescape=True) for c in columns))
    )


def family_ids(term: str, phone: str | None = None) -> Select:
    """The ids of the families whose name, or a guardian's name or email, holds ``term``; or
    with a guardian of exactly the E.164 number ``phone`` (an index of its own)."""
    if db.engine.dialect.name == "sqlite":
        by_family = _fts_rowids(FAMILY_FTS, ("name",), term)
        by_guardian = select(Guardian.family_id).where(
            Guardian.id.in_(_fts_rowids(GUARDIAN_FTS, ("name", "email"), term))
        )
    else:  # PostgreSQL: ILIKE through the trigram indexes
        by_family = select(Family.id).where(Family.name.icontains(term, autoescape=True))
        by_guardian = select(Guardian.family_id).where(
            or_(
                Guardian.name.icontains(term, autoescape=True),
                Guardian.email.icontains(term, autoescape=True),
            )
        )
    by_phone = [select(Guardian.family_id).where(Guardian.phone == phone)] if phone else []
    return union(by_family, by_guardian, *by_phone)
