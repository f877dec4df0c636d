"""``zoo list`` and ``zoo show``: components and recipes."""
from __future__ import annotations

from typing import Any

import click
import yaml

from zoo.cli._common import JSON_OPTION, RECIPES_OPTION, SET_OPTION, echo_json, table
from zoo.interfaces.component import KINDS

_LIST_KINDS = (*KINDS, "recipe", "framework", "model", "weights")


@click.command("list")
@click.argument("kind", required=False)
@click.argument("pattern", required=False)
@click.option("--framework", "-f", help="Only components of this framework (neutral ones always match).")
@RECIPES_OPTION
@JSON_OPTION
def list_cmd(kind: str | None, pattern: str | None, framework: str | None, recipe_files: tuple[str, ...],
             as_json: bool) -> None:
    """List components (KIND: backbone, vectorizer, head, loss, dataset), recipes, frameworks,
    trained models (installed model packages, with their test metrics) or pretrained weights (with
    whether they are installed). PATTERN is a wildcard such as 'mobilenet*' (for weights: of the
    backbone). Plurals work too (backbones, recipes)."""
    from zoo.errors import UnknownNameError, suggest
    from zoo.plugins import registry

    if kind is not None:
        kind = kind.rstrip("s") if kind.rstrip("s") in _LIST_KINDS and kind != "weights" else kind
        if kind not in _LIST_KINDS:
            hint = suggest(kind, _LIST_KINDS)
            raise UnknownNameError(f"unknown kind {kind!r}" + (f"; {hint}" if hint else "")
                                   + f" (valid: {', '.join(_LIST_KINDS)})")
    if kind == "recipe":
        return _list_recipes(pattern, recipe_files, as_json)
    reg = registry()
    if kind == "framework":
        fws = [{"name": f.name, "plugin": f.source.plugin, "requirement": f.requirement}
               for f in reg.frameworks().values()]
        return echo_json(fws) if as_json else table([[f["name"], f["plugin"]] for f in fws], ["framework", "plugin"])
    if kind == "model":
        return _list_models(reg, pattern, framework, as_json)
    if kind == "weights":
        return _list_weights(reg, pattern, framework, as_json)
    entries = reg.entries(kind, pattern, framework)
    if as_json:
        return echo_json([e.to_dict() for e in entries])
    table([[e.kind, e.name, e.framework, e.source.plugin, e.info.description] for e in entries],
          ["kind", "name", "framework", "plugin", "description"])


def _list_models(reg: object, pattern: str | None, framework: str | None, as_json: bool) -> None:
    import fnmatch

    from zoo import models

    rows = [models.describe(m) for m in reg.models().values()  # type: ignore[attr-defined]
            if (pattern is None or fnmatch.fnmatch(m.name, pattern))]
    rows = [r for r in rows if framework is None or r["framework"] == framework]
    if as_json:
        return echo_json(rows)
    if not rows:
        return click.echo("no model packages installed (`zoo package RUN --name NAME` writes one; see docs/deploy.md)")

    def fmt(v: object) -> str:
        return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    table([[r["name"], r["framework"], r["recipe"], r["dataset"], fmt(r["iou"]), fmt(r["corloc"]),
            fmt(r["accuracy"]), fmt(r["baseline_iou"]), "yes" if r["onnx"] else "no", r["distribution"] or r["plugin"]]
           for r in rows], ["model", "framework", "recipe", "dataset", "IoU", "CorLoc", "accuracy", "baseline IoU",
                            "onnx", "package"])


def _list_weights(reg: Any, pattern: str | None, framework: str | None, as_json: bool) -> None:
    import fnmatch

    found = [w for w in reg.weights(framework=framework)
             if pattern is None or fnmatch.fnmatchcase(w.info.backbone, pattern)]
    if as_json:
        return echo_json([w.to_dict() for w in found])
    table([[w.info.backbone, w.info.name, ",".join(w.info.frameworks), w.info.distribution or "-",
            w.info.license, w.status()] for w in found],
          ["backbone", "weights", "framework", "distribution", "license", "status"])


