"""The exact location models as mixed-integer programs solved by HiGHS
(:func:`scipy.optimize.milp`): the formulations are in :mod:`heartgeo.siting.models`;
the MCLP's exact answer comes from the faster method of :mod:`heartgeo.siting.curve`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

if TYPE_CHECKING:  # models imports this module
    from heartgeo.siting.models import Instance


def solve_milp(c, integrality, bounds, constraints, time_limit):
    """One HiGHS MILP; :class:`NoSolution` when it stops without a feasible point."""
    res = milp(
        c,
        integrality=integrality,
        bounds=bounds,
        constraints=constraints,
        options={"time_limit": time_limit, "disp": False, "mip_rel_gap": 1e-9},
    )
    if res.x is None:
        raise NoSolution(res.message)
    return res


class NoSolution(RuntimeError):
    """HiGHS stopped without a feasible solution (for example at its time limit)."""


def x_bounds(inst: Instance, n_extra: int, extra_ub=1.0):
    """Bounds of the site variables (fixed sites forced open) and ``n_extra`` others."""
    lb = np.zeros(inst.n_candidates + n_extra)
    ub = np.r_[np.ones(inst.n_candidates), np.full(n_extra, extra_ub)]
    lb[inst.fixed] = 1.0
    return Bounds(lb, ub)


def cover_model(inst, k, seconds, alpha, time_limit):
    """MCLP (k given) or LSCP with target share alpha (k None)."""
    a = sparse.csr_matrix(inst.covers(seconds).T.astype(float))  # (D, C)
    n_c, n_d = inst.n_candidates, len(inst.weights)
    link = sparse.hstack([-a, sparse.identity(n_d)])  # y - A x <= 0
    cons = [LinearConstraint(link, -np.inf, 0.0)]
    if k is not None:
        cons.append(LinearConstraint(np.r_[np.ones(n_c), np.zeros(n_d)][None, :], k, k))
        c = np.r_[np.zeros(n_c), -inst.weights]
    else:
        total = inst.weights.sum()
        cons.append(
            LinearConstraint(
                np.r_[np.zeros(n_c), inst.weights][None, :], alpha * total - 1e-6, np.inf
            )
        )
        c = np.r_[np.ones(n_c), np.zeros(n_d)]
    integrality = np.r_[np.ones(n_c), np.zeros(n_d)]
    res = solve_milp(c, integrality, x_bounds(inst, n_d), cons, time_limit)
    sites = np.flatnonzero(res.x[:n_c] > 0.5)
    bound = -res.mip_dual_bound if k is not None else res.mip_dual_bound
    return sites, bound, res.status == 0


def mclp_milp(inst: Instance, k: int, seconds: float, time_limit: float = 120.0):
    """The MCLP for one K as one cold HiGHS MILP (the formulation in the module
    docstring): ``(sites, bound, optimal)``. The reference that the faster exact method
    (:mod:`heartgeo.siting.curve`) is checked and benchmarked against.
    """
    return cover_model(inst, k, seconds, None, time_limit)


def mclp_exact(inst, k, seconds, time_limit):
    """MCLP by :func:`heartgeo.siting.curve.mclp_curve` (exact, much faster than the MILP)."""
    from heartgeo.siting.curve import CoverProblem, mclp_curve

    problem = CoverProblem.from_cost_matrix(inst.cost, inst.weights, seconds, inst.fixed)
    point = mclp_curve(problem, [k], time_limit=time_limit)[0]
    return point.sites, point.bound, point.optimal


def assignment_model(inst, k, objective, time_limit):
    """p-median or p-center with assignment variables on reachable pairs."""
    n_c = inst.n_candidates
    demand = (
        np.flatnonzero(inst.weights > 0) if objective == "pcenter" else np.arange(len(inst.weights))
    )
    t = inst.cost[:, demand]
    ci, di = np.nonzero(np.isfinite(t))
    n_z = len(ci)
    extra = 1 if objective == "pcenter" else 0
    n = n_c + n_z + extra
    rows = []
    # each cell assigned once
    assign = sparse.csr_matrix((np.ones(n_z), (di, n_c + np.arange(n_z))), shape=(len(demand), n))
    rows.append(LinearConstraint(assign, 1.0, 1.0))
    # z_cd <= x_c
    link = sparse.csr_matrix(
        (
            np.r_[np.ones(n_z), -np.ones(n_z)],
            (np.r_[np.arange(n_z), np.arange(n_z)], np.r_[n_c + np.arange(n_z), ci]),
        ),
        shape=(n_z, n),
    )
    rows.append(LinearConstraint(link, -np.inf, 0.0))
    rows.append(LinearConstraint(np.r_[np.ones(n_c), np.zeros(n_z + extra)][None, :], k, k))
    if objective == "pmedian":
        c = np.r_[np.zeros(n_c), inst.weights[demand][di] * t[ci, di] / inst.weights.sum()]
    else:
        # sum_c t_cd z_cd - W <= 0 for every populated cell
        m = sparse.csr_matrix(
            (
                np.r_[t[ci, di], -np.ones(len(demand))],
                (
                    np.r_[di, np.arange(len(demand))],
                    np.r_[n_c + np.arange(n_z), np.full(len(demand), n - 1)],
                ),
            ),
            shape=(len(demand), n),
        )
        rows.append(LinearConstraint(m, -np.inf, 0.0))
        c = np.r_[np.zeros(n_c + n_z), 1.0]
    integrality = np.r_[np.ones(n_c), np.zeros(n_z + extra)]
    res = solve_milp(c, integrality, x_bounds(inst, n_z + extra, extra_ub=np.inf), rows, time_limit)
    sites = np.flatnonzero(res.x[:n_c] > 0.5)
    return sites, res.mip_dual_bound, res.status == 0


def mexclp_model(inst, k, seconds, q, time_limit):
    """MEXCLP (Daskin 1983) as a MILP: ``(sites, bound, optimal)``."""
    a = sparse.csr_matrix(inst.covers(seconds).T.astype(float))  # (D, C)
    n_c, n_d = inst.n_candidates, len(inst.weights)
    ks = np.arange(1, k + 1)
    gain = (1 - q) * q ** (ks - 1)  # (K,)
    n_y = n_d * k
    # sum_k y_dk - sum_c a_cd x_c <= 0
    ysum = sparse.kron(sparse.identity(n_d), np.ones((1, k)))
    link = sparse.hstack([-a, ysum])
    cons = [
        LinearConstraint(link, -np.inf, 0.0),
        LinearConstraint(np.r_[np.ones(n_c), np.zeros(n_y)][None, :], k, k),
    ]
    c = np.r_[np.zeros(n_c), -np.outer(inst.weights, gain).ravel()]
    integrality = np.r_[np.ones(n_c), np.zeros(n_y)]
    res = solve_milp(c, integrality, x_bounds(inst, n_y), cons, time_limit)
    return np.flatnonzero(res.x[:n_c] > 0.5), -res.mip_dual_bound, res.status == 0


# --- heuristic ------------------------------------------------------------------------


def exact_model(objective, inst, units, seconds, q, target, time_limit):
    """Solve one model exactly: ``(sites, bound, optimal, method)``.

    Raises
    ------
    NoSolution
        When HiGHS finds no feasible solution within ``time_limit``.
    """
    if objective == "mclp":
        sites, bound, optimal = mclp_exact(inst, units, seconds, time_limit)
        return sites, bound, optimal, "exact (Lagrangian branch and bound, HiGHS leaves)"
    if objective == "lscp":
        sites, bound, optimal = cover_model(inst, None, seconds, target, time_limit)
    elif objective == "mexclp":
        sites, bound, optimal = mexclp_model(inst, units, seconds, q, time_limit)
    else:
        sites, bound, optimal = assignment_model(inst, units, objective, time_limit)
    return sites, bound, optimal, "milp (HiGHS)"
