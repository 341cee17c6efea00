"""The planner's curve: the maximal covering location problem for every K, solved exactly.

For each number of units K the MCLP (Church & ReVelle 1974) is

    maximise   sum_d w_d y_d
    subject to y_d <= sum_c a_cd x_c,   sum_c x_c = K,   x binary,   0 <= y <= 1,

with ``a_cd = 1`` when site ``c`` reaches cell ``d`` within T. Solving it cold for
K = 1..12 with a general MILP solver costs minutes on a city (the root LP alone is
degenerate and dense: a 10-minute reach covers a fifth of the cells). This module gets
the same provably optimal answers in seconds with four exact steps:

1. **Reduction** (Church 1984 style): cells that no site reaches are dropped, cells
   reached by exactly the same sites are merged (their weights add), and a site whose
   cells are a subset of another's is dropped (it never beats swapping it for the
   other). Fixed sites' cells are counted once and removed.
2. **Incumbent**: greedy, then best-improvement vertex interchange (Teitz & Bart 1968),
   started from the greedy set, from the previous K's answer plus its best addition and
   from the Lagrangian solution below.
3. **Lagrangian bound and variable fixing** (Galvão & ReVelle 1996): relaxing the
   coverage rows with multipliers ``0 <= lambda_d <= w_d`` gives, for any lambda, the
   upper bound ``L = sum_d (w_d - lambda_d)^+ + (sum of the K largest g_c)`` with
   ``g = A lambda``; lambda is improved by subgradient steps (Held, Wolfe & Crowder 1974).
   If ``L`` is no better than the incumbent, the incumbent is optimal. A site ``c``
   outside the K largest can only be in a better solution if
   ``L - g_(K) + g_c`` exceeds the incumbent; sites that cannot are removed.
   **Saturation**: when the incumbent covers every reachable cell it is optimal.
4. **Branching**: while more than ``LEAF_SITES`` sites survive, branch on the most
   attractive survivor (the site in, then the site out; each child is again an MCLP
   on a smaller instance, bounded and fixed the same way); small leaves go to HiGHS
   (:func:`scipy.optimize.milp`, relative gap 1e-9).

Every step either keeps all solutions better than the incumbent or proves none exists,
so the result is optimal (to HiGHS's tolerance at the leaves). Construct with
:meth:`CoverProblem.from_cost_matrix`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from heartgeo.parallel import one_blas_thread

#: Leaves with at most this many candidate sites are handed to the MILP solver.
LEAF_SITES = 40
#: Subgradient steps at a child node (warm-started from its parent's multipliers).
CHILD_STEPS = 200
#: Relative tolerance under which a bound does not beat the incumbent.
TOL = 1e-9


@dataclass
class CurvePoint:
    """The optimum for one K: chosen sites (indices into the candidates), value, proof."""

    units: int
    sites: np.ndarray
    value: float
    bound: float
    optimal: bool
    how: str
    seconds: float


@dataclass
class CoverProblem:
    """A reduced covering problem: ``a`` (sites x merged cells, bool), weights, the site
    index each row stands for, the weight fixed sites already cover and those sites.
    """

    a: np.ndarray
    w: np.ndarray
    site: np.ndarray
    fixed_value: float
    fixed: np.ndarray
    n_sites: int

    @classmethod
    def from_cost_matrix(cls, cost, weights, seconds: float, fixed=()) -> CoverProblem:
        """Reduce a (sites, cells) matrix of seconds for coverage within ``seconds``."""
        reach = np.asarray(cost) <= seconds
        w = np.asarray(weights, dtype=float)
        fixed = np.unique(np.asarray(fixed, dtype=int))
        done = reach[fixed].any(axis=0) if len(fixed) else np.zeros(len(w), bool)
        free = np.setdiff1d(np.arange(reach.shape[0]), fixed)
        a, w_left = reach[free][:, ~done], w[~done]
        a, w_left = merge_cells(a, w_left)
        keep = undominated(a)
        a, w_left = merge_cells(a[keep], w_left)
        return cls(a, w_left, free[keep], float(w[done].sum()), fixed, reach.shape[0])


def merge_cells(a: np.ndarray, w: np.ndarray, lam: np.ndarray | None = None):
    """Drop cells nobody reaches or that weigh nothing; merge cells reached by the same
    sites (weights add). With ``lam``, also the multipliers carried over (they add too,
    which keeps the Lagrangian bound the same): returns ``(a, w)`` or ``(a, w, lam)``.
    """
    use = a.any(axis=0) & (w > 0)
    a, w = a[:, use], w[use]
    if a.shape[1] == 0:
        merged, weights, inverse = a, w, np.zeros(0, int)
    else:
        packed = np.packbits(a, axis=0).T
        uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        merged = np.unpackbits(uniq, axis=1, count=a.shape[0]).T.astype(bool)
        weights = np.bincount(inverse, weights=w, minlength=len(uniq))
    if lam is None:
        return merged, weights
    return merged, weights, np.bincount(inverse, weights=lam[use], minlength=len(weights))


def undominated(a: np.ndarray) -> np.ndarray:
    """Sites whose cells are not a subset of another site's (one of equal sets is kept)."""
    n = a.shape[0]
    if n == 0:
        return np.zeros(0, bool)
    f = a.astype(np.float32)
    inter = f @ f.T
    size = np.diag(inter).copy()
    subset = inter >= size[:, None] - 0.5  # row i's cells all in column j's
    bigger = (size[None, :] > size[:, None]) | (
        (size[None, :] == size[:, None]) & (np.arange(n)[None, :] < np.arange(n)[:, None])
    )
    np.fill_diagonal(subset, False)
    return ~(subset & bigger).any(axis=1)


