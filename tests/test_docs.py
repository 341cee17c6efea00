"""The worked example of docs/example.md runs as written and reproduces the CLI headline."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "example.md"


def code_blocks(path: Path) -> list[str]:
    """The ```python blocks of a Markdown page, in order."""
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_the_example_has_code():
    assert len(code_blocks(EXAMPLE)) >= 3


@pytest.mark.integration
def test_worked_example_reproduces_the_cli_headline(tmp_path, data_dir, capsys):
    namespace: dict = {}
    for block in code_blocks(EXAMPLE):
        exec(compile(block, str(EXAMPLE), "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    result = CliRunner().invoke(cli, ["report", "--no-simulate", "--quiet", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    cli_headline = json.loads((tmp_path / "summary.json").read_text())["headline"]
    assert namespace["text"] == cli_headline
    assert cli_headline in printed
    # the page shows the headline the bundled data give
    assert cli_headline in EXAMPLE.read_text(encoding="utf-8")
    assert namespace["result"].name == "evenings"
    assert namespace["siting"].solution.sites.size == 4
    assert len(namespace["runs"]) == 2
