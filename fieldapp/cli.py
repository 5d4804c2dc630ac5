"""Command-line entry points: thin wrappers over services (the web and the CLI share one rule)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from fieldapp.extensions import db

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", type=click.Choice(["admin", "trainer", "coordinator", "visitor"]), default="admin"
)
@click.option("--school", "school_code", help="School code, for coordinator and visitor.")
@click.password_option(help="Asked for when not given; never echoed or logged.")
def create_user(email: str, name: str, role: str, school_code: str | None, password: str):
    """Create an account (e.g. the first admin)."""
    from fieldapp.auth.passwords import password_problem
    from fieldapp.auth.services import AccountError, create_account
    from fieldapp.models import Role, School

    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)
    school = None
    if school_code:
        school = db.session.scalar(db.select(School).where(School.code == school_code))
        if school is None:
            raise click.UsageError(f"No school with code {school_code!r}.")
    try:
        user, _ = create_account(
            name=name, email=email, role=Role(role), school=school, by=None, password=password
        )
    except AccountError as exc:
        raise click.UsageError(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {role} {user.email}.")


def _person(email: str):
    from fieldapp.auth.services import find_user

    person = find_user(email)
    if person is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    return person


@users_cli.command("list")
@click.option("--school", "school_code", help="Only people with a role at this school (code).")
@click.option(
    "--role", type=click.Choice(["admin", "trainer", "coordinator", "visitor"]), default=None
)
def list_users(school_code: str | None, role: str | None):
    """Accounts: id, email, name, roles, active, last sign-in (UTC), tab-separated."""
    from fieldapp.auth import queries
    from fieldapp.models import Role, School

    school_id = None
    if school_code:
        school = db.session.scalar(db.select(School).where(School.code == school_code))
        if school is None:
            raise click.ClickException(f"No school with code {school_code!r}.")
        school_id = school.id
    people = db.session.scalars(
        queries.accounts(school_id=school_id, role=Role(role) if role else None)
    ).all()
    click.echo("\t".join(["id", "email", "name", "roles", "active", "last_sign_in"]))
    for person in people:
        roles = ",".join(
            sorted(
                f"{a.role.value}@{a.school.code}" if a.school else a.role.value
                for a in person.roles
            )
        )
        last = person.last_login_at.strftime("%Y-%m-%dT%H:%MZ") if person.last_login_at else "-"
        row = [str(person.id), person.email, person.name, roles, "yes" if person.active else "no"]
        click.echo("\t".join([*row, last]))


@users_cli.command("disable")
@click.argument("email")
def disable_user(email: str):
    """Disable an account and end its sessions, as the admin's "Disable" does (audited); its
    open visits keep their team and show as needing a new one."""
    from fieldapp import clock
    from fieldapp.admin import services

    person = _person(email)
    if not person.active:
        click.echo(f"{person.email} is already disabled.")
        return
    services.disable(person, {}, by=None, now=clock.now())
    db.session.commit()
    click.echo(f"Disabled {person.email} and ended their sessions.")


@users_cli.command("send-reset")
@click.argument("email")
def send_reset(email: str):
    """Email a link to choose a password (an invitation if they never signed in). The link
    points at FIELDAPP_BASE_URL."""
    from flask import current_app

    from fieldapp import tasks
    from fieldapp.auth.services import AccountError, offer_sign_in_link

    base_url = current_app.config.get("BASE_URL")
    if not base_url:
        raise click.ClickException("Set FIELDAPP_BASE_URL: the emailed link points there.")
    person = _person(email)
    try:
        kind = offer_sign_in_link(person, by=None)
    except AccountError as exc:
        raise click.ClickException(f"{person.email} is disabled: enable it first.") from exc
    db.session.commit()
    tasks.sign_in_link_mail(person.email, kind, person.locale or "en", base_url)
    what = "an invitation" if kind == "invitation" else "a reset link"
    click.echo(f"Queued {what} for {person.email}.")


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Replace the data already in the database.")
@click.option(
    "--scale",
    type=click.Choice(["small", "district"]),
    default="small",
    help="small: 2 schools; district: ~200 schools, 150,000 students, 60,000 visits.",
)
@click.option(
    "--factor",
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=1.0,
    help="With --scale district: this share of the full size (e.g. 0.01).",
)
def seed_demo(reset: bool, scale: str, factor: float):
    """Fill the database with a demo district (password: fieldapp-demo-2026)."""
    from fieldapp import demo

    if scale == "district":
        try:
            # Bench data, kept beside the bench: there in a checkout, not in an installed app.
            from bench import district as demo_district
        except ImportError as exc:
            raise click.ClickException(
                "The district-scale demo comes with the repository's bench/ folder: run this "
                "from a checkout of fieldapp."
            ) from exc
        try:
            counts = demo_district.seed(factor, reset=reset, progress=click.echo)
        except demo.DemoError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"District demo ready in {counts['seconds']} s: {counts['schools']} schools, "
            f"{counts['users']} accounts, {counts['students']} students, "
            f"{counts['families']} families, {counts['visits']} visits. "
            f"Password for every demo account: {demo.DEMO_PASSWORD}"
        )
        return
    try:
        counts = demo.seed(reset=reset)
    except demo.DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Demo district ready: 2 schools, 12 accounts, {counts['visits']} visits. "
        f"Password for every demo account: {demo.DEMO_PASSWORD}"
    )


@click.command("seed-demo-if-empty", hidden=True)
def seed_demo_if_empty():
    """Used by `make run`: seed only a database that has no accounts yet."""
    from fieldapp import demo

    if demo.database_is_empty():
        counts = demo.seed()
        click.echo(f"Seeded the demo district ({counts['visits']} visits).")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_demo_if_empty)
