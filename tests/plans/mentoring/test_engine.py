"""The matching engine without a database: hard constraints on problems built to break them,
optimality against brute force, and the comparison with greedy matching."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from plans.mentoring import engine
from plans.mentoring.engine import Mentee, Mentor, Problem

LANGS = ["en", "da", "sv"]


def random_problem(rng: random.Random, n: int, m: int, competencies: int = 4) -> Problem:
    """A small organisation where mentors are also mentees' managers, mentees are also mentors, pairs
    ended badly, languages are required and some wishes are covered by nobody."""
    mentor_users = list(range(1, m + 1))
    mentors = [Mentor(
        user_id=u, skills={c: rng.randint(1, 5) for c in rng.sample(range(competencies), rng.randint(1, 2))},
        languages=frozenset(rng.sample(LANGS, rng.randint(1, 2))), department_id=rng.randint(1, 3),
        seniority=rng.randint(1, 6), mode=rng.choice([engine.ON_SITE, engine.REMOTE, engine.EITHER]),
        location=rng.choice(["", "Copenhagen", "Malmö"]), capacity=rng.randint(0, 2),
    ) for u in mentor_users]
    mentees = []
    for k in range(n):
        user = rng.choice(mentor_users) if rng.random() < 0.25 else 100 + k  # some mentors ask too
        langs = frozenset(rng.sample(LANGS, rng.randint(1, 2)))
        mentees.append(Mentee(
            key=k, user_id=user,
            wanted={c: rng.choice([1, 2, 3]) for c in rng.sample(range(competencies + 1), rng.randint(1, 2))},
            languages=langs, required_language=rng.choice(sorted(langs)) if rng.random() < 0.3 else None,
            department_id=rng.randint(1, 3), seniority=rng.randint(1, 6),
            manager_id=rng.choice(mentor_users) if rng.random() < 0.5 else None,
            mode=rng.choice([engine.ON_SITE, engine.REMOTE, engine.EITHER]),
            location=rng.choice(["", "Copenhagen", "Malmö"]), prefers_other_department=rng.random() < 0.7,
            excluded_mentors=frozenset(rng.sample(mentor_users, rng.randint(0, 1))),
        ))
    bad = [(rng.choice(mentees).user_id, rng.choice(mentor_users)) for _ in range(rng.randint(0, 3))]
    return Problem(mentees, mentors, bad)


def assert_constraints_hold(problem: Problem, matching: engine.Matching) -> None:
    bad = {frozenset(p) for p in problem.bad_pairs}
    load: dict[int, int] = {}
    seen = set()
    for pair in matching.pairs:
        me, mo = problem.mentees[pair.mentee], problem.mentors[pair.mentor]
        assert pair.mentee not in seen, "a mentee matched twice"
        seen.add(pair.mentee)
        load[pair.mentor] = load.get(pair.mentor, 0) + 1
        assert load[pair.mentor] <= mo.capacity, "over capacity"
        assert me.user_id != mo.user_id, "mentor of oneself"
        assert me.manager_id != mo.user_id, "the mentee's own manager"
        assert frozenset((me.user_id, mo.user_id)) not in bad, "a pairing that ended badly"
        assert mo.user_id not in me.excluded_mentors, "a mentor who declined this request"
        if me.required_language:
            assert me.required_language in mo.languages, "required language not spoken"
        assert any(mo.skills.get(c, 0) > 0 for c in me.wanted), "zero skill coverage"
        assert {me.mode, mo.mode} != {engine.ON_SITE, engine.REMOTE}, "on site only with remote only"


def brute_force_best(problem: Problem) -> float:
    fm = engine.build_fit(problem)
    n, m = fm.fit.shape
    options = [[None] + [j for j in range(m) if fm.feasible[i, j]] for i in range(n)]
    best = 0.0
    for choice in itertools.product(*options):
        counts = np.bincount([j for j in choice if j is not None], minlength=m)
        if (counts > fm.capacity).any():
            continue
        best = max(best, sum(fm.fit[i, j] for i, j in enumerate(choice) if j is not None))
    return best


@pytest.mark.parametrize("method", ["dense", "sparse"])
@pytest.mark.parametrize("seed", range(150))
def test_constraints_hold_on_problems_built_to_break_them(seed, method):
    rng = random.Random(seed)
    problem = random_problem(rng, rng.randint(1, 12), rng.randint(1, 6))
    best = engine.solve(problem, method)
    assert_constraints_hold(problem, best)
    assert_constraints_hold(problem, engine.solve_greedy(problem))


@pytest.mark.parametrize("method", ["dense", "sparse"])
@pytest.mark.parametrize("seed", range(60))
def test_optimal_on_small_cases_checked_by_brute_force(seed, method):
    rng = random.Random(1000 + seed)
    problem = random_problem(rng, rng.randint(1, 5), rng.randint(1, 3))
    best = engine.solve(problem, method)
    assert best.total == pytest.approx(brute_force_best(problem))
    assert best.total >= engine.solve_greedy(problem).total - 1e-9


def test_beats_or_equals_greedy_on_random_problems_and_somewhere_strictly():
    strictly = 0
    for seed in range(40):
        rng = random.Random(5000 + seed)
        problem = random_problem(rng, 30, 8)
        best, greedy = engine.solve(problem), engine.solve_greedy(problem)
        assert best.total >= greedy.total - 1e-9
        assert engine.solve(problem, "sparse").total == pytest.approx(best.total)  # both solvers agree
        strictly += best.total > greedy.total + 1e-9
    assert strictly > 0


def test_strictly_beats_greedy_on_a_constructed_case():
    # X offers A and B and speaks Danish with Ana; Y offers only A. Ana wants A and B, Bo wants only B.
    # Greedy gives X to Ana (her best pair) and leaves Bo without anyone; the optimum gives Ana Y and Bo X.
    A, B = 1, 2
    problem = Problem(
        mentees=[Mentee(key=1, user_id=11, wanted={A: 1, B: 1}, languages=frozenset({"da"})),
                 Mentee(key=2, user_id=12, wanted={B: 1}, languages=frozenset({"fi"}))],
        mentors=[Mentor(user_id=1, skills={A: 5, B: 5}, languages=frozenset({"da"}), capacity=1),
                 Mentor(user_id=2, skills={A: 5}, languages=frozenset({"sv"}), capacity=1)],
    )
    best, greedy = engine.solve(problem), engine.solve_greedy(problem)
    assert [(p.mentee, p.mentor) for p in engine.solve(problem, "sparse").pairs] == [(0, 1), (1, 0)]
    assert [(p.mentee, p.mentor) for p in greedy.pairs] == [(0, 0)]
    assert [(p.mentee, p.mentor) for p in best.pairs] == [(0, 1), (1, 0)]
    assert best.total > greedy.total


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_a_forbidden_pair_is_never_taken_to_fill_a_slot(method):
    # One mentor with room for two; the second mentee's only option is their own manager.
    problem = Problem(
        mentees=[Mentee(key=1, user_id=11, wanted={1: 1}), Mentee(key=2, user_id=12, wanted={1: 1}, manager_id=2)],
        mentors=[Mentor(user_id=2, skills={1: 4}, capacity=2)],
    )
    best = engine.solve(problem, method)
    assert [(p.mentee, p.mentor) for p in best.pairs] == [(0, 0)]


def test_gap_weights_prefer_the_mentor_who_covers_the_bigger_gap():
    problem = Problem(
        mentees=[Mentee(key=1, user_id=11, wanted={1: 3, 2: 1})],
        mentors=[Mentor(user_id=1, skills={2: 5}), Mentor(user_id=2, skills={1: 5})],
    )
    assert [p.mentor for p in engine.solve(problem).pairs] == [1]


def test_seniority_language_and_department_shape_the_fit():
    base = dict(skills={1: 5}, capacity=1)
    me = Mentee(key=1, user_id=10, wanted={1: 1}, languages=frozenset({"da"}), department_id=1, seniority=2)
    mentors = [
        Mentor(user_id=1, languages=frozenset({"da"}), department_id=2, seniority=4, **base),  # ideal
        Mentor(user_id=2, languages=frozenset({"da"}), department_id=1, seniority=4, **base),  # same department
        Mentor(user_id=3, languages=frozenset({"sv"}), department_id=2, seniority=4, **base),  # no shared language
        Mentor(user_id=4, languages=frozenset({"da"}), department_id=2, seniority=2, **base),  # same level
        Mentor(user_id=5, languages=frozenset({"da"}), department_id=2, seniority=1, **base),  # junior
    ]
    fit = engine.build_fit(Problem([me], mentors)).fit[0]
    assert fit[0] > fit[1] and fit[0] > fit[2] and fit[0] > fit[3] > fit[4]
    reasons = engine.explain(Problem([me], mentors), 0, 0)
    assert reasons.competencies == [1] and reasons.different_department and reasons.languages == ["da"]
    assert reasons.seniority_gap == 2


def test_nothing_to_match():
    assert engine.solve(Problem([], [])).pairs == []
    assert engine.solve(Problem([Mentee(key=1, user_id=1, wanted={1: 1})], [])).pairs == []
    full = Problem([Mentee(key=1, user_id=1, wanted={1: 1})], [Mentor(user_id=2, skills={1: 3}, capacity=0)])
    assert engine.solve(full).pairs == []
