"""Exhaustive answers: of small siting instances (the oracle of the siting tests), and the
coverage of sets of units measured set by set (the oracle of the hour-of-week coverage).
"""

from __future__ import annotations

import itertools

import numpy as np
import shapely

from heartgeo.analysis.coverage import MeasureGrid, ZoneCut
from heartgeo.siting.models import Instance, better, evaluate


def brute_force(
    objective: str,
    inst: Instance,
    k: int | None,
    seconds: float = 600.0,
    q: float = 0.0,
    target: float = 0.9,
) -> float:
    """Best objective value by enumerating every set of sites (small instances only).

    Parameters
    ----------
    objective
        ``mclp``, ``lscp``, ``pmedian``, ``pcenter`` or ``mexclp``.
    inst
        The instance; its fixed sites are in every set.
    k
        Number of sites (ignored by ``lscp``, which looks for the fewest).
    seconds, q, target
        Coverage time, busy probability and ``lscp``'s coverage target.

    Returns
    -------
    float
        The best value (``lscp``: the number of sites, ``inf`` if none reaches the target).
    """
    fixed = set(inst.fixed.tolist())
    free = [c for c in range(inst.n_candidates) if c not in fixed]
    if objective == "lscp":
        total = inst.weights.sum()
        for size in range(len(fixed), inst.n_candidates + 1):
            for extra in itertools.combinations(free, size - len(fixed)):
                sites = sorted(fixed | set(extra))
                if sites and evaluate("mclp", inst, sites, seconds) >= target * total - 1e-6:
                    return float(len(sites))
        return np.inf
    best = None
    for extra in itertools.combinations(free, k - len(fixed)):
        value = evaluate(objective, inst, sorted(fixed | set(extra)), seconds, q)
        if best is None or better(objective, value, best):
            best = value
    return best


def residents_set_by_set(
    grid: MeasureGrid, zone: ZoneCut, polygons: list[shapely.Geometry], sets: np.ndarray
) -> np.ndarray:
    """Residents of ``zone`` within the dissolved ``polygons`` of each set of units (one
    band), measured set by set: the union of the on-duty units' polygons, cut by the cells
    and measured (:meth:`MeasureGrid.measure`). ``sets`` is boolean (K, U).
    """
    out = np.zeros(len(sets))
    for k, on in enumerate(np.asarray(sets, dtype=bool)):
        chosen = [p for p, o in zip(polygons, on, strict=True) if o and p is not None]
        if chosen:
            out[k] = grid.measure(grid.layer(shapely.union_all(chosen)), zone)[1]
    return out
