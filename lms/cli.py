"""Admin commands: `flask --app wsgi users create`, `flask --app wsgi demo`."""

from __future__ import annotations

import json
from datetime import date

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .people.models import Role

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--first-name", default="", help="Defaults to the part of the address before @.")
@click.option("--last-name", default="")
@click.option("--language", type=click.Choice(["en", "da", "sv"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def create_user_command(email, roles, first_name, last_name, language, as_json):
    """Create a user and print a one-time password they must change at first sign-in."""
    from .auth.service import set_one_time_password
    from .people.service import ValidationError, create_user

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    local = email.split("@")[0]
    try:
        user = create_user(
            email=email,
            first_name=first_name or local.split(".")[0].capitalize(),
            last_name=last_name or (local.split(".")[1].capitalize() if "." in local else "-"),
            roles={Role(r) for r in roles},
            preferred_language=language,
        )
        password = set_one_time_password(user)
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"id": user.id, "email": user.email, "roles": sorted(r.value for r in user.roles),
                               "one_time_password": password}))
    else:
        click.echo(f"Created {user.email} ({', '.join(sorted(r.value for r in user.roles))}).")
        click.echo(f"One-time password: {password}")
        click.echo("They must choose their own password at first sign-in.")


@click.command("demo")
@click.option("--employees", default=150, show_default=True, type=click.IntRange(20, 20000),
              help="How many people the organisation has had (including leavers).")
@click.option("--seed", default=2026, show_default=True, type=int, help="Same seed and date, same organisation.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Build the organisation as of this date (default: today).")
@click.option("--if-empty", is_flag=True, help="Do nothing when people already exist (used by make run).")
@with_appcontext
def demo_command(employees, seed, today, if_empty):
    """Build the demo organisation and print one login per role."""
    from flask import current_app

    from .demo import DEMO_PASSWORD, build_demo, database_is_empty

    if current_app.config["FASTHOLD_ENV"] == "production":
        raise click.ClickException("The demo organisation has logins with a published password; "
                                   "it is not loaded in production.")
    if not database_is_empty():
        if if_empty:
            click.echo("Demo organisation already loaded; logins below.")
            _print_logins(DEMO_PASSWORD)
            return
        raise click.ClickException("The database already has people. The demo loads only into an empty database.")
    day = today.date() if today else date.today()
    result = build_demo(employees=employees, seed=seed, today=day)
    db.session.commit()
    click.echo(f"Demo organisation {result.organisation!r}: {result.people} people, "
               f"{result.departments} departments, {result.spells} employment spells.")
    # HR's pages read what the nightly task computes (scores, alerts, retention curves): run it once now.
    from analytics.tasks import nightly

    summary = nightly.run(day.isoformat())
    click.echo(f"Retention analytics computed: early warning {summary['risk']}, {summary['alerts']} alerts.")
    _print_logins(DEMO_PASSWORD)


def _print_logins(password: str) -> None:
    from .demo import DEMO_LOGINS

    click.echo("Demo logins (password for all: %s):" % password)
    for role, email, _first, _last in DEMO_LOGINS:
        click.echo(f"  {role:<9} {email}")
