"""``zoo data show``: summary text, JSON and the PNG grid; bad input is one line."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from zoo.cli.data import data, parse_overrides


def test_show_text_json_and_png(tmp_path: Path) -> None:
    out = tmp_path / "grid.png"
    result = CliRunner().invoke(data, ["show", "shapes", "--set", "n=50", "--set", "size=48", "--out", str(out),
                                       "--samples", "4"])
    assert result.exit_code == 0, result.output
    assert "dataset shapes: 50 items" in result.output and "disc" in result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = CliRunner().invoke(data, ["show", "blobs", "--set", "n=20", "--json", "--samples", "0"])
    info = json.loads(result.output)
    assert info["items"] == 20 and sum(info["splits"].values()) == 20 and info["classes"] == []


def test_show_reports_skips(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (10, 10)).save(tmp_path / "a.png")
    (tmp_path / "l.csv").write_text("filename,width,height,class,xmin,ymin,xmax,ymax\n"
                                    "a.png,10,10,x,1,1,8,8\nb.png,10,10,x,1,1,8,8\n")
    result = CliRunner().invoke(data, ["show", "csv", "--set", f"root={tmp_path}", "--set", f"train={tmp_path}/l.csv",
                                       "--samples", "0"])
    assert result.exit_code == 0, result.output
    assert "skipped 1 of 2: 1 missing image" in result.output and "b.png: image file" in result.output


def test_overrides_parse_yaml_values() -> None:
    assert parse_overrides(("n=5", "cache=true", "columns={path: p}", "root=~/x")) == {
        "n": 5, "cache": True, "columns": {"path": "p"}, "root": "~/x"}


def test_show_reads_the_old_name_of_the_test_share_with_a_deprecation_message() -> None:
    import pytest

    with pytest.warns(FutureWarning, match="dataset 'blobs': parameter 'test' is deprecated; write 'test_share'"):
        result = CliRunner().invoke(data, ["show", "blobs", "--set", "n=20", "--set", "val=0", "--set", "test=0.5",
                                           "--json", "--samples", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["splits"]["test"] == 10
