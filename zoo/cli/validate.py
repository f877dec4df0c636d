"""``zoo validate``: check every recipe of the registry (or of a file) against the installed plugins."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, echo_json


@click.command()
@click.argument("file", required=False, type=click.Path())
@click.option("--framework", "-f", help="Also check that every component exists for this framework.")
@JSON_OPTION
def validate(file: str | None, framework: str | None, as_json: bool) -> None:
    """Validate recipes: names, parameters and compatible pairs, before anything is built."""
    from zoo.errors import ZooError
    from zoo.plugins import registry
    from zoo.recipes import load_file, parse, raw_recipes
    from zoo.validation import problems

    raw = load_file(file) if file else raw_recipes()
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
            click.echo(f"{'ok  ' if not found else 'FAIL'} {name}")
            for p in found:
                click.echo(f"     {p}")
        click.echo(f"{len(report) - len(bad)} valid, {len(bad)} invalid")
    if bad:
        raise SystemExit(1)
