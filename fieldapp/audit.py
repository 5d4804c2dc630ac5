"""Writing the audit trail. Every service that reads or changes a family record calls ``record``."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    school_id: int | None = None,
    success: bool = True,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        school_id=school_id,
        success=success,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    db.session.add(event)
    return event
