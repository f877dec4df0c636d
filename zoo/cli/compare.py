"""``zoo compare`` and its helper ``zoo profile``."""
from __future__ import annotations

from pathlib import Path

import click

from zoo.cli._common import RECIPES_OPTION, SET_OPTION, echo_json


@click.command()
@click.argument("recipe", required=False, default="default")
@click.option("--frameworks", default="keras,torch", show_default=True, help="Comma-separated frameworks.")
@click.option("--epochs", type=int, help="Override train.epochs for every framework.")
@click.option("--out", type=click.Path(), help="Report directory (default runs/compare-<recipe>-<time>).")
@click.option("--nproc", type=click.IntRange(1), default=1, show_default=True,
              help="Train each framework on N local processes (docs/distributed.md).")
@RECIPES_OPTION
@SET_OPTION
def compare(recipe: str, frameworks: str, epochs: int | None, out: str | None, nproc: int,
            recipe_files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Train RECIPE on each framework in its own process and report them side by side."""
    import time

    from zoo.comparing import compare as run_compare
    from zoo.comparing import markdown
    from zoo.plugins import registry
    from zoo.recipes import get
    from zoo.validation import validate

    fws = [f.strip() for f in frameworks.split(",") if f.strip()]
    reg = registry()
    rec = get(recipe, recipe_files, overrides)
    for fw in fws:  # checked without importing any framework: each is imported in its own process only
        if fw not in reg.frameworks():
            reg.framework(fw)  # the one-line "unknown framework" error
        validate(rec, reg, fw, resolve=False)
    out_dir = Path(out) if out else Path("runs") / f"compare-{recipe}-{time.strftime('%Y%m%d-%H%M%S')}"
    report = run_compare(recipe, fws, out_dir, epochs, overrides, recipe_files, nproc=nproc)
    click.echo(markdown(report))
    click.echo(f"report: {out_dir / 'report.md'}")


@click.command(hidden=True)
@click.argument("run", type=click.Path())
@click.option("--out", type=click.Path(), help="Write the JSON here too.")
@click.option("--nproc", type=click.IntRange(1), help="The world size RUN was trained at (checked; default: the run's).")
def profile(run: str, out: str | None, nproc: int | None) -> None:
    """Parameters, FLOPs, train images/s (over all the run's processes, its world_size) and
    single-process inference latency of a trained RUN (JSON)."""
    from zoo import runs
    from zoo.plugins import registry
    from zoo.profiling import profile as run_profile

    result = run_profile(run, registry(), nproc=nproc)
    if out:
        runs.write_json(Path(out), result)
    echo_json(result)
