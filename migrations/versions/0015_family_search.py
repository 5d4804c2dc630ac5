"""Family search through an index: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on
PostgreSQL (a district's 100,000 families were read whole by LIKE '%…%'); guardians' phones
indexed for the search by number

The SQLite tables are kept in step with families and guardians by triggers (insert, update of
the searched columns, delete: an erased family's rows go with it). See
fieldapp/privacy/search.py.

Revision ID: 0015_family_search
Revises: 0014_language_unknown
Create Date: 2026-12-05 07:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_family_search'
down_revision = '0014_language_unknown'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE family_name_search USING fts5(name, tokenize='trigram')",
    "CREATE VIRTUAL TABLE guardian_search USING fts5(name, email, tokenize='trigram')",
    "INSERT INTO family_name_search (rowid, name) SELECT id, name FROM families",
    "INSERT INTO guardian_search (rowid, name, email) SELECT id, name, email FROM guardians",
    """CREATE TRIGGER family_name_search_insert AFTER INSERT ON families BEGIN
        INSERT INTO family_name_search (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER family_name_search_update AFTER UPDATE OF id, name ON families BEGIN
        DELETE FROM family_name_search WHERE rowid = old.id;
        INSERT INTO family_name_search (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER family_name_search_delete AFTER DELETE ON families BEGIN
        DELETE FROM family_name_search WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER guardian_search_insert AFTER INSERT ON guardians BEGIN
        INSERT INTO guardian_search (rowid, name, email) VALUES (new.id, new.name, new.email);
    END""",
    """CREATE TRIGGER guardian_search_update AFTER UPDATE OF id, name, email ON guardians BEGIN
        DELETE FROM guardian_search WHERE rowid = old.id;
        INSERT INTO guardian_search (rowid, name, email) VALUES (new.id, new.name, new.email);
    END""",
    """CREATE TRIGGER guardian_search_delete AFTER DELETE ON guardians BEGIN
        DELETE FROM guardian_search WHERE rowid = old.id;
    END""",
]

SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_{event}"
        for table in ("family_name_search", "guardian_search")
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS guardian_search",
    "DROP TABLE IF EXISTS family_name_search",
]

POSTGRES_UP = [
    # A trusted extension (PostgreSQL 13+): the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_families_name_trgm ON families USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_guardians_name_trgm ON guardians USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_guardians_email_trgm ON guardians USING gin (email gin_trgm_ops)",
]

POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_guardians_email_trgm",
    "DROP INDEX IF EXISTS ix_guardians_name_trgm",
    "DROP INDEX IF EXISTS ix_families_name_trgm",
    # The extension stays: something else of the database's may use it.
]


def upgrade():
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardians_phone'), ['phone'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == 'sqlite' else POSTGRES_UP:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == 'sqlite' else POSTGRES_DOWN:
        op.execute(statement)
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardians_phone'))
