"""Which travel model a run uses, and building it: the one place that knows the models.

``auto`` (the default of every command) picks the network model where the loaded road
network covers at least :data:`heartgeo.config.MIN_NETWORK_SHARE` of the run's study
areas, else the crow-fly screening model for the whole of them.
"""

from __future__ import annotations

from pathlib import Path

from heartgeo.config import MIN_NETWORK_SHARE, manifest
from heartgeo.io.cache import Cache, make_key
from heartgeo.network.arrays import RoadNetwork
from heartgeo.network.blocks import Blocks
from heartgeo.progress import QUIET, Progress
from heartgeo.settings import Settings
from heartgeo.travel.crowfly import CrowflyModel, calibrate_crowfly
from heartgeo.travel.network import NetworkModel
from heartgeo.travel.protocol import TravelModel


def choose_travel_model(requested: str, network_share: float) -> tuple[str, str]:
    """The travel model of a run and why: ``auto`` picks the network model where the loaded
    road network covers at least :data:`MIN_NETWORK_SHARE` of the study area, else the
    crow-fly screening model for the whole area.

    Parameters
    ----------
    requested
        ``auto``, ``network`` or ``crowfly``.
    network_share
        Share (0-1) of the study area inside the loaded network's extent.

    Returns
    -------
    tuple of str
        The model's name and the reason, as the first progress line shows it.
    """
    if requested != "auto":
        return requested, f"travel model {requested!r} was asked for"
    covers = f"auto: the loaded road network covers {100 * network_share:.1f} % of the study area"
    if network_share >= MIN_NETWORK_SHARE:
        return "network", f"{covers}, at least {100 * MIN_NETWORK_SHARE:g} %"
    return "crowfly", f"{covers}, less than {100 * MIN_NETWORK_SHARE:g} %"


def model_line(name: str, because: str) -> str:
    """The progress line that announces the travel model of a run (printed first)."""
    if name == "crowfly":
        return (
            f"Travel model: crow-fly SCREENING estimate for the whole study area ({because}); "
            "run `heartgeo fetch` for drive-time polygons"
        )
    return f"Travel model: network drive times ({because})"


def network_title(path: Path) -> str:
    """A reader's name for a network file: its manifest title if bundled, else its name."""
    for rel, entry in manifest()["files"].items():
        if Path(rel).name == path.name and entry.get("title"):
            return entry["title"]
    return f"the roads of {path.name}"


def build_model(
    choice: tuple[str, str],
    net: RoadNetwork,
    net_key: str,
    settings: Settings,
    progress: Progress = QUIET,
    cache: Cache | None = None,
    workers: int | None = None,
) -> TravelModel:
    """The travel model ``choice`` (name, reason) on the prepared network.

    The network model's city blocks (what exact isochrones are built from) come from
    ``cache`` when built before for the same network and buffer, else are built on
    ``workers`` threads (default: ``settings.workers``); the crow-fly model is
    calibrated on the network (``settings.circuity`` / ``crowfly_speed_kmh`` override it).
    """
    name, because = choice
    cache = cache or Cache(enabled=False)
    if name == "network":
        key = make_key("blocks", network=net_key, buffer_m=settings.buffer_m)
        blocks = cache.get("blocks", key, expected=Blocks)
        if blocks is None:
            with progress.step("Finding the city blocks that isochrones are built from"):
                blocks = net.blocks(settings.buffer_m, workers or settings.workers)
            cache.put("blocks", key, blocks)
        else:
            net.use_blocks(blocks)
        return NetworkModel(
            net,
            buffer_m=settings.buffer_m,
            polygons=settings.polygons,
            requested=settings.travel_model,
            chosen_because=because,
        )
    return _crowfly(net, because, settings, progress)


def _crowfly(net: RoadNetwork, because: str, settings: Settings, progress: Progress):
    with progress.step("Calibrating the crow-fly model on the network"):
        fitted = calibrate_crowfly(net)
    model = CrowflyModel(
        circuity=settings.circuity or fitted.circuity,
        speed_kmh=settings.crowfly_speed_kmh or fitted.speed_kmh,
        calibration={
            **(fitted.calibration or {}),
            "network_title": network_title(Path(net.source)),
            "fitted_circuity": fitted.circuity,
            "fitted_speed_kmh": fitted.speed_kmh,
            "overridden": bool(settings.circuity or settings.crowfly_speed_kmh),
        },
        requested=settings.travel_model,
        chosen_because=because,
    )
    progress.info(
        f"  crow-fly model: circuity {model.circuity:.3f}, speed {model.speed_kmh:.1f} km/h "
        f"(fitted on {fitted.calibration['pairs']} node pairs: circuity {fitted.circuity:.3f}, "
        f"speed {fitted.speed_kmh:.1f} km/h)"
    )
    return model
