"""``zoo train``, ``zoo evaluate`` and ``zoo predict``: the run directory's life cycle."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, RECIPES_OPTION, SET_OPTION, echo_json


@click.command()
@click.argument("recipe", required=False)
@click.option("--framework", "-f", default="torch", show_default=True, help="torch or keras.")
@click.option("--epochs", type=int, help="Override train.epochs.")
@click.option("--out", type=click.Path(), help="Run directory (default runs/<recipe>-<framework>-<time>).")
@click.option("--resume", type=click.Path(),
              help="Continue the run in this directory where it stopped (with --epochs: train it longer).")
@click.option("--workers", type=int, default=2, show_default=True, help="Image decoding threads.")
@click.option("--nproc", type=click.IntRange(1), default=1, show_default=True,
              help="Train on N local processes through the framework's own launcher (docs/distributed.md).")
@click.option("--sync-bn", is_flag=True, help="Several processes: BatchNorm statistics over the global batch.")
@RECIPES_OPTION
@SET_OPTION
def train(recipe: str | None, framework: str, epochs: int | None, out: str | None, resume: str | None,
          workers: int, nproc: int, sync_bn: bool, recipe_files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Train RECIPE (default: 'default', on built-in data) and write a run directory.
    With --resume, only --epochs (more of them), --workers and --nproc may be given.
    Under torchrun or a TF_CONFIG, every process runs this same command (docs/distributed.md)."""
    from zoo import training
    from zoo.errors import ZooError
    from zoo.plugins import registry
    from zoo.recipes import get

    if sync_bn:
        overrides = (*overrides, "train.sync_batchnorm=true")
    if nproc > 1:
        _launch(nproc, recipe, framework, epochs, out, resume, workers, recipe_files, overrides)
        return

    if resume is not None:
        ctx = click.get_current_context()
        given = [flag for flag, param, value in (("RECIPE", "recipe", recipe), ("-f/--framework", "framework", framework),
                                                   ("--set", "overrides", overrides), ("--recipes", "recipe_files",
                                                                                       recipe_files), ("--out", "out", out))
                 if value and ctx.get_parameter_source(param) is not click.core.ParameterSource.DEFAULT]
        if given:
            raise ZooError(f"--resume continues a run with its own recipe and framework, so {given[0]} cannot be "
                           f"given with it; only --epochs (to train longer) and --workers can. To change "
                           f"the recipe, start a new run")
        run_dir = training.train(None, "", registry(), resume=resume, workers=workers, epochs=epochs)
    else:
        if epochs is not None:
            overrides = (*overrides, f"train.epochs={epochs}")
        rec = get(recipe, recipe_files, overrides)
        run_dir = training.train(rec, framework, registry(), out=out, workers=workers)
    from zoo.distributed import world

    if not world().chief:
        return
    _print_metrics(run_dir)
    click.echo(f"run directory: {run_dir}")


def _launch(nproc: int, recipe: str | None, framework: str, epochs: int | None, out: str | None,
            resume: str | None, workers: int, recipe_files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """`zoo train` as `nproc` processes of one run, started by the framework's own launcher; the
    run directory is chosen here so that every process (and a restarted one) writes the same."""
    import sys

    from zoo import runs
    from zoo.plugins import registry
    from zoo.recipes import get
    from zoo.validation import validate

    reg = registry()
    if resume is not None:
        framework = runs.read_run(runs.check_run(resume))["framework"]
        argv = ["train", "--resume", resume]
    else:
        rec = get(recipe, recipe_files, (*overrides, *((f"train.epochs={epochs}",) if epochs else ())))
        validate(rec, reg, framework)
        out = out or str(runs.new_dir(rec.name, framework))
        argv = ["train", *([recipe] if recipe else []), "-f", framework, "--out", out]
        argv += [x for r in recipe_files for x in ("--recipes", r)] + [x for o in overrides for x in ("--set", o)]
    argv += [*(["--epochs", str(epochs)] if epochs is not None else []), "--workers", str(workers)]
    status = reg.framework(framework).launch(nproc, argv)
    if status:
        sys.exit(status)


def _print_metrics(run_dir: object) -> None:
    from pathlib import Path

    from zoo import runs

    m = runs.read_json(Path(str(run_dir)) / runs.METRICS)
    click.echo(_metrics_line("test", m) + f"   ({m['epochs']} epochs, {m['train_seconds']:.0f} s)")
    click.echo(_metrics_line("mean-box baseline", m["baseline"]))


def _metrics_line(label: str, m: dict[str, float]) -> str:
    parts = [f"IoU {m['iou']:.3f}", f"CorLoc {m['corloc']:.3f}"]
    if "accuracy" in m:
        parts += [f"accuracy {m['accuracy']:.3f}", f"top-1 loc {m['top1_loc']:.3f}"]
    return f"{label}: " + "  ".join(parts) + f"  (n={m['n']})"


@click.command()
@click.argument("run", type=click.Path())
@click.option("--split", type=click.Choice(["test", "val", "train"]), default="test", show_default=True)
@SET_OPTION
@JSON_OPTION
def evaluate(run: str, split: str, overrides: tuple[str, ...], as_json: bool) -> None:
    """Evaluate a trained RUN (a run directory or an installed model's name): mean IoU, CorLoc,
    accuracy (with classes) and the mean-box baseline."""
    from zoo import models, training
    from zoo.plugins import registry

    result = training.evaluate(models.run_dir(run, registry()), registry(), overrides, split)
    if as_json:
        return echo_json(result)
    click.echo(f"{result['recipe']} on {result['framework']}, {split} split of {result['dataset']['name']}")
    click.echo(_metrics_line("model", result))
    click.echo(_metrics_line("mean-box baseline", result["baseline"]))


@click.command()
@click.argument("model", type=click.Path())
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("--out", type=click.Path(), help="Output directory (default RUN/predict, FILE-predict or NAME-predict).")
@click.option("--batch-size", type=click.IntRange(1), default=16, show_default=True, help="Images per batch.")
@JSON_OPTION
def predict(model: str, images: tuple[str, ...], out: str | None, batch_size: int, as_json: bool) -> None:
    """Predict the box (and class) of each IMAGE (or every image in a directory) with MODEL: a run
    directory, an .onnx file from `zoo export` (onnxruntime only, no torch or TensorFlow) or an
    installed model's name. Writes PNGs with the box drawn and predictions.json of pixel boxes."""
    from zoo.predicting import predict_files

    results = predict_files(model, list(images), None, out, batch_size=batch_size)
    if as_json:
        return echo_json(results)
    for r in results:
        if "skipped" in r:
            click.echo(f"{r['image']}: skipped ({r['skipped']})")
            continue
        cls = f"  {r['class']} ({r['score']:.2f})" if "class" in r else ""
        click.echo(f"{r['image']}: box {r['box']}{cls} -> {r['png']}")
