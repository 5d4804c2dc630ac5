"""Counters of change: one row per kind of data that a summary kept between requests is
computed from (see ``fieldapp.versions``)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db


class DataVersion(db.Model):
    """Bumped in the transaction of every write to the data ``name`` covers, so a summary
    computed under one version is known stale as soon as that write commits, on every
    process and server. The rows exist from the migration on; nothing inserts them later."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
