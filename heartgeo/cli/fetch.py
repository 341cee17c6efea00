"""``heartgeo fetch``: download the boundary layers and the city-wide drive network."""

from __future__ import annotations

import os
from pathlib import Path

import click

from heartgeo.cli.group import cli, handle_input_errors
from heartgeo.cli.options import data_option
from heartgeo.config import DATA_ENV
from heartgeo.progress import Progress


@cli.command()
@data_option
@click.option(
    "--overpass-url",
    default=None,
    help="Overpass API base URL, e.g. http://127.0.0.1:8080/api (default: the public server).",
)
@click.option(
    "--source-url",
    "source_urls",
    multiple=True,
    metavar="LAYER=URL",
    help="Download LAYER (city_limits, police_beats, police_districts) from URL instead "
    "of its official source (repeatable).",
)
@click.option(
    "--buffer-km",
    type=float,
    default=2.0,
    show_default=True,
    help="Distance (km) around the city limit whose roads are downloaded.",
)
@click.option(
    "--timeout",
    type=float,
    default=180.0,
    show_default=True,
    help="Seconds to wait for each server response.",
)
@click.option(
    "--max-retries",
    type=int,
    default=3,
    show_default=True,
    help="Retries of a request after a timeout, a dropped connection or HTTP 429/502/503/504 "
    "(Retry-After honoured up to 120 s).",
)
@click.option(
    "--max-time",
    type=float,
    default=1800.0,
    show_default=True,
    help="Seconds the whole fetch may take; then it stops and saves nothing.",
)
@click.option(
    "--max-download-mb",
    type=float,
    default=1024.0,
    show_default=True,
    help="Largest answer in MB, counted after decompression; a larger one is refused.",
)
@click.option(
    "--layer",
    "only_layers",
    multiple=True,
    metavar="LAYER",
    help="Download only this boundary layer (repeatable; default: every layer with a URL).",
)
@click.option("--skip-boundaries", is_flag=True, help="Do not download the boundary layers.")
@click.option("--skip-network", is_flag=True, help="Do not download the road network.")
@click.option("--quiet", is_flag=True, help="Print no progress messages.")
@handle_input_errors
def fetch(data_dir, overpass_url, source_urls, only_layers, quiet, **kw):
    """Download the boundary layers and the city-wide drive network into the data directory.

    Needs internet access (or local mirrors given with --overpass-url / --source-url).
    Without --data-dir (or $HEARTGEO_DATA) the files go to the per-user data directory
    (on Linux ~/.local/share/heartgeo, or $HEARTGEO_USER_DATA), where later runs find
    them without options; the bundled data fill in the layers that are not downloaded.
    The network is saved as roads/durham_drive.graphml with its extent; later runs use it
    instead of the central-Durham extract.
    """
    from heartgeo.config import resolve_data_dir, user_data_dir
    from heartgeo.io import fetch as download

    progress = Progress(quiet)
    explicit = data_dir or os.environ.get(DATA_ENV)
    data_dir = download.writable_dir(Path(explicit or user_data_dir()).expanduser())
    progress.info(f"Fetching into {data_dir}")
    urls = download.parse_source_urls(source_urls)
    limits = download.check_limits(
        kw["buffer_km"], kw["timeout"], kw["max_retries"], kw["max_time"], kw["max_download_mb"]
    )
    written = download.fetch(
        data_dir,
        urls=urls,
        only=only_layers,
        boundaries=not kw["skip_boundaries"],
        network=not kw["skip_network"],
        buffer_m=kw["buffer_km"] * 1000,
        overpass_url=overpass_url,
        limits=limits,
        progress=progress,
    )
    for path in written:
        progress.info(f"  saved {path}")
    if explicit:  # the per-user directory needs no copies: the bundled data fill it in
        download.seed_from_bundle(resolve_data_dir(data_dir), progress)
