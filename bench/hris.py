"""Benchmark the HRIS import: a 10,000-person file (about 11,500 spell rows, 1% bad rows) on an empty
database, then the same file again (nothing changes), then a dry run.

    .venv/bin/python bench/hris.py --employees 10000
    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/hris.py
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_csv(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    depts = [f"Afdeling {i}" for i in range(40)]
    lines = ["employee_number;first_name;last_name;email;department;manager_employee_number;job_title;hire_date;"
             "end_date;end_type;regretted;location;fte;køn"]
    for i in range(n):
        number = f"E{i:06d}"
        manager = "" if i == 0 else f"E{rng.randrange(0, max(1, i // 8)):06d}"
        hire = date(2012, 1, 1) + timedelta(days=rng.randrange(0, 4000))
        loc, fte, sex = rng.choice(["København", "Malmö", "Aarhus"]), rng.choice(["1,0", "0,8", "0,6"]), rng.choice("mk")
        dept = rng.choice(depts)
        if rng.random() < 0.15 and i > 10:  # a boomerang: an ended spell, then the current one
            end = hire + timedelta(days=rng.randrange(100, 600))
            lines.append(f"{number};Fornavn{i};Efternavn{i};p{i}@bench.example;{dept};{manager};Medarbejder;"
                         f"{hire - timedelta(days=1500)};{end - timedelta(days=1500)};voluntary;ja;{loc};{fte};{sex}")
        bad = rng.random() < 0.01
        lines.append(f"{number};Fornavn{i};Efternavn{i};p{i}@bench.example;{dept};{manager};Medarbejder;"
                     f"{'2020-02-31' if bad else hire};;;;{loc};{fte};{sex}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10_000)
    args = parser.parse_args()
    from lms.app import create_app
    from lms.extensions import db
    from analytics import hris

    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 50, "CELERY_BROKER_URL": "memory://",
                      "INSTANCE_PATH": tmp})
    from flask_migrate import upgrade

    text = make_csv(args.employees)
    with app.app_context():
        upgrade()
        for label, dry in (("first import", False), ("same file again", False), ("dry run", True)):
            start = time.perf_counter()
            report = hris.import_spells(text, dry_run=dry)
            db.session.commit()
            took = time.perf_counter() - start
            print(f"{label:16} {took:6.1f} s  rows={report.rows} good={report.good} rejected={report.rejected} "
                  f"{ {k: v for k, v in report.counts.items() if v} }")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
