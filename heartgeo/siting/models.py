"""Staging-site optimisation: where K units should wait, and how many are needed.

Every model works on a cost matrix ``t[c, d]`` (seconds from candidate site ``c`` to
demand cell ``d``; ``inf`` where unreachable) and demand weights ``w[d]`` (people),
built once by :meth:`Instance.from_cost_matrix`. Sites listed in ``fixed`` are always
open. Exact answers come from a mixed-integer program solved by HiGHS
(:func:`scipy.optimize.milp`) where the instance is small enough (the MCLP from the
faster exact method of :mod:`heartgeo.siting.curve`); otherwise a greedy
start improved by vertex interchange (Teitz & Bart 1968) gives the answer and the
best known bound is reported.

Models (``a[c, d] = 1`` when ``t[c, d] <= T``):

- **MCLP**, maximal covering location (Church & ReVelle 1974): maximise
  ``sum_d w_d y_d`` subject to ``y_d <= sum_c a_cd x_c``, ``sum_c x_c = K``,
  ``x`` binary, ``0 <= y <= 1``.
- **LSCP**, location set covering (Toregas, Swain, ReVelle & Bergman 1971), here with a
  coverage target: minimise ``sum_c x_c`` subject to ``y_d <= sum_c a_cd x_c`` and
  ``sum_d w_d y_d >= alpha * sum_d w_d`` (``alpha = 1`` is the classical model).
- **p-median** (Hakimi 1964; ReVelle & Swain 1970): minimise
  ``sum_d sum_c w_d t_cd z_cd`` subject to ``sum_c z_cd = 1``, ``z_cd <= x_c``,
  ``sum_c x_c = K``; reported as the population-weighted mean time.
- **p-center** (Hakimi 1965): minimise ``W`` subject to the p-median assignment
  constraints and ``sum_c t_cd z_cd <= W`` for every populated cell.
- **MEXCLP**, maximum expected covering (Daskin 1983): each unit is busy with
  probability ``q``; maximise ``sum_d w_d sum_k (1 - q) q^(k-1) y_dk`` subject to
  ``sum_k y_dk <= sum_c a_cd x_c`` and ``sum_c x_c = K`` (one unit per site), i.e. the
  expected population covered by an available unit, ``sum_d w_d (1 - q^n_d)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heartgeo.choices import OBJECTIVES
from heartgeo.errors import InputError
from heartgeo.siting.milp import NoSolution, exact_model

#: Largest number of assignment variables (candidates x cells) solved exactly.
MAX_EXACT_PAIRS = 150_000


def busy_probability(
    q: float | None, calls_per_hour: float | None, minutes_per_call: float | None, units: int
) -> float:
    """Probability that a unit is busy: given, or ``calls/h x minutes/call / 60 / units``."""
    given = {"busy_q": q, "calls_per_hour": calls_per_hour, "minutes_per_call": minutes_per_call}
    for name, value in given.items():
        if value is not None and not np.isfinite(value):
            raise InputError(f"{name} {value}: give a finite number", param=name)
    if q is None:
        if calls_per_hour is None or minutes_per_call is None:
            raise InputError(
                "mexclp needs busy_q, or calls_per_hour and minutes_per_call",
                param=("busy_q", "calls_per_hour", "minutes_per_call"),
            )
        if calls_per_hour < 0 or minutes_per_call <= 0:
            raise InputError(
                "calls_per_hour must be >= 0 and minutes_per_call > 0",
                param=("calls_per_hour", "minutes_per_call"),
            )
        q = calls_per_hour * minutes_per_call / 60.0 / units
    if not 0 <= q < 1:
        raise InputError(
            f"busy probability q = {q:.3f} is outside [0, 1): with that workload the units are "
            "never free; give more units or check busy_q / calls_per_hour / minutes_per_call",
            param=("busy_q", "calls_per_hour", "minutes_per_call"),
        )
    return float(q)


@dataclass
class Instance:
    """A siting problem: cost matrix (seconds), demand weights, fixed sites."""

    cost: np.ndarray
    weights: np.ndarray
    fixed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))

    @classmethod
    def from_cost_matrix(cls, cost, weights, fixed=()) -> Instance:
        """An instance from a (sites, cells) matrix of seconds, cell weights and fixed site rows."""
        cost = np.asarray(cost, dtype=float)
        weights = np.asarray(weights, dtype=float)
        if cost.ndim != 2 or cost.shape[1] != len(weights):
            raise ValueError("cost must be (candidates, cells) and weights (cells,)")
        fixed = np.unique(np.asarray(fixed, dtype=int))
        if len(fixed) and (fixed.min() < 0 or fixed.max() >= cost.shape[0]):
            raise ValueError("fixed site index out of range")
        return cls(cost=cost, weights=weights, fixed=fixed)

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (fixed ones included)."""
        return self.cost.shape[0]

    def covers(self, seconds: float) -> np.ndarray:
        """Which site covers which cell within ``seconds`` (boolean matrix)."""
        return self.cost <= seconds


