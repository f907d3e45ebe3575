"""Mentor matching at organisation scale: 5,000 mentees and 1,000 mentors with capacities 1–5.

Builds a seeded random problem (skills, gaps, languages, departments, seniority, managers, bad past
pairings, declined proposals), then times the optimal assignment (plans.mentoring.engine.solve) and the
greedy baseline, and prints time, peak memory and total fit of each. No database: the engine is pure
numpy/SciPy. Target: the optimal matching within 10 s and 1 GB on two cores.

    .venv/bin/python bench/matching.py [--mentees 5000] [--mentors 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plans.mentoring import engine  # noqa: E402

LANGUAGES = ["en", "da", "sv", "no", "de", "fi"]
MODES = [engine.ON_SITE, engine.REMOTE, engine.EITHER]
PLACES = ["Copenhagen", "Malmö", "Aarhus", "Oslo", ""]


def make_problem(n_mentees: int, n_mentors: int, seed: int, competencies: int = 40,
                 departments: int = 25) -> engine.Problem:
    rng = random.Random(seed)
    # Mentors are users 1..n_mentors; mentees follow. Some mentors also ask for a mentor themselves.
    mentors = []
    for u in range(1, n_mentors + 1):
        skills = {c: rng.randint(2, 5) for c in rng.sample(range(competencies), rng.randint(2, 6))}
        langs = {"en"} | set(rng.sample(LANGUAGES, rng.randint(0, 2)))
        mentors.append(engine.Mentor(
            user_id=u, skills=skills, languages=frozenset(langs), department_id=rng.randrange(departments),
            seniority=rng.randint(2, 6), mode=rng.choice(MODES), location=rng.choice(PLACES),
            capacity=rng.randint(1, 5),
        ))
    mentees = []
    for k in range(n_mentees):
        user = n_mentors + 1 + k if rng.random() > 0.02 else rng.randint(1, n_mentors)  # a mentor asking too
        wanted = {c: rng.choice([1, 1, 2, 2, 3, 4]) for c in rng.sample(range(competencies), rng.randint(1, 4))}
        langs = {rng.choice(LANGUAGES)} | ({"en"} if rng.random() < 0.8 else set())
        required = rng.choice(sorted(langs)) if rng.random() < 0.15 else None
        mentees.append(engine.Mentee(
            key=k + 1, user_id=user, wanted=wanted, languages=frozenset(langs), required_language=required,
            department_id=rng.randrange(departments), seniority=rng.randint(1, 5),
            manager_id=rng.randint(1, n_mentors) if rng.random() < 0.5 else None,
            mode=rng.choice(MODES), location=rng.choice(PLACES), prefers_other_department=rng.random() < 0.7,
            excluded_mentors=frozenset(rng.sample(range(1, n_mentors + 1), rng.randint(0, 2))),
        ))
    bad = [(rng.choice(mentees).user_id, rng.randint(1, n_mentors)) for _ in range(n_mentees // 10)]
    return engine.Problem(mentees, mentors, bad)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dense", action="store_true",
                        help="also solve with the dense linear_sum_assignment (slower, more memory) as a cross-check")
    args = parser.parse_args()

    t0 = time.perf_counter()
    problem = make_problem(args.mentees, args.mentors, args.seed)
    t_make = time.perf_counter() - t0
    rss_before = peak_rss_mb()

    t0, c0 = time.perf_counter(), time.process_time()
    fm = engine.build_fit(problem)
    t_fit, c_fit = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    best = engine.assign(fm.fit, fm.feasible, fm.capacity)  # "auto": the sparse solver at this size
    t_assign, c_assign = time.perf_counter() - t0, time.process_time() - c0
    rss_solved = peak_rss_mb()
    dense = None
    if args.dense:
        t0, c0 = time.perf_counter(), time.process_time()
        dense = engine.assign(fm.fit, fm.feasible, fm.capacity, method="dense")
        t_dense, c_dense = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    base = engine.greedy(fm.fit, fm.feasible, fm.capacity)
    t_greedy = time.perf_counter() - t0

    slots = int(fm.capacity.sum())
    print(f"problem: {args.mentees} mentees, {args.mentors} mentors, {slots} capacity slots, "
          f"{int(fm.feasible.sum()):,} feasible pairs ({fm.feasible.mean():.0%}); generated in {t_make:.1f} s")
    print(f"fit matrix:        {t_fit:6.2f} s wall ({c_fit:.2f} s cpu)")
    print(f"optimal matching:  {t_assign:6.2f} s wall ({c_assign:.2f} s cpu)   matched {len(best.pairs):5d}"
          f"   total fit {best.total:12.1f}")
    print(f"  fit + matching:  {t_fit + t_assign:6.2f} s wall (target 10 s)")
    if dense is not None:
        print(f"  dense LSA check: {t_dense:6.2f} s wall ({c_dense:.2f} s cpu)   total fit {dense.total:12.1f}"
              f"   (same optimum: {abs(dense.total - best.total) < 1e-6})")
    print(f"greedy baseline:   {t_greedy:6.2f} s   matched {len(base.pairs):5d}   total fit {base.total:12.1f}")
    print(f"optimal vs greedy: {best.total - base.total:+.1f} ({(best.total / base.total - 1) * 100:+.2f} %)")
    print(f"peak memory (process max RSS): {rss_solved:.0f} MB after the optimal matching "
          f"({rss_before:.0f} MB with the problem built; target 1 GB)"
          + (f"; {peak_rss_mb():.0f} MB after the dense check" if dense is not None else ""))
    # sanity: the constraints hold
    used = {}
    for p in best.pairs:
        assert fm.feasible[p.mentee, p.mentor]
        used[p.mentor] = used.get(p.mentor, 0) + 1
        assert used[p.mentor] <= fm.capacity[p.mentor]
    assert best.total >= base.total - 1e-6


if __name__ == "__main__":
    main()