# --- incumbent ------------------------------------------------------------------------


def _value(a: np.ndarray, w: np.ndarray, sites) -> float:
    sites = list(sites)
    return float(w[a[sites].any(axis=0)].sum()) if sites else 0.0


def local_search(af: np.ndarray, a: np.ndarray, w: np.ndarray, start: list[int], k: int):
    """Fill ``start`` greedily to ``k`` sites, then best-improvement swaps until none helps."""
    chosen = list(dict.fromkeys(start))[:k]
    count = a[chosen].sum(axis=0) if chosen else np.zeros(a.shape[1], int)
    while len(chosen) < k:
        gain = af @ (w * (count == 0))
        gain[chosen] = -1.0
        c = int(np.argmax(gain))
        chosen.append(c)
        count = count + a[c]
    value = float(w[count > 0].sum())
    while True:
        best = (value * (1 + TOL) + 1e-9, None, None)
        for i, out in enumerate(chosen):
            rest = count - a[out]
            gain = af @ (w * (rest == 0))
            gain[chosen] = -1.0
            c = int(np.argmax(gain))
            new = float(w[rest > 0].sum()) + gain[c]
            if new > best[0]:
                best = (new, i, c)
        if best[1] is None:
            return chosen, value
        _, i, c = best
        count = count - a[chosen[i]] + a[c]
        chosen[i] = c
        value = float(w[count > 0].sum())


# --- bound ----------------------------------------------------------------------------


def lagrangian(a, w, k, target, lam=None, iters=3000, patience=50, leaf=0):
    """The best Lagrangian upper bound found by subgradient steps, its multipliers and
    the site scores ``g = A lambda`` (Polyak steps towards ``target``, halved after
    ``patience`` steps without improvement). Any multipliers give a valid bound: the
    steps run in single precision for speed, the bound returned is recomputed in double
    precision from the best multipliers. With ``leaf``, stops once the bound fixes all
    but ``leaf`` sites (checked every 50 steps).
    """
    af = a.astype(np.float32)
    w32 = w.astype(np.float32)
    g = af @ w32  # lambda = w: the sum of the K largest coverages, exact for K = 1
    best, best_lam = float(np.partition(g, len(g) - k)[len(g) - k :].sum()), w32
    lam = w32 * 0.5 if lam is None else np.clip(lam, 0.0, w).astype(np.float32)
    scale, stall = 2.0, 0
    for i in range(iters):
        if leaf and i % 50 == 49:
            gb = af @ best_lam
            kth = np.partition(gb, len(gb) - k)[len(gb) - k]
            if ((best - kth + gb) > target * (1 + 1e-6)).sum() <= leaf:
                break
        g = af @ lam
        top = np.argpartition(-g, k - 1)[:k]
        bound = float(np.maximum(w32 - lam, 0.0).sum() + g[top].sum())
        if bound < best - 1e-7 * max(best, 1.0):
            best, best_lam, stall = bound, lam, 0
        else:
            stall += 1
            if stall >= patience:
                scale, stall = scale / 2, 0
        if scale < 1e-6 or best <= target * (1 - 1e-6):
            break
        step = af[top].sum(axis=0) - (lam < w32)
        norm = float(step @ step)
        if norm == 0:
            break
        lam = np.clip(lam - np.float32(scale * (bound - target) / norm) * step, 0.0, w32)
    lam = np.minimum(best_lam.astype(np.float64), w)
    g = _scores(a, lam)
    bound = float(np.maximum(w - lam, 0.0).sum() + np.partition(g, len(g) - k)[len(g) - k :].sum())
    return bound, lam, g