@dataclass
class Solution:
    """Chosen sites and how good they are."""

    objective: str
    sites: np.ndarray
    value: float
    bound: float | None
    method: str
    optimal: bool
    marginal: np.ndarray

    @property
    def gap(self) -> float | None:
        """Relative optimality gap between the value and the bound, if a bound is known."""
        if self.bound is None or not np.isfinite(self.bound):
            return None
        return abs(self.bound - self.value) / max(abs(self.value), 1e-12)


# --- evaluation -----------------------------------------------------------------------


def evaluate(
    objective: str, inst: Instance, sites, seconds: float = 600.0, q: float = 0.0
) -> float:
    """Objective value of a set of open sites (what the models optimise)."""
    sites = np.asarray(sorted({int(s) for s in sites}), dtype=int)
    w = inst.weights
    if len(sites) == 0:
        return {"mclp": 0.0, "lscp": 0.0, "mexclp": 0.0}.get(objective, np.inf)
    t = inst.cost[sites]
    if objective in ("mclp", "lscp"):
        return float(w[(t <= seconds).any(axis=0)].sum())
    if objective == "mexclp":
        n = (t <= seconds).sum(axis=0)
        return float((w * (1.0 - q**n)).sum())
    best = t.min(axis=0)
    if objective == "pmedian":
        return float((w * best).sum() / w.sum()) if w.sum() > 0 else 0.0
    if objective == "pcenter":
        return float(best[w > 0].max()) if (w > 0).any() else 0.0
    raise ValueError(objective)


def _maximise(objective: str) -> bool:
    return objective in ("mclp", "mexclp")


def better(objective: str, a: float, b: float) -> bool:
    """Whether value ``a`` is better than ``b`` for ``objective`` (beyond rounding)."""
    return a > b + 1e-9 if _maximise(objective) else a < b - 1e-9


def marginal_contributions(objective, inst, sites, seconds, q) -> np.ndarray:
    """How much the objective worsens when each chosen site is removed."""
    base = evaluate(objective, inst, sites, seconds, q)
    out = []
    for s in sites:
        rest = [x for x in sites if x != s]
        value = (
            evaluate(objective, inst, rest, seconds, q)
            if rest
            else (0.0 if _maximise(objective) else np.inf)
        )
        out.append(abs(base - value) if np.isfinite(value) else np.inf)
    return np.asarray(out, dtype=float)


# --- exact models ---------------------------------------------------------------------


def _check(inst: Instance, k: int | None) -> None:
    if k is not None:
        if k < 1:
            raise InputError(f"units {k}: give at least 1", param="units")
        if k > inst.n_candidates:
            raise InputError(
                f"units {k} is more than the {inst.n_candidates} candidate sites: "
                "give fewer units or more candidates",
                param="units",
            )
        if len(inst.fixed) > k:
            raise InputError(
                f"{len(inst.fixed)} fixed sites do not fit in units {k}", param="units"
            )


def heuristic(
    objective: str,
    inst: Instance,
    k: int,
    seconds: float = 600.0,
    q: float = 0.0,
    max_passes: int = 20,
) -> np.ndarray:
    """Greedy start, then vertex interchange (Teitz & Bart 1968) until no swap helps."""
    chosen = list(inst.fixed)
    free = [c for c in range(inst.n_candidates) if c not in set(chosen)]
    while len(chosen) < k:
        values = [evaluate(objective, inst, chosen + [c], seconds, q) for c in free]
        pick = int(np.argmax(values) if _maximise(objective) else np.argmin(values))
        chosen.append(free.pop(pick))
    current = evaluate(objective, inst, chosen, seconds, q)
    fixed = set(inst.fixed.tolist())
    for _ in range(max_passes):
        improved = False
        for i, out in enumerate(list(chosen)):
            if out in fixed:
                continue
            for j, inn in enumerate(free):
                trial = chosen[:i] + [inn] + chosen[i + 1 :]
                value = evaluate(objective, inst, trial, seconds, q)
                if better(objective, value, current):
                    chosen, current = trial, value
                    free[j] = out
                    out = inn
                    improved = True
        if not improved:
            break
    return np.asarray(sorted(chosen))