def _list_recipes(pattern: str | None, recipe_files: tuple[str, ...], as_json: bool) -> None:
    import fnmatch

    from zoo.recipes import recipe_sources

    recipes = {k: v for k, v in recipe_sources(recipe_files).items() if pattern is None or fnmatch.fnmatch(k, pattern)}
    if as_json:
        return echo_json([{"name": k, "description": v.get("description", ""), "from": src}
                          for k, (v, src) in recipes.items()])
    table([[k, str(v.get("description", "")), src] for k, (v, src) in recipes.items()],
          ["recipe", "description", "from"])


def _framework_view(entry: Any) -> dict[str, Any]:
    """What one framework's registration says: its plugin, description and metadata (resolved with
    the default parameters; functions of the feature map left out), which may differ by framework
    (e.g. a backbone's preprocessing)."""
    from zoo.validation import metadata_of

    try:
        meta = metadata_of(entry.info, entry.info.resolve({}), entry.source)
    except Exception as exc:  # noqa: BLE001 - shown, not raised: `zoo show` must not fail on one plugin
        meta = {"error": str(exc)}
    return {"plugin": entry.source.plugin, "description": entry.info.description,
            "metadata": {k: v for k, v in meta.items() if not callable(v)}}


@click.command()
@click.argument("name")
@click.option("--kind", "-k", type=click.Choice(KINDS), help="Show a component of this kind instead of a recipe.")
@click.option("--framework", "-f", help="Resolve the recipe's components as this framework declares them.")
@RECIPES_OPTION
@SET_OPTION
@JSON_OPTION
def show(name: str, kind: str | None, framework: str | None, recipe_files: tuple[str, ...],
         overrides: tuple[str, ...], as_json: bool) -> None:
    """Show a recipe resolved (every component parameter, defaults included, with overrides) or,
    with --kind, a component's parameters. A recipe whose components do not fit together (the
    checks of `zoo validate`) is still shown, followed by its problems, and exits 1."""
    from zoo.plugins import registry

    if kind is not None:
        info = registry().info(kind, name)  # type: ignore[arg-type]
        entries = sorted((e for e in registry().entries(kind) if e.name == info.name), key=lambda e: e.framework)
        data = {**info.to_dict(), "frameworks": [e.framework for e in entries],
                "per_framework": {e.framework: _framework_view(e) for e in entries}}
        if kind == "backbone":
            data["pretrained"] = [{k: v for k, v in w.to_dict().items() if k not in ("backbone", "description")}
                                  for w in registry().weights(info.name)]
        return echo_json(data) if as_json else click.echo(yaml.safe_dump(data, sort_keys=False))
    from zoo.recipes import get
    from zoo.validation import problems

    recipe = get(name, recipe_files, overrides)
    data = {"name": recipe.name, **resolved(recipe, registry(), framework)}
    found = problems(recipe, registry(), framework, resolve=False)
    if as_json:
        echo_json({**data, "problems": found})
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())
        for problem in found:
            click.echo(f"problem: {problem}", err=True)
    if found:
        raise SystemExit(1)


def resolved(recipe: Any, reg: Any, framework: str | None) -> dict[str, Any]:
    """`recipe.to_dict()` with each component's parameters resolved: defaults filled in, values checked."""
    from zoo.errors import RecipeError
    from zoo.interfaces.component import ParamError

    data = recipe.to_dict()

    def spec_dict(key: str, kind: str, spec: Any) -> dict[str, Any]:
        info = reg.get(kind, spec.name, framework).info if framework else reg.info(kind, spec.name)
        try:
            return {"name": spec.name, **info.resolve(spec.params)}
        except ParamError as exc:
            raise RecipeError(f"recipe {recipe.name!r}, {key}.{exc}") from None

    for key in ("backbone", "vectorizer", "head", "dataset"):
        data[key] = spec_dict(key, key, getattr(recipe, key))
    data["loss"] = [{**spec_dict(f"loss.{i}", "loss", t), "weight": t.weight} for i, t in enumerate(recipe.loss)]
    return data
