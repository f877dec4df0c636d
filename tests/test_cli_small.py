"""Smaller CLI fixes of issue 12 (point 11): zoo show resolves defaults and takes -f, zoo data
show's --set help names dataset parameters, zoo compare's report counts --epochs."""
from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from zoo.cli import cli
from zoo.comparing import markdown
from zoo.registry import Registry


def test_show_resolves_every_parameter_with_defaults(fake_registry: Registry) -> None:
    result = CliRunner().invoke(cli, ["show", "default", "--set", "backbone.name=tiny", "--json"])
    data = json.loads(result.output)
    assert data["backbone"] == {"name": "tiny", "weights": "none", "width": 8}
    assert data["head"]["encoding"] == "xyxy" and "dropout" in data["head"]
    assert data["dataset"]["n"] == 2048 and {"val", "test_share", "seed"} <= set(data["dataset"])


def test_show_takes_a_framework(fake_registry: Registry) -> None:
    ok = CliRunner().invoke(cli, ["show", "default", "-f", "fake", "--set", "backbone.name=tiny"])
    assert ok.exit_code == 0 and yaml.safe_load(ok.output)["backbone"]["width"] == 8
    missing = CliRunner().invoke(cli, ["show", "default", "-f", "nope", "--set", "backbone.name=tiny"])
    assert missing.exit_code != 0 and "unknown backbone 'tiny' for framework 'nope'" in str(missing.exception)


def test_data_show_set_help_names_dataset_parameters() -> None:
    text = CliRunner().invoke(cli, ["data", "show", "--help"]).output
    assert "A parameter of dataset NAME" in text and "train.epochs" not in text


def test_compare_report_counts_epochs_as_an_override() -> None:
    base = {"recipe": "default", "frameworks": [], "results": {}}
    assert "Overrides: train.epochs=3;" in markdown({**base, "overrides": [], "epochs": 3})
    assert "Overrides: lr=1;" in markdown({**base, "overrides": ["lr=1"], "epochs": None})
    assert "Overrides: none;" in markdown({**base, "overrides": [], "epochs": None})


def test_compare_report_states_the_world_size() -> None:
    base = {"recipe": "default", "frameworks": ["torch"], "overrides": [], "epochs": None,
            "results": {"torch": {"world_size": 2, "device": "cpu", "iou": 0.5}}}
    text = markdown({**base, "world_size": 2})
    assert "on 2 processes (world size 2" in text and "| processes (world size) | 2 |" in text
    assert "(world size 1)" in markdown({**base, "world_size": 1})