def _lscp_heuristic(inst, seconds, alpha):
    total = inst.weights.sum()
    for k in range(max(len(inst.fixed), 1), inst.n_candidates + 1):
        sites = heuristic("mclp", inst, k, seconds)
        if evaluate("mclp", inst, sites, seconds) >= alpha * total - 1e-6:
            return sites
    raise InputError(f"no set of candidates covers {alpha:.0%} of the population within the time")


# --- entry point ----------------------------------------------------------------------


def solve(
    objective: str,
    inst: Instance,
    *,
    units: int | None = None,
    seconds: float = 600.0,
    q: float = 0.0,
    target: float = 0.9,
    time_limit: float = 120.0,
    exact: bool | None = None,
) -> Solution:
    """Solve one model; exact (MILP) where the instance allows, else the heuristic.

    Parameters
    ----------
    objective
        One of ``mclp``, ``lscp``, ``pmedian``, ``pcenter``, ``mexclp``.
    units
        Number of sites K (not for ``lscp``).
    seconds
        Coverage time T (mclp, lscp, mexclp).
    q
        Busy probability (mexclp).
    target
        Share of the population to cover (lscp).
    exact
        Force (True) or forbid (False) the MILP; default: decided by the instance size.
    """
    _check_problem(objective, inst, units, seconds, target)
    use_exact = exact if exact is not None else _exact_size(objective, inst, units)
    bound, optimal = None, False
    if use_exact:
        try:
            sites, bound, optimal, method = exact_model(
                objective, inst, units, seconds, q, target, time_limit
            )
        except NoSolution:  # no incumbent within the time limit: the heuristic answers
            use_exact = False
    if not use_exact:
        if objective == "lscp":
            sites = _lscp_heuristic(inst, seconds, target)
        else:
            sites = heuristic(objective, inst, units, seconds, q)
        method = "greedy + interchange"
        bound = _simple_bound(objective, inst, units, seconds, q)
    if objective == "lscp":
        value = float(len(sites))
    else:
        value = evaluate(objective, inst, sites, seconds, q)
    return Solution(
        objective=objective,
        sites=np.asarray(sites, dtype=int),
        value=value,
        bound=bound,
        method=method,
        optimal=bool(optimal),
        marginal=marginal_contributions(
            objective if objective != "lscp" else "mclp", inst, sites, seconds, q
        ),
    )


def _check_problem(objective, inst, units, seconds, target) -> None:
    if objective not in OBJECTIVES:
        raise InputError(
            f"objective {objective!r}: choose one of {', '.join(OBJECTIVES)}", param="objective"
        )
    if not seconds > 0:
        raise InputError(f"minutes {seconds / 60:g}: give a time > 0", param="minutes")
    if objective == "lscp":
        if not 0 < target <= 1:
            raise InputError(f"target {target}: give a share in (0, 1]", param="target")
        _check(inst, None)
    else:
        _check(inst, units)


def _exact_size(objective, inst, units) -> bool:
    """Whether the instance is small enough for the MILP (:data:`MAX_EXACT_PAIRS`)."""
    if objective in ("pmedian", "pcenter"):
        size = inst.n_candidates * len(inst.weights)
    else:
        size = len(inst.weights) * (units or 1) if objective == "mexclp" else 0
    return size <= MAX_EXACT_PAIRS


def _simple_bound(objective, inst, k, seconds, q):
    """A valid bound without the MILP: every candidate open (or the k best columns)."""
    w = inst.weights
    if objective == "mclp":
        return float(w[inst.covers(seconds).any(axis=0)].sum())
    if objective == "mexclp":
        n = np.minimum(inst.covers(seconds).sum(axis=0), k)
        return float((w * (1 - q**n)).sum())
    if objective == "pmedian":
        return float((w * inst.cost.min(axis=0)).sum() / w.sum())
    if objective == "pcenter":
        return float(inst.cost.min(axis=0)[w > 0].max())
    return None
