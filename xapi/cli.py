"""`flask --app wsgi xapi credentials create|list|revoke`."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.extensions import db

from .auth import SCOPES, create_credential, revoke_credential
from .models import Credential

xapi_cli = AppGroup("xapi", help="The Learning Record Store.")
credentials_cli = AppGroup("credentials", help="LRS keys and secrets for other tools.")
xapi_cli.add_command(credentials_cli)


@credentials_cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES),
              help="Repeat for several scopes.")
def create_command(name, scopes):
    """Create a credential and print its key and secret as JSON (the secret is shown only now)."""
    try:
        credential, secret = create_credential(name, list(scopes))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(json.dumps({"id": credential.id, "name": credential.name, "key": credential.key, "secret": secret,
                           "scopes": credential.scopes, "authority": credential.authority}))


@credentials_cli.command("list")
def list_command():
    """List credentials (never their secrets)."""
    for c in db.session.execute(select(Credential).order_by(Credential.id)).scalars():
        state = "revoked" if c.revoked_at else "active"
        click.echo(f"{c.id}\t{c.key}\t{state}\t{','.join(c.scopes)}\t{c.name}")


@credentials_cli.command("revoke")
@click.argument("key")
def revoke_command(key):
    """Revoke a credential by its key."""
    credential = db.session.execute(select(Credential).where(Credential.key == key)).scalar_one_or_none()
    if credential is None:
        raise click.ClickException(f"no credential with key {key}")
    revoke_credential(credential)
    db.session.commit()
    click.echo(f"Revoked {credential.name}.")
