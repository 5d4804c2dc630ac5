"""Backups of a SQLite database, and restoring one (PostgreSQL has pg_dump)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    tables: int
    size: int


PG_HINT = (
    "This database is PostgreSQL: back it up with pg_dump and restore it with pg_restore "
    '(see “Backups” in the README), e.g. pg_dump -Fc -f fieldapp.dump "$FIELDAPP_DATABASE_URL".'
)


def sqlite_path(url: str | URL) -> Path:
    """The file of a SQLite database URL; BackupError for another database."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            PG_HINT
            if url.get_backend_name() == "postgresql"
            else f"Backups here are for SQLite; this is {url.get_backend_name()}."
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory database has no file to back up.")
    return Path(url.database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _describe(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as exc:
        raise BackupError(f"{path} is not a fieldapp database (no alembic_version).") from exc
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return BackupInfo(
        path=path,
        revision=",".join(r[0] for r in rows) or "none",
        tables=tables[0],
        size=path.stat().st_size,
    )


def backup_database(url: str | URL, destination: Path, *, force: bool = False) -> BackupInfo:
    """A consistent copy of the live SQLite database, taken with SQLite's online backup API
    while the app keeps reading and writing (in WAL mode writers are not blocked; the copy is
    the database as of one moment). The copy is one self-contained file, readable by its owner
    only: it holds children's records."""
    source = sqlite_path(url)
    destination = Path(destination)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupError("The backup cannot replace the database it copies.")
    if destination.exists() and not force:
        raise BackupError(f"{destination} already exists; give --force to replace it.")
    if not destination.parent.is_dir():
        raise BackupError(f"There is no folder {destination.parent}.")
    # Written beside the destination, then renamed: a failed backup never leaves half a file.
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
            contextlib.closing(sqlite3.connect(partial)) as out,
        ):
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # no -wal file to carry along
            if out.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The copy failed its integrity check; nothing was written.")
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    with contextlib.closing(_open_read_only(destination)) as conn:
        return _describe(conn, destination)


def check_backup(path: Path, *, expected_revision: str) -> BackupInfo:
    """A file fit to restore: a SQLite database that passes its integrity check, made by this
    version of the schema."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file {path}.")
    try:
        with contextlib.closing(_open_read_only(path)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} fails its integrity check: {'; '.join(problems[:5])}")
            info = _describe(conn, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}).") from exc
    if info.revision != expected_revision:
        raise BackupError(
            f"{path} has schema revision {info.revision}, this version of fieldapp expects "
            f"{expected_revision}. Restore it with the version that made it, or upgrade a copy "
            "first (FIELDAPP_DATABASE_URL=sqlite:////path/to/copy.db flask db upgrade)."
        )
    return info


def restore_database(backup: Path, url: str | URL, *, expected_revision: str) -> BackupInfo:
    """Replace the live SQLite database's content with a checked backup, with the backup API:
    other connections (a running app) see the restored data on their next transaction."""
    info = check_backup(backup, expected_revision=expected_revision)
    target = sqlite_path(url)
    if target.exists() and target.resolve() == Path(backup).resolve():
        raise BackupError("That backup is the live database itself.")
    try:
        with (
            contextlib.closing(_open_read_only(Path(backup))) as src,
            contextlib.closing(sqlite3.connect(target, timeout=30)) as live,
        ):
            src.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(f"The restore failed: {exc}") from exc
    return info
