"""``zoo export`` and ``zoo package``: a trained run as an ONNX file or an installable model."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, echo_json


@click.command("export")
@click.argument("run", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["onnx"]), default="onnx", show_default=True)
@click.option("--out", type=click.Path(), help="Output file (default RUN/model.onnx).")
@click.option("--opset", type=click.IntRange(13, 23), default=18, show_default=True, help="ONNX opset version.")
@click.option("--dynamic-batch", is_flag=True, help="Symbolic batch size (default: batches of 1).")
@JSON_OPTION
def export(run: str, fmt: str, out: str | None, opset: int, dynamic_batch: bool, as_json: bool) -> None:
    """Export a trained RUN to ONNX (uint8 RGB NHWC image -> normalized xyxy box [, class probabilities]),
    then check it: onnxruntime must match the framework to 1e-4 on the run's test images."""
    from zoo.export import export_run
    from zoo.plugins import registry

    result = export_run(run, registry(), out, opset=opset, dynamic_batch=dynamic_batch)
    if as_json:
        return echo_json({"path": str(result.path), "check_path": str(result.check_path), **result.check})
    c = result.check
    click.echo(f"wrote {result.path} (opset {opset}, batch {'dynamic' if dynamic_batch else 1})")
    click.echo(f"check: onnxruntime vs {c['framework']} on {c['images']} test images of {c['dataset']}: "
               f"max |diff| {c['max_abs_diff']:.2e} <= {c['tolerance']:g} -> {result.check_path}")


@click.command("package")
@click.argument("run", type=click.Path())
@click.option("--name", required=True, help="Model name (lower-case, e.g. blobs-small): the package is zoo-model-NAME.")
@click.option("--out", type=click.Path(), default="dist", show_default=True, help="Where to write zoo-model-NAME/.")
@click.option("--version", "version", default="1.0.0", show_default=True, help="Package version.")
@click.option("--license", "license_", default="unspecified", show_default=True, help="The model's license.")
@click.option("--data-license", help="License of the training data (built-in synthetic sets are known).")
def package(run: str, name: str, out: str, version: str, license_: str, data_license: str | None) -> None:
    """Write RUN as an installable model package (pyproject, entry point in group `zoo`, weights,
    the ONNX file when exported, metrics and a model card). `pip install` it, then use NAME with
    `zoo list models`, `zoo predict NAME`, `zoo evaluate NAME` and `--set backbone.weights=NAME`."""
    from zoo.packaging import package as write_package
    from zoo.plugins import registry

    root = write_package(run, name, registry(), out, version=version, license=license_, data_license=data_license)
    click.echo(f"wrote {root}; install it with: pip install {root}")
