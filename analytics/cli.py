"""`flask --app wsgi hris import FILE.csv [--dry-run]` and `hris absences FILE.csv [--dry-run]`.

Exit status: 0 when every row was imported; 1 when some rows were rejected (the good ones are
imported, or would be with --dry-run; with --all-or-nothing nothing is written); 2 when the file
as a whole cannot be imported (unreadable, required columns missing), and nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lms.extensions import db

hris_cli = AppGroup("hris", help="Import HR data (employment spells, absences) from CSV files.")


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, target = pair.rpartition("=")
        if not sep or not header:
            raise click.BadParameter(f"{pair!r} is not HEADER=COLUMN", param_hint="--map")
        mapping[header] = target
    return mapping


def _run(kind: str, file: str, dry_run: bool, all_or_nothing: bool, pairs: tuple[str, ...]) -> None:
    from .hris import ImportFileError, decode, run_import

    text, warning = decode(Path(file).read_bytes())
    try:
        report = run_import(kind, text, _mapping(pairs), dry_run=dry_run)
    except ImportFileError as exc:
        db.session.rollback()
        click.echo(f"Error: {exc}", err=True)
        click.echo("Nothing was imported.")
        sys.exit(2)
    except Exception:
        db.session.rollback()
        raise
    keep = not dry_run and not (all_or_nothing and report.errors)
    if keep:
        db.session.commit()
    else:
        db.session.rollback()
    if warning:
        click.echo(f"Warning: {warning}")
    for w in report.warnings:
        click.echo(f"Warning: {w}")
    state = "Dry run, nothing written" if dry_run else ("Imported" if keep else "Rows rejected, nothing written")
    click.echo(f"{state}: {report.rows} rows, {report.good} good, {report.rejected} rejected.")
    for key, value in report.counts.items():
        click.echo(f"  {key.replace('_', ' ')}: {value}")
    if report.errors:
        click.echo("Rejected rows (row number as in the file, header = row 1):")
        click.echo("  row\tcolumn\treason")
        for e in report.errors:
            click.echo(f"  {e.row}\t{e.column or '-'}\t{e.reason}")
        sys.exit(1)


_options = [
    click.argument("file", type=click.Path(exists=True, dir_okay=False)),
    click.option("--dry-run", is_flag=True, help="Check and report; write nothing."),
    click.option("--all-or-nothing", is_flag=True, help="Write nothing if any row is rejected."),
    click.option("--map", "pairs", multiple=True, metavar="HEADER=COLUMN",
                 help="Read the file's HEADER as COLUMN (a documented column, attribute, protected or ignore)."),
]


def _with_options(f):
    for option in reversed(_options):
        f = option(f)
    return f


@hris_cli.command("import")
@_with_options
def import_command(file, dry_run, all_or_nothing, pairs):
    """Import employment spells: one row per spell, columns employee_number, first_name, last_name,
    email, department, manager_employee_number, job_title, hire_date, end_date, end_type, regretted;
    further columns become person attributes."""
    _run("spells", file, dry_run, all_or_nothing, pairs)


@hris_cli.command("absences")
@_with_options
def absences_command(file, dry_run, all_or_nothing, pairs):
    """Import absence records: employee_number, start, end, type (sick, vacation, parental, other)."""
    _run("absences", file, dry_run, all_or_nothing, pairs)
