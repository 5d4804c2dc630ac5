from __future__ import annotations

from sqlalchemy import Select, and_, select

from fieldapp.models import Family, MessageKind, MessageTemplate, Student


def school_texts(school_id: int, kind: MessageKind | None = None) -> Select:
    query = select(MessageTemplate).where(MessageTemplate.school_id == school_id)
    if kind is not None:
        query = query.where(MessageTemplate.kind == kind)
    return query.order_by(MessageTemplate.kind, MessageTemplate.language)


def school_text(school_id: int, kind: MessageKind, language: str) -> Select:
    return select(MessageTemplate).where(
        MessageTemplate.school_id == school_id,
        MessageTemplate.kind == kind,
        MessageTemplate.language == language,
    )


def family_languages(school_id: int) -> Select:
    """The home languages of the families of the school's active students."""
    at_school = Family.students.any(and_(Student.school_id == school_id, Student.active.is_(True)))
    return select(Family.home_language).where(at_school).distinct()
