"""``zoo validate``: check every recipe of the registry (or of a file) against the installed plugins."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, RECIPES_OPTION, echo_json


@click.command()
@click.argument("file", required=False, type=click.Path())
@click.option("--framework", "-f", help="Also check that every component exists for this framework and that "
                                        "its factory imports.")
@RECIPES_OPTION
@JSON_OPTION
def validate(file: str | None, framework: str | None, recipe_files: tuple[str, ...], as_json: bool) -> None:
    """Validate recipes: names, parameters and compatible pairs, before anything is built.

    Without FILE: registry.yaml's recipes and those plugins ship. With FILE (or --recipes FILE,
    the same): only that file's recipes."""
    from zoo.errors import ZooError
    from zoo.plugins import registry
    from zoo.recipes import load_file, parse, recipe_sources
    from zoo.validation import problems

    files = ((file,) if file else ()) + tuple(recipe_files)
    sources = ({n: (b, f) for f in files for n, b in load_file(f).items()} if files else recipe_sources())
    raw = {name: body for name, (body, _) in sources.items()}
    shipped = {name: src for name, (_, src) in sources.items() if src.startswith("plugin ")}
    reg = registry()
    report: dict[str, list[str]] = {}
    for name, body in raw.items():
        try:
            report[name] = problems(parse(name, body), reg, framework)
        except ZooError as exc:
            report[name] = [str(exc)]
    bad = {k: v for k, v in report.items() if v}
    if as_json:
        echo_json({"valid": [k for k in report if not report[k]], "invalid": bad})
    else:
        for name, found in report.items():
            click.echo(f"{'ok  ' if not found else 'FAIL'} {name}" + (f" (from {shipped[name]})" if name in shipped else ""))
            for p in found:
                click.echo(f"     {p}")
        click.echo(f"{len(report) - len(bad)} valid, {len(bad)} invalid")
    if bad:
        raise SystemExit(1)
