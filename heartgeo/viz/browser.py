"""Headless Chromium: PNG snapshots of maps and a load check.

Chromium is started with networking blocked (an unreachable proxy), so a map that
still needs the internet shows it. Install it from Debian's ``chromium`` package, or
point ``HEARTGEO_CHROMIUM`` at a Chromium/Chrome binary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from heartgeo.errors import InputError

BROWSER_ENV = "HEARTGEO_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    """Path of a Chromium-compatible browser, or None."""
    env = os.environ.get(BROWSER_ENV)
    if env:
        return env if shutil.which(env) or Path(env).exists() else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    """What a headless load of a page showed."""

    dom: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ready_ms: float | None = None
    wall_s: float = 0.0
    png: Path | None = None


def _chromium_command(browser: str, profile: str, size, budget_ms: int, allow_loopback: bool):
    """Headless Chromium's arguments: no network (a dead proxy; loopback only if allowed),
    a fresh profile, the window size and the virtual-time budget; the DOM dumped.
    """
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",  # no network: nothing may be fetched
        "--proxy-bypass-list=" + ("127.0.0.1" if allow_loopback else "<-loopback>"),
        "--enable-logging=stderr",
        "--v=0",
        f"--window-size={size[0]},{size[1]}",
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
    ]


def load_page(
    path: str | Path,
    *,
    png: str | Path | None = None,
    size: tuple[int, int] = (1600, 1000),
    budget_ms: int = 10000,
    timeout_s: float = 120.0,
    allow_loopback: bool = False,
) -> PageCheck:
    """Open a local HTML file in headless Chromium with networking blocked.

    ``allow_loopback`` lets the page reach servers on 127.0.0.1 (a local tile server);
    everything else stays blocked. Returns the DOM after the scripts ran, the console messages, the errors the page
    recorded, the page's own ready time (ms, from ``data-heartgeo-ready-ms``), and the
    wall time; writes a screenshot to ``png`` if given.

    Raises
    ------
    InputError
        No browser found.
    """
    browser = find_browser()
    if browser is None:
        raise InputError(
            "no Chromium found for --png: install Debian's chromium package "
            f"(apt-get install chromium) or set {BROWSER_ENV} to a Chromium binary"
        )
    url = Path(path).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="heartgeo-chromium-") as profile:
        cmd = _chromium_command(browser, profile, size, budget_ms, allow_loopback)
        if png is not None:
            cmd.append(f"--screenshot={Path(png).resolve()}")
        cmd.append(url)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        wall = time.perf_counter() - start
    console = [
        line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "CONSOLE(" in line
    ]
    match = re.search(r'data-heartgeo-ready-ms="(\d+)"', proc.stdout)
    errors_attr = re.search(r'data-heartgeo-errors="([^"]*)"', proc.stdout)
    errors = [e for e in (errors_attr.group(1).split(" | ") if errors_attr else []) if e]
    return PageCheck(
        dom=proc.stdout,
        console=console,
        errors=errors,
        ready_ms=float(match.group(1)) if match else None,
        wall_s=wall,
        png=Path(png) if png is not None and Path(png).exists() else None,
    )
