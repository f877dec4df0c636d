"""``zoo data show NAME``: what a dataset holds (splits, classes, skips, notes) and a sample grid."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from zoo.cli._common import JSON_OPTION, echo_json, table
from zoo.errors import DataError


def parse_overrides(overrides: tuple[str, ...]) -> dict[str, Any]:
    """``key=value`` strings -> params, through the recipes' one parser (`zoo.recipes.split_override`)."""
    from zoo.recipes import split_override

    params: dict[str, Any] = {}
    for item in overrides:
        found = split_override(item)
        if found is None:
            raise DataError(f"--set {item!r}: expected KEY=VALUE, e.g. --set root=~/data/raccoon")
        params[found[0]] = found[1]
    return params


def _renamed(dataset: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` with the old names of `dataset`'s parameters (`zoo.recipes.RENAMED_DATASET_PARAMS`)
    under their new names, a FutureWarning for each."""
    import warnings

    from zoo.recipes import renamed_dataset_params

    for old, new in renamed_dataset_params(dataset).items():
        if old in params and new not in params:
            warnings.warn(f"dataset {dataset!r}: parameter {old!r} is deprecated; write {new!r}", FutureWarning,
                          stacklevel=2)
            params[new] = params.pop(old)
    return params


def summary(dataset: Any) -> dict[str, Any]:
    """Counts per split, class histogram per split, skipped items and notes."""
    _, labels = dataset.targets()
    names = list(dataset.class_names)
    splits = {k: np.asarray(v, np.int64) for k, v in dataset.splits().items()}
    hist = {}
    if names:
        for split, idx in splits.items():
            counts = np.bincount(labels[idx][labels[idx] >= 0], minlength=len(names))
            hist[split] = {n: int(c) for n, c in zip(names, counts)}
    report = dataset.report()
    return {"items": len(dataset), "splits": {k: len(v) for k, v in splits.items()}, "classes": names,
            "histogram": hist, "skipped": [list(s) for s in report.skipped], "skip_counts": report.skip_counts(),
            "skip_summary": report.summary(len(dataset)), "notes": list(report.notes)}


def sample_grid(dataset: Any, out: Path, count: int = 16, size: int = 128, seed: int = 0) -> Path:
    """A PNG grid of up to `count` seeded samples with their boxes (and class names) drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    picks = np.sort(np.random.default_rng(seed).permutation(len(dataset))[:count])
    cols = int(np.ceil(np.sqrt(len(picks))))
    rows = int(np.ceil(len(picks) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat, picks):
        sample = dataset.load(int(index), (size, size))
        x1, y1, x2, y2 = np.asarray(sample.box) * size
        ax.imshow(sample.image)
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor="lime", linewidth=1.5))
        label = dataset.class_names[sample.label] if sample.label >= 0 and dataset.class_names else ""
        ax.set_title(f"{sample.key[:18]} {label}".strip(), fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


@click.group("data")
def data() -> None:
    """Inspect datasets: counts, classes, skipped files and sample images."""


@data.command("show")
@click.argument("name")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="A parameter of dataset NAME (see `zoo show NAME -k dataset`), e.g. --set root=~/raccoon "
                   "--set policy=largest.")
@click.option("--out", type=click.Path(), help="PNG of sample images with boxes (default ./data-show-NAME.png).")
@click.option("--samples", default=16, show_default=True, help="Images in the grid (0: no grid).")
@JSON_OPTION
def show(name: str, overrides: tuple[str, ...], out: str | None, samples: int, as_json: bool) -> None:
    """Show dataset NAME built with --set key=value parameters (e.g. --set root=~/raccoon)."""
    from zoo.errors import RecipeError
    from zoo.plugins import registry

    try:
        dataset = registry().build("dataset", name, "neutral", _renamed(name, parse_overrides(overrides)))
    except ValueError as exc:
        if isinstance(exc, DataError):
            raise
        raise RecipeError(f"dataset {name!r}: {exc}") from None
    info = summary(dataset)
    path = Path(out or f"data-show-{name}.png")
    if samples > 0:
        info["grid"] = str(sample_grid(dataset, path, samples))
    if as_json:
        return echo_json({"name": name, **info})
    click.echo(f"dataset {name}: {info['items']} items")
    table([[k, str(v)] for k, v in info["splits"].items()], ["split", "items"])
    if info["histogram"]:
        click.echo("")
        table([[c, *(str(info["histogram"][s][c]) for s in info["histogram"])] for c in info["classes"]],
              ["class", *info["histogram"]])
    for note in info["notes"]:
        click.echo(f"note: {note}")
    if info["skipped"]:
        click.echo(info["skip_summary"] + ":")
        for key, reason in info["skipped"][:20]:
            click.echo(f"  {key}: {reason}")
        if len(info["skipped"]) > 20:
            click.echo(f"  ... and {len(info['skipped']) - 20} more (see --json)")
    if "grid" in info:
        click.echo(f"samples: {info['grid']}")
