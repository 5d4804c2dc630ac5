from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_login import current_user

from fieldapp import audit, clock, policy
from fieldapp.extensions import db
from fieldapp.families import queries
from fieldapp.formatting import zone
from fieldapp.models import Family, FollowUp
from fieldapp.rendering import is_partial_request, redirect_after_post, render
from fieldapp.visits import services

bp = Blueprint("families", __name__)


@bp.get("/families/<int:family_id>")
@policy.requires(policy.view_family, family=Family)
def card(family: Family):
    audit.record("family.view", actor=current_user, obj=family)
    db.session.commit()
    return render(
        "families/card.html",
        family=family,
        students=db.session.scalars(queries.students(family.id)).all(),
        reflection=db.session.scalar(queries.latest_reflection(family.id)),
        follow_ups=db.session.scalars(queries.open_follow_ups(family.id)).all(),
        visits=db.session.scalars(queries.visit_history(family.id)).all(),
        today=clock.today(zone()),
    )


@bp.post("/follow-ups/<int:follow_up_id>/done")
@policy.requires(policy.complete_follow_up, follow_up=FollowUp)
def follow_up_done(follow_up: FollowUp):
    services.complete_follow_up(follow_up, by=current_user)
    db.session.commit()
    if is_partial_request():
        return render("families/_follow_up.html", follow_up=follow_up, today=clock.today(zone()))
    flash("Follow-up marked done.", "success")
    return redirect_after_post(url_for("families.card", family_id=follow_up.family_id))