def _scores(a: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``g = A lambda`` in double precision."""
    return a.astype(np.float64) @ lam


# --- exact search ---------------------------------------------------------------------


def _leaf_milp(a, w, k, time_limit, incumbent=0.0):
    """HiGHS on a reduced instance, told to look only above ``incumbent`` (a cutoff row)."""
    n_c, n_d = a.shape
    cover = sparse.csr_matrix(a.T.astype(float))
    res = milp(
        np.r_[np.zeros(n_c), -w],
        integrality=np.r_[np.ones(n_c), np.zeros(n_d)],
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(sparse.hstack([-cover, sparse.identity(n_d)]), -np.inf, 0.0),
            LinearConstraint(np.r_[np.ones(n_c), np.zeros(n_d)][None, :], k, k),
            LinearConstraint(np.r_[np.zeros(n_c), w][None, :], incumbent, np.inf),
        ],
        options={"mip_rel_gap": 1e-9, "time_limit": time_limit},
    )
    if res.x is None:  # infeasible (status 2): nothing beats the incumbent, proved
        return None, np.inf, res.status == 2
    return list(np.flatnonzero(res.x[:n_c] > 0.5)), -res.mip_dual_bound, res.status == 0


class _Search:
    """Depth-first branch and bound with Lagrangian bounds and fixing (see the module)."""

    def __init__(self, time_limit: float):
        self.deadline = time.perf_counter() + time_limit
        self.clock = time.perf_counter
        self.proved = True
        self.nodes = 0
        self.leaves = 0

    def better(self, a, w, ids, k, incumbent, lam=None, iters=3000):
        """A site set (ids) of at most k sites worth more than ``incumbent``, or None if
        none exists (None also when the time limit stops the proof: ``proved`` is False).
        """
        self.nodes += 1
        cut = incumbent * (1 + TOL) + 1e-9
        if k <= 0 or a.shape[1] == 0 or float(w.sum()) <= cut:
            return None
        if k >= a.shape[0]:
            return list(ids)
        if self.clock() > self.deadline:
            self.proved = False
            return None
        bound, lam, g = lagrangian(a, w, k, incumbent, lam, iters=iters, leaf=LEAF_SITES)
        if bound <= cut:
            return None
        order = np.argsort(-g)
        kth, next_ = g[order[k - 1]], g[order[k]]
        keep = (bound - kth + g) > cut
        if keep.sum() <= k:
            sites = np.flatnonzero(keep)
            return list(ids[sites]) if _value(a, w, sites) > cut else None
        if keep.sum() <= LEAF_SITES:
            a, w = merge_cells(a[keep], w)
            self.leaves += 1
            sites, _, optimal = _leaf_milp(a, w, k, self.deadline - self.clock(), incumbent)
            self.proved &= bool(optimal)
            if sites is None:
                return None
            return list(ids[keep][sites]) if _value(a, w, sites) > cut else None
        # branch on the most attractive site: in first (finds better sets early), then out
        c = int(order[0])
        out_bound = bound - g[c] + next_  # the bound with c out, from the same multipliers
        rest = keep.copy()
        rest[c] = False
        covered = a[c]
        gain = float(w[covered].sum())
        found = None
        child = merge_cells(a[rest][:, ~covered], w[~covered], lam[~covered])
        sub = self.better(*child[:2], ids[rest], k - 1, incumbent - gain, child[2], CHILD_STEPS)
        if sub is None and gain > cut:  # c alone (plus anything) already beats it
            sub = []
        if sub is not None:
            found = [ids[c], *sub]
            where = {v: i for i, v in enumerate(ids)}
            incumbent = _value(a, w, [where[s] for s in found])
            cut = incumbent * (1 + TOL) + 1e-9
        if out_bound > cut:
            child = merge_cells(a[rest], w, lam)
            sub = self.better(*child[:2], ids[rest], k, incumbent, child[2], CHILD_STEPS)
            if sub is not None:
                return sub
        return found


def mclp_curve(problem: CoverProblem, units, time_limit: float = 120.0) -> list[CurvePoint]:
    """Optimal MCLP for each K in ``units`` (see the module for the method), with numpy's
    BLAS on one thread (:func:`heartgeo.parallel.one_blas_thread`: its threads made the
    curve twice as slow beside another busy program).

    Parameters
    ----------
    problem
        From :meth:`CoverProblem.from_cost_matrix`.
    units
        The values of K (each at least the number of fixed sites).
    time_limit
        Seconds per K; past it the best answer found is returned with ``optimal`` False.
    """
    with one_blas_thread():
        return _curve(problem, list(units), time_limit)


def _curve(problem: CoverProblem, units: list, time_limit: float) -> list[CurvePoint]:
    bad = [k for k in units if not len(problem.fixed) <= k <= problem.n_sites]
    if bad:
        raise ValueError(
            f"units {bad[0]}: give between {len(problem.fixed)} (the fixed sites) and "
            f"{problem.n_sites} (the sites)"
        )
    a, w = problem.a, problem.w
    af = a.astype(np.float64)
    n_fixed = len(problem.fixed)
    rows = np.arange(a.shape[0])
    out, previous = [], []
    for k_total in units:
        start = time.perf_counter()
        k = k_total - n_fixed
        if k <= 0 or a.shape[0] == 0:
            chosen, value, bound, optimal, how = [], 0.0, 0.0, True, "fixed sites only"
        elif k >= a.shape[0]:
            chosen, value = list(rows), float(w.sum())
            bound, optimal, how = value, True, "every useful site open"
        else:
            chosen, value, bound, optimal, how = _solve_k(a, af, w, rows, k, previous, time_limit)
        previous = list(chosen)
        sites = np.r_[problem.fixed, problem.site[np.asarray(chosen, dtype=int)]]
        sites = _pad(sites, k_total, problem.n_sites)
        out.append(
            CurvePoint(
                units=k_total,
                sites=np.sort(sites).astype(int),
                value=problem.fixed_value + value,
                bound=problem.fixed_value + bound,
                optimal=optimal,
                how=how,
                seconds=time.perf_counter() - start,
            )
        )
    return out


def _solve_k(a, af, w, rows, k: int, previous: list, time_limit: float):
    """One K: incumbent by local search (from nothing, the previous K's answer and the
    Lagrangian solution), then branch and bound; ``(chosen, value, bound, optimal, how)``.
    """
    starts = [[], previous]
    chosen, value = max((local_search(af, a, w, s, k) for s in starts), key=lambda cv: cv[1])
    if value >= w.sum() * (1 - TOL):
        return chosen, value, value, True, "saturated: every reachable cell covered"
    _, _, g = lagrangian(a, w, k, value, iters=200)
    lag_start = list(np.argsort(-g)[:k])
    c2, v2 = local_search(af, a, w, lag_start, k)
    if v2 > value:
        chosen, value = c2, v2
    search = _Search(time_limit)
    found = search.better(a, w, rows, k, value)
    if found is not None:
        chosen, value = list(found), _value(a, w, found)
    optimal = search.proved
    bound = value if optimal else float(w.sum())
    how = f"Lagrangian branch and bound ({search.nodes} nodes, {search.leaves} HiGHS leaves)"
    return chosen, value, bound, optimal, how


def _pad(sites: np.ndarray, k: int, n_sites: int) -> np.ndarray:
    """Exactly ``k`` sites (the model's constraint): add unused sites that change nothing."""
    sites = list(dict.fromkeys(int(s) for s in sites))
    spare = (s for s in range(n_sites) if s not in set(sites))
    while len(sites) < k:
        sites.append(next(spare))
    return np.asarray(sites)
