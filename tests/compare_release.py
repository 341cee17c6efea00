"""Run the default ``report``, ``coverage``, ``site`` and ``simulate`` of an earlier
release (a git ref) and of this checkout, and compare their outputs file by file
(:mod:`tests.compare_outputs`: byte for byte, except the ``created`` time of the JSON
manifests).

    python -m tests.compare_release a603a59

Exits with 1 if any output differs. Used to show that a restructuring changed no
result; both runs use this checkout's Python environment, the same per-user data
folder and their own fresh caches.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.compare_outputs import differences

ROOT = Path(__file__).resolve().parents[1]
#: The default runs compared (each writes into its own folder).
COMMANDS = ("report", "coverage", "site", "simulate")


def run_all(source: Path, out: Path, user_data: Path) -> None:
    """The default commands of the checkout at ``source``, with outputs under ``out``."""
    env = dict(
        os.environ,
        HEARTGEO_CACHE=str(out / "cache"),
        HEARTGEO_USER_DATA=str(user_data),
        PYTHONPATH=str(source),
    )
    env.pop("HEARTGEO_DATA", None)
    for command in COMMANDS:
        subprocess.run(
            [sys.executable, "-m", "heartgeo.cli", command, "--out", str(out / command), "--quiet"],
            cwd=source,
            env=env,
            check=True,
        )


def main(argv: list[str] | None = None) -> int:
    """Compare the release named in ``argv`` (a git ref) with this checkout."""
    (ref,) = argv if argv is not None else sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="heartgeo-release-") as tmp:
        tmp = Path(tmp)
        old = tmp / "release"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), ref], cwd=ROOT, check=True)
        try:
            (tmp / "user").mkdir()
            run_all(old, tmp / "old", tmp / "user")
            run_all(ROOT, tmp / "new", tmp / "user")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=True)
        found = []
        for command in COMMANDS:
            diff = differences(tmp / "old" / command, tmp / "new" / command)
            found += [f"{command}/{line}" for line in diff]
            print(f"{command}: " + (f"{len(diff)} file(s) differ" if diff else "identical"))
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
