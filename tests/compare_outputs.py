"""Compare two output folders of heartgeo, file by file: byte for byte, except for the
``created`` timestamp of the JSON manifests.

    python -m tests.compare_outputs RUN_A RUN_B

Prints one line per file that differs (or exists on one side only) and exits with 1 if
any does. Used to show that a restructuring changed no result.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def differences(a: Path, b: Path) -> list[str]:
    """Files under ``a`` and ``b`` (recursively) that differ, as ``relative path: why``."""

    def files(root: Path) -> set[Path]:
        return {
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file() and "cache" not in p.relative_to(root).parts
        }

    out = []
    fa, fb = files(a), files(b)
    out += [f"{p}: only in {a}" for p in sorted(fa - fb)]
    out += [f"{p}: only in {b}" for p in sorted(fb - fa)]
    for rel in sorted(fa & fb):
        x, y = (a / rel).read_bytes(), (b / rel).read_bytes()
        if x == y:
            continue
        if rel.suffix == ".json":
            jx, jy = json.loads(x), json.loads(y)
            jx.pop("created", None), jy.pop("created", None)
            if jx == jy:
                continue
            keys = sorted(k for k in set(jx) | set(jy) if jx.get(k) != jy.get(k))
            out.append(f"{rel}: differs in {', '.join(keys)}")
        else:
            out.append(f"{rel}: bytes differ")
    return out


def main(argv: list[str] | None = None) -> int:
    """Compare the two folders given; exit status 1 if they differ."""
    a, b = (Path(x) for x in (argv if argv is not None else sys.argv[1:]))
    diff = differences(a, b)
    for line in diff:
        print(line)
    n = len({p for p in a.rglob("*") if p.is_file()})
    print(f"{len(diff)} of about {n} files differ" if diff else f"identical ({n} files)")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
