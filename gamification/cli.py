"""`flask badges ...`: the Open Badges 3.0 signing keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import openbadges3

badges_cli = AppGroup("badges", help="Open Badges signing keys.")


@badges_cli.command("keys")
def list_keys() -> None:
    """List the signing keys (the last one signs; all stay published)."""
    for key in openbadges3.keys():
        click.echo(openbadges3.key_url(key.thumbprint))
    if not openbadges3.keys():
        click.echo("No key yet: the first credential creates one.")


@badges_cli.command("rotate-key")
def rotate_key() -> None:
    """Create a new signing key. Older keys stay published, so credentials they signed still verify;
    delete an old key's file from the instance folder only to stop vouching for what it signed."""
    key = openbadges3.new_key()
    click.echo(f"New signing key: {openbadges3.key_url(key.thumbprint)}")
