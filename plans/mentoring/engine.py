"""The matching engine: a fit matrix mentee × mentor and an optimal assignment over mentor capacity.

Pure numpy/SciPy, no database and no Flask: `plans.mentoring.service` turns profiles and requests into
a `Problem`, tests and `bench/matching.py` build problems directly.

Fit of a feasible pair (always > 0, so a feasible pair is preferred to leaving someone unmatched):

    BASE + SKILL × coverage            coverage: the mentee's wanted competencies weighted by their gap,
                                       each covered by the mentor's level / 5 (a share in 0–1)
         + LANGUAGE if they share one  (a language the mentee requires is a hard constraint instead)
         + OTHER_DEPARTMENT            if the mentee prefers another department and gets one
         + seniority                   mentor 1–3 levels above: bonus; same or lower: penalty
         + mode                        both on site or both remote: small bonus; on site in different
                                       known locations: penalty (on site vs remote only: infeasible)

Hard constraints (the pair is infeasible): the mentor is the mentee themselves or their manager; the
two had a mentorship that ended badly; the mentor declined (or HR rejected) this request before; the
mentee requires a language the mentor does not speak; on site only vs remote only; zero skill coverage;
and, in the assignment, each mentor's remaining capacity.

The assignment expands each mentor into capacity slots and solves a rectangular assignment with one
"unmatched" column per row, so that an infeasible pair is never taken just to fill a slot: with
`scipy.optimize.linear_sum_assignment` on the dense matrix for small problems, with
`scipy.sparse.csgraph.min_weight_full_bipartite_matching` over the feasible pairs at organisation
scale. Both maximise the total fit over all feasible assignments (checked against brute force in
tests), unlike the greedy baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix, hstack, identity
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

# --- weights ---------------------------------------------------------------------------------

BASE = 2.0
SKILL = 10.0
LANGUAGE = 2.0
OTHER_DEPARTMENT = 1.5
#: seniority gap (mentor − mentee) → points; gaps outside the table use the nearest end
SENIORITY_POINTS = {-5: -1.0, -1: -1.0, 0: -0.5, 1: 1.0, 2: 1.5, 3: 1.0, 4: 0.25}
SAME_MODE = 0.5
OTHER_LOCATION = -1.0
#: the weight of an infeasible pair in the assignment (post-filtered: never proposed)
FORBIDDEN = -1.0e6
MAX_LEVEL = 5

ON_SITE, REMOTE, EITHER = "on_site", "remote", "either"


@dataclass
class Mentee:
    """One open request: who asks, what they want and where they stand."""

    key: int  #: the request id (or any unique key)
    user_id: int
    #: {competency_id: weight}: the gap to the mentee's role, 1 where unknown
    wanted: Mapping[int, float]
    languages: frozenset[str] = frozenset()
    #: a language the mentor must speak (None: any shared language is a bonus)
    required_language: str | None = None
    department_id: int | None = None
    seniority: int = 2
    manager_id: int | None = None
    mode: str = EITHER
    location: str = ""
    prefers_other_department: bool = True
    #: mentors never to propose for this request (declined it, or HR rejected the pairing)
    excluded_mentors: frozenset[int] = frozenset()


@dataclass
class Mentor:
    """A published mentor profile with the capacity left."""

    user_id: int
    #: {competency_id: level 1–5}
    skills: Mapping[int, int]
    languages: frozenset[str] = frozenset()
    department_id: int | None = None
    seniority: int = 3
    mode: str = EITHER
    location: str = ""
    capacity: int = 1  #: remaining: profile capacity minus active mentorships and pending proposals


@dataclass
class Problem:
    mentees: Sequence[Mentee]
    mentors: Sequence[Mentor]
    #: pairs of user ids whose mentorship ended badly (either order)
    bad_pairs: Iterable[tuple[int, int]] = ()


@dataclass
class Reasons:
    """Why a pair fits, for the human explanation (the service words it)."""

    competencies: list[int]  #: covered wanted competencies, most important first
    different_department: bool
    languages: list[str]  #: shared languages, the required one first
    seniority_gap: int
    same_mode: str | None  #: "on_site" or "remote" when both want the same


@dataclass
class Pair:
    mentee: int  #: index into problem.mentees
    mentor: int  #: index into problem.mentors
    fit: float


@dataclass
class Matching:
    pairs: list[Pair] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(p.fit for p in self.pairs))


@dataclass
class FitMatrix:
    fit: np.ndarray  #: float64, mentees × mentors
    feasible: np.ndarray  #: bool, mentees × mentors
    capacity: np.ndarray  #: int, per mentor


def _seniority_points(gap: np.ndarray) -> np.ndarray:
    keys = sorted(SENIORITY_POINTS)
    lo, hi = keys[0], keys[-1]
    table = np.array([SENIORITY_POINTS.get(k, SENIORITY_POINTS[max(x for x in keys if x <= k)])
                      for k in range(lo, hi + 1)])
    return table[np.clip(gap, lo, hi) - lo]


def build_fit(problem: Problem) -> FitMatrix:
    """The fit of every mentee with every mentor, and which pairs are feasible (capacity aside)."""
    mentees, mentors = list(problem.mentees), list(problem.mentors)
    n, m = len(mentees), len(mentors)
    if n == 0 or m == 0:
        return FitMatrix(np.zeros((n, m)), np.zeros((n, m), dtype=bool),
                         np.array([max(0, mo.capacity) for mo in mentors], dtype=np.int64))

    competencies = sorted({c for me in mentees for c in me.wanted} | {c for mo in mentors for c in mo.skills})
    col = {c: k for k, c in enumerate(competencies)}
    want = np.zeros((n, len(competencies)))
    for i, me in enumerate(mentees):
        for c, w in me.wanted.items():
            want[i, col[c]] = max(float(w), 0.0)
    offer = np.zeros((m, len(competencies)))
    for j, mo in enumerate(mentors):
        for c, level in mo.skills.items():
            offer[j, col[c]] = min(max(level, 0), MAX_LEVEL) / MAX_LEVEL
    weight = want.sum(axis=1)
    weight[weight == 0] = 1.0
    coverage = (want @ offer.T) / weight[:, None]  # share of the weighted wish covered, 0–1

    languages = sorted({x for me in mentees for x in me.languages} | {x for mo in mentors for x in mo.languages}
                       | {me.required_language for me in mentees if me.required_language})
    lcol = {x: k for k, x in enumerate(languages)}
    speaks_me = np.zeros((n, len(languages)), dtype=np.float32)
    for i, me in enumerate(mentees):
        for x in me.languages:
            speaks_me[i, lcol[x]] = 1
    speaks_mo = np.zeros((m, len(languages)), dtype=np.float32)
    for j, mo in enumerate(mentors):
        for x in mo.languages:
            speaks_mo[j, lcol[x]] = 1
    shared = (speaks_me @ speaks_mo.T) > 0

    def column(values, dtype=np.int64, missing=-1):
        return np.array([missing if v is None else v for v in values], dtype=dtype)

    me_user = column(me.user_id for me in mentees)
    mo_user = column(mo.user_id for mo in mentors)
    me_dept = column((me.department_id for me in mentees), missing=-1)
    mo_dept = column((mo.department_id for mo in mentors), missing=-2)  # unknown never equals unknown
    different = me_dept[:, None] != mo_dept[None, :]
    prefers_other = np.array([me.prefers_other_department for me in mentees])
    gap = column(mo.seniority for mo in mentors)[None, :] - column(me.seniority for me in mentees)[:, None]

    codes = {ON_SITE: 0, REMOTE: 1, EITHER: 2}
    me_mode = np.array([codes.get(me.mode, 2) for me in mentees])
    mo_mode = np.array([codes.get(mo.mode, 2) for mo in mentors])
    clash = ((me_mode[:, None] == 0) & (mo_mode[None, :] == 1)) | ((me_mode[:, None] == 1) & (mo_mode[None, :] == 0))
    same_mode = (me_mode[:, None] == mo_mode[None, :]) & (me_mode[:, None] != 2)
    places = sorted({me.location.strip().lower() for me in mentees if me.location.strip()}
                    | {mo.location.strip().lower() for mo in mentors if mo.location.strip()})
    pcode = {p: k for k, p in enumerate(places)}
    me_place = np.array([pcode.get(me.location.strip().lower(), -1) for me in mentees])
    mo_place = np.array([pcode.get(mo.location.strip().lower(), -2) for mo in mentors])
    on_site_both = (me_mode[:, None] == 0) & (mo_mode[None, :] != 1)
    far = on_site_both & (me_place[:, None] >= 0) & (mo_place[None, :] >= 0) & (me_place[:, None] != mo_place[None, :])

    fit = (BASE + SKILL * coverage + LANGUAGE * shared + OTHER_DEPARTMENT * (different & prefers_other[:, None])
           + _seniority_points(gap) + SAME_MODE * same_mode + OTHER_LOCATION * far)

    feasible = coverage > 0
    feasible &= me_user[:, None] != mo_user[None, :]
    feasible &= column(me.manager_id for me in mentees)[:, None] != mo_user[None, :]
    feasible &= ~clash
    for i, me in enumerate(mentees):
        if me.required_language:
            k = lcol[me.required_language]
            feasible[i] &= speaks_mo[:, k] > 0
    mentor_index = {u: j for j, u in enumerate(mo_user.tolist())}
    mentee_rows: dict[int, list[int]] = {}
    for i, u in enumerate(me_user.tolist()):
        mentee_rows.setdefault(u, []).append(i)
    for i, me in enumerate(mentees):
        for u in me.excluded_mentors:
            if u in mentor_index:
                feasible[i, mentor_index[u]] = False
    for a, b in problem.bad_pairs:
        for x, y in ((a, b), (b, a)):
            if y in mentor_index:
                for i in mentee_rows.get(x, ()):
                    feasible[i, mentor_index[y]] = False
    capacity = np.array([max(0, mo.capacity) for mo in mentors], dtype=np.int64)
    return FitMatrix(fit, feasible, capacity)


def assign(fit: np.ndarray, feasible: np.ndarray, capacity: np.ndarray, method: str = "auto") -> Matching:
    """The assignment of mentees (rows) to mentors (columns) with the largest total fit: each mentee
    at most once, each mentor at most `capacity[j]` times, only feasible pairs.

    Each mentor becomes `capacity` identical slots; the smaller side (mentees or slots) becomes the
    rows, and every row gets its own "unmatched" column, so a row is never paired through a forbidden
    pair just to fill. `method` "dense" solves it with `scipy.optimize.linear_sum_assignment` (forbidden
    pairs at a large cost), "sparse" with `scipy.sparse.csgraph.min_weight_full_bipartite_matching` over
    the feasible pairs only (the same optimum, far less memory and time at organisation scale);
    "auto" picks dense for small problems.
    """
    feasible = feasible & (capacity[None, :] > 0)
    rows = np.flatnonzero(feasible.any(axis=1))
    cols = np.flatnonzero(feasible.any(axis=0))
    if len(rows) == 0:
        return Matching()
    sub_feasible = feasible[np.ix_(rows, cols)]
    sub_fit = fit[np.ix_(rows, cols)]
    # A mentor never needs more slots than the mentees it could take.
    slots_per = np.minimum(capacity[cols], sub_feasible.sum(axis=0))
    slot_col = np.repeat(np.arange(len(cols)), slots_per)  # slot → column of sub_fit
    n_rows, n_slots = len(rows), len(slot_col)
    transpose = n_slots < n_rows  # then the slots are the rows of the assignment
    r, c = (n_slots, n_rows) if transpose else (n_rows, n_slots)
    if method == "auto":
        method = "dense" if r * (c + r) <= DENSE_LIMIT else "sparse"
    if method == "dense":
        row_ind, col_ind = _dense(sub_fit, sub_feasible, slot_col, transpose, r, c)
    elif method == "sparse":
        row_ind, col_ind = _sparse(sub_fit, sub_feasible, slot_col, transpose, r)
    else:
        raise ValueError(f"unknown method {method!r}")
    pairs = []
    for a, b in zip(row_ind.tolist(), col_ind.tolist()):
        if b >= c:
            continue  # unmatched
        i, s = (b, a) if transpose else (a, b)
        mentee, mentor = int(rows[i]), int(cols[slot_col[s]])
        if feasible[mentee, mentor]:
            pairs.append(Pair(mentee, mentor, float(fit[mentee, mentor])))
    pairs.sort(key=lambda p: p.mentee)
    return Matching(pairs)


#: the largest dense assignment matrix (cells) solved with linear_sum_assignment under "auto"
DENSE_LIMIT = 2_000_000


def _dense(sub_fit, sub_feasible, slot_col, transpose, r, c):
    """linear_sum_assignment on rows × (slots or mentees + one zero-cost "unmatched" column per row)."""
    cost = np.where(sub_feasible, -sub_fit, -FORBIDDEN)  # minimise −fit; forbidden costs a lot
    full = np.zeros((r, c + r))
    if transpose:
        cost = np.ascontiguousarray(cost.T)  # mentors × mentees: a slot's row is its mentor's row
    chunk = 512  # filled in blocks: no second full-size temporary
    for start in range(0, r, chunk):
        stop = min(start + chunk, r)
        full[start:stop, :c] = cost[slot_col[start:stop]] if transpose else cost[start:stop][:, slot_col]
    del cost
    return linear_sum_assignment(full)


def _sparse(sub_fit, sub_feasible, slot_col, transpose, r):
    """min_weight_full_bipartite_matching over feasible pairs plus one "unmatched" edge per row.

    Every row is matched exactly once, so shifting all weights by a constant keeps the optimum; the
    shift makes every weight positive (the sparse format cannot hold a zero-weight edge).
    """
    shift = float(sub_fit[sub_feasible].max()) + 1.0
    edges = csr_matrix(np.where(sub_feasible, shift - sub_fit, 0.0))  # mentees × mentors, feasible only
    if transpose:
        graph = edges.T.tocsr()[slot_col]  # slots × mentees
    else:
        graph = edges.tocsc()[:, slot_col].tocsr()  # mentees × slots
    unmatched = identity(r, format="csr") * shift
    return min_weight_full_bipartite_matching(hstack([graph, unmatched], format="csr"))


def greedy(fit: np.ndarray, feasible: np.ndarray, capacity: np.ndarray) -> Matching:
    """The baseline: best feasible pair first, while the mentee is free and the mentor has room."""
    left = capacity.astype(np.int64).copy()
    taken = np.zeros(fit.shape[0], dtype=bool)
    ii, jj = np.nonzero(feasible)
    order = np.lexsort((jj, ii, -fit[ii, jj]))
    pairs = []
    for k in order.tolist():
        i, j = int(ii[k]), int(jj[k])
        if not taken[i] and left[j] > 0:
            taken[i] = True
            left[j] -= 1
            pairs.append(Pair(i, j, float(fit[i, j])))
    pairs.sort(key=lambda p: p.mentee)
    return Matching(pairs)


def solve(problem: Problem, method: str = "auto") -> Matching:
    """The optimal matching of a problem."""
    fm = build_fit(problem)
    return assign(fm.fit, fm.feasible, fm.capacity, method)


def solve_greedy(problem: Problem) -> Matching:
    fm = build_fit(problem)
    return greedy(fm.fit, fm.feasible, fm.capacity)


def explain(problem: Problem, mentee: int, mentor: int) -> Reasons:
    """What a pair has in common, for the explanation shown to HR and the mentor."""
    me, mo = problem.mentees[mentee], problem.mentors[mentor]
    covered = [c for c in me.wanted if mo.skills.get(c, 0) > 0 and me.wanted[c] > 0]
    covered.sort(key=lambda c: (-me.wanted[c] * mo.skills[c], c))
    shared = sorted(set(me.languages) & set(mo.languages))
    if me.required_language and me.required_language in mo.languages:
        shared = [me.required_language] + [x for x in shared if x != me.required_language]
    return Reasons(
        competencies=covered,
        different_department=(me.department_id is None or mo.department_id is None
                              or me.department_id != mo.department_id),
        languages=shared,
        seniority_gap=mo.seniority - me.seniority,
        same_mode=me.mode if me.mode == mo.mode and me.mode in (ON_SITE, REMOTE) else None,
    )


# --- generic use: onboarding buddies ---------------------------------------------------------


def best_candidate(fit: Sequence[float], feasible: Sequence[bool], capacity: Sequence[int]) -> int | None:
    """One person to place among candidates (an onboarding buddy): the same assignment, one row."""
    if not len(fit):
        return None
    matching = assign(np.asarray(fit, dtype=float)[None, :], np.asarray(feasible, dtype=bool)[None, :],
                      np.asarray(capacity, dtype=np.int64))
    return matching.pairs[0].mentor if matching.pairs else None
