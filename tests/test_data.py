"""The Durham data bundled with heartgeo: the manifest is complete and true, the files are
compact and exact, and nothing needs a folder outside the repository.
"""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from heartgeo.config import bundled_data_dir, data_search_path, layer_path, manifest

from .conftest import ROOT

DATA = bundled_data_dir()
#: Files under data/ that are not bundled inputs: the package marker and the maintainers' tool.
NOT_DATA = {"__init__.py", "manifest.json"}


def bundled_files() -> set[str]:
    return {
        str(p.relative_to(DATA))
        for p in DATA.rglob("*")
        if p.is_file()
        and p.name not in NOT_DATA
        and "__pycache__" not in p.parts
        and "tools" not in p.relative_to(DATA).parts
    }


@pytest.mark.integration
def test_every_bundled_file_matches_the_manifest_sha256():
    files = manifest()["files"]
    for rel, entry in files.items():
        path = DATA / rel
        assert path.is_file(), rel
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], rel
        assert path.stat().st_size == entry["bytes"], rel
        for key in ("origin", "licence", "attribution", "publisher"):
            assert entry.get(key), f"{rel}: no {key}"
    # nothing bundled that the manifest does not describe
    assert bundled_files() == set(files)


@pytest.mark.integration
def test_attribution_and_licences_name_their_sources():
    files = manifest()["files"]
    assert files["roads/osm_central_durham_2024-01-24.osm"]["licence"].startswith(
        "OpenStreetMap data, ODbL"
    )
    assert (
        "OpenStreetMap contributors"
        in files["roads/osm_central_durham_2024-01-24.osm"]["attribution"]
    )
    assert "City of Durham" in files["boundaries/city_limits_2025.geojson"]["attribution"]
    assert "Census" in files["census/tracts_acs_2020_2024.geojson"]["attribution"]


@pytest.mark.integration
def test_bundled_data_is_compact_and_exact():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 10e6, f"data/ holds {total / 1e6:.1f} MB"
    for rel, entry in manifest()["files"].items():
        if not rel.endswith(".geojson"):
            continue
        assert entry["max_vertex_shift_m"] <= 0.5, rel
        text = (DATA / rel).read_text(encoding="utf-8")
        # no coordinate keeps more than 7 decimals (1e-7 degree is about 1 cm)
        assert not re.search(r"[\[,]-?\d+\.\d{8,}", text), rel


@pytest.mark.integration
def test_every_layer_resolves_to_a_bundled_file():
    for name in manifest()["layers"]:
        path = layer_path(None, name)
        assert path.is_file() and path.is_relative_to(DATA), name


def test_search_path_explicit_dir_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTGEO_USER_DATA", str(tmp_path / "user"))
    assert data_search_path(None) == [tmp_path / "user", DATA]
    assert data_search_path(tmp_path) == [tmp_path]
    # a user's own data directory is never mixed with the bundled files
    assert layer_path(tmp_path, "tracts") == tmp_path / "census" / "tracts_acs_2020_2024.geojson"
    # fetched files in the per-user directory win over the bundled ones
    fetched = tmp_path / "user" / "boundaries" / "police_beats_2022.geojson"
    fetched.parent.mkdir(parents=True)
    fetched.write_text("{}")
    assert layer_path(None, "police_beats") == fetched
    assert layer_path(None, "tracts").is_relative_to(DATA)


def test_ci_and_tests_never_look_outside_the_repository():
    """CI and the tests run in a fresh clone with nothing beside it."""
    sibling = "/".join(["..", "shared"])  # spelled so that this file does not match itself
    mirror = "/".join(["shared", "data"])
    for path in [ROOT / ".ci" / "run", *sorted((ROOT / "tests").glob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        assert sibling not in text and mirror not in text and "HEARTGEO_DATA" + "=" not in text, (
            path
        )


def test_readme_quickstart_is_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Install and run; test", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert block.strip().splitlines() == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/heartgeo report",
        '.venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest',
    ]


@pytest.mark.integration
def test_non_editable_install_finds_its_bundled_data(tmp_path):
    """``pip install .`` (not editable) ships the data inside the package, and a run from
    anywhere uses it: no repository, no data directory, no environment variable.
    """
    import shutil

    source, target = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):  # a copy: the build writes into its tree
        shutil.copy(ROOT / name, source / name)
    for name in ("heartgeo", "data"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
        + [str(source)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    script = (
        "import json, heartgeo\n"
        "from heartgeo.config import bundled_data_dir, manifest\n"
        "print(json.dumps([heartgeo.__file__, str(bundled_data_dir()), len(manifest()['files'])]))\n"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env["HEARTGEO_CACHE"] = str(tmp_path / "cache")
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert found.returncode == 0, found.stderr[-2000:]
    module, data, n_files = json.loads(found.stdout)
    assert Path(module).is_relative_to(target) and Path(data).is_relative_to(target)
    for rel, entry in manifest()["files"].items():
        copy = Path(data) / rel
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == entry["sha256"], rel
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "heartgeo.cli", "report", "--quiet", "--cell-size", "800"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["travel_model"]["name"] == "crowfly"
    assert all(Path(i["path"]).is_relative_to(target) for i in summary["inputs"])


@pytest.mark.parametrize(
    "share, expected",
    [(1.0, "network"), (0.95, "network"), (0.9499, "crowfly"), (0.017, "crowfly")],
)
def test_auto_model_threshold(share, expected):
    from heartgeo.travel.choice import choose_travel_model

    name, because = choose_travel_model("auto", share)
    assert name == expected and because.startswith("auto:")
    assert choose_travel_model("network", share)[0] == "network"
    assert choose_travel_model("crowfly", share)[0] == "crowfly"
