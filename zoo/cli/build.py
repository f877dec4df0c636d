"""``zoo build``: build a recipe's model on one framework and print every stage's shape."""
from __future__ import annotations

import click

from zoo.cli._common import JSON_OPTION, RECIPES_OPTION, SET_OPTION, echo_json, table


@click.command()
@click.argument("recipe", required=False)
@click.option("--framework", "-f", default="torch", show_default=True, help="torch or keras.")
@RECIPES_OPTION
@SET_OPTION
@JSON_OPTION
def build(recipe: str | None, framework: str, recipe_files: tuple[str, ...], overrides: tuple[str, ...],
          as_json: bool) -> None:
    """Build RECIPE (default: 'default') and print parameters and each stage's output shape."""
    from zoo.assembly import make_plan
    from zoo.plugins import registry
    from zoo.recipes import get

    reg = registry()
    plan = make_plan(get(recipe, recipe_files, overrides), framework, reg)
    engine = reg.framework(framework)
    model = engine.build(plan)
    summary = engine.summary(model, plan)
    if as_json:
        return echo_json({"recipe": plan.recipe.name, "framework": framework, "params": summary.params,
                          "trainable": summary.trainable,
                          "stages": [{"name": s.name, "component": s.component, "shape": list(s.shape),
                                      "params": s.params} for s in summary.stages]})
    click.echo(f"recipe {plan.recipe.name!r} on {framework} ({engine.device()}), input {plan.input_size}")
    table([[s.name, s.component, str(tuple(s.shape)), f"{s.params:,}"] for s in summary.stages],
          ["stage", "component", "output shape", "params"])
    click.echo(f"parameters: {summary.params:,} ({summary.trainable:,} trainable)")
