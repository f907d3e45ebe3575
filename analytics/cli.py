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


analytics_cli = AppGroup("analytics", help="Retention analytics: validate and run the early-warning model.")


@analytics_cli.command("evaluate")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Evaluate as if on this day (YYYY-MM-DD; default today): nothing after it is used.")
@click.option("--horizon-days", type=click.IntRange(1, 730), default=90, show_default=True,
              help="Predict voluntary exits within this many days after each snapshot.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def evaluate_command(as_of, horizon_days, as_json):
    """Validate the early-warning model out of time (or by cross-validation with short history):
    ROC AUC, PR AUC, precision in the top 10%, Brier score. Writes nothing."""
    import json
    from datetime import date

    from .risk import evaluate

    day = as_of.date() if as_of else date.today()
    try:
        result = evaluate(day, horizon_days)
    finally:
        db.session.rollback()
    if as_json:
        click.echo(json.dumps(result, default=str))
        return
    click.echo(f"Early-warning model at {day}, horizon {horizon_days} days")
    click.echo(f"  {'method:':<19}{result['method']}")
    if result.get("message"):
        click.echo(f"  {result['message']}")
    click.echo(f"  {'n (test rows):':<19}{result['n']}")
    click.echo(f"  {'positives:':<19}{result['positives']}")
    spread = result.get("spread", {})
    for key, label in (("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC"), ("precision_top10", "precision top 10%"),
                       ("brier", "Brier score")):
        value = result[key]
        shown = "-" if value is None else f"{value:.3f}" + (f" ± {spread[key]:.3f}" if key in spread else "")
        click.echo(f"  {label + ':':<19}{shown}")
    if result.get("base_rate") is not None:
        click.echo(f"  {'base rate:':<19}{result['base_rate']:.3f}")
    for fold in result.get("folds", []):
        period = f"{fold['test_from']}..{fold['test_to']}" if "test_from" in fold else "fold"
        click.echo(f"    {period}: n={fold['n']} positives={fold['positives']} ROC AUC={fold['roc_auc']:.3f}")
    click.echo(f"  features: {', '.join(result['features'])}")


@analytics_cli.command("score")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--horizon-days", type=click.IntRange(1, 730), default=90, show_default=True)
def score_command(as_of, horizon_days):
    """Run the early-warning model (validate, gate, score) for a day and store the run."""
    from datetime import date

    from .risk import score

    try:
        run = score(as_of.date() if as_of else date.today(), horizon_days)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Run {run.id} at {run.as_of}: {run.status.value}. {run.message}".strip())
