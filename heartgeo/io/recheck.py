"""``heartgeo report --check DIR``: whether the inputs an earlier run recorded are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from heartgeo.errors import InputError
from heartgeo.io.outputs import sha256


def check_inputs(run_dir: str | Path, progress) -> list[str]:
    """Compare the inputs recorded in ``run_dir/summary.json`` with the files now on disk.

    Prints one line per input and returns the names of those that changed or vanished.
    """
    path = Path(run_dir) / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        inputs = summary["inputs"]
    except FileNotFoundError:
        raise InputError(
            f"{path} does not exist: give --check the output directory of an earlier run"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f"{path} is not a heartgeo summary (no 'inputs'): give the output directory of a run"
        ) from None
    ok = isinstance(inputs, list) and all(
        isinstance(i, dict) and isinstance(i.get("path"), str) and isinstance(i.get("sha256"), str)
        for i in inputs
    )
    if not ok:
        raise InputError(
            f"{path}: its 'inputs' are not a list of {{name, path, sha256}} records: "
            "give the output directory of a heartgeo run (the summary may have been edited)"
        )
    changed = []
    for item in inputs:
        item.setdefault("name", item["path"])
        file = Path(item["path"])
        if not file.exists():
            status = "MISSING"
        elif sha256(file) != item["sha256"]:
            status = "CHANGED"
        else:
            status = "unchanged"
        if status != "unchanged":
            changed.append(item["name"])
        progress.info(f"{status:>9}  {item['name']}: {file}")
    progress.info(
        f"{len(changed)} of {len(inputs)} inputs differ from the run of {summary.get('created', '?')}"
        if changed
        else f"all {len(inputs)} inputs are unchanged since the run of {summary.get('created', '?')}"
    )
    return changed
