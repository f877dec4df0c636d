"""docs/writing-a-plugin.md is true line by line: its tutorial runs as written (files, install,
commands, tests) and the outputs it shows are the real ones; the `zoo plugin new` section lists
what the command writes; the error table's new rows quote real messages."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")
HAS_TORCH = importlib.util.find_spec("zoo_torch") is not None and importlib.util.find_spec("torch") is not None


def section(title: str) -> str:
    start = DOC.index(f"\n## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end > 0 else None]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def commands(script: str) -> list[tuple[str, str | None]]:
    """(command line, heredoc body or None) of a bash block, in order."""
    out: list[tuple[str, str | None]] = []
    lines = script.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if "<<'EOF'" in line:
            end = lines.index("EOF", i)
            out.append((line, "\n".join(lines[i:end]) + "\n"))
            i = end + 1
        else:
            out.append((line, None))
    return out


def test_numpy_framework_size_is_as_the_guide_says() -> None:
    lines = len((ROOT / "zoo" / "testing" / "numpy_framework.py").read_text().splitlines())
    assert "complete adapter in under 200 lines of numpy" in DOC and lines < 200


def test_plugin_new_section_lists_what_it_writes() -> None:
    from zoo.scaffold import files

    text = section("Start with zoo plugin new")
    assert blocks(text, "bash") == ["zoo plugin new mynet\npip install -e mynet\npytest mynet\n"]
    (tree,) = blocks(text, "text")
    listed = {line.split()[0] for line in tree.splitlines()[1:]}
    assert listed == set(files("mynet", ("torch", "keras")))
    pyproject = files("mynet", ("torch", "keras"))["pyproject.toml"]
    assert 'name = "mynet"' in pyproject and '[project.entry-points.zoo]\nmynet = "mynet.plugin"' in pyproject
    plugin = files("mynet", ("torch", "keras"))["src/mynet/plugin.py"]
    assert all(f'"{n}"' in plugin for n in ("mynet_cnn", "mynet_l1", "mynet_json"))


@pytest.mark.skipif(not HAS_TORCH, reason="the tutorial needs zoo-torch")
def test_ten_minute_tutorial_runs_as_written(tmp_path: Path) -> None:
    """Every command of the tutorial, in order; `pip install -e .` goes into a target folder (not
    the shared environment) and the activation line is the test's own interpreter."""
    site, work = tmp_path / "site", tmp_path / "myplugin"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    outputs: dict[str, str] = {}
    cwd = tmp_path
    for line, body in [c for b in blocks(section("Ten minutes from an empty folder"), "bash") for c in commands(b)]:
        if line.startswith("source "):
            continue
        cmd = line.replace("/tmp/myplugin", str(work))
        if body is not None:
            target = cwd / cmd.split("cat > ", 1)[1].split(" <<")[0]
            target.write_text(body)
            continue
        if cmd.startswith("cd "):
            cwd = Path(cmd[3:])
            continue
        if cmd.startswith("pip install -e . --no-deps"):
            cmd = f"{sys.executable} -m pip install -q --no-deps --no-build-isolation --target {site} ."
        elif cmd.startswith("python "):
            cmd = f"{sys.executable} {cmd[len('python '):]}"
        done = subprocess.run(cmd, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        outputs[line] = done.stdout

    row = next(ln.split() for ln in outputs["zoo plugins"].splitlines() if ln.startswith("mynet "))
    assert row == ["mynet", "zoo-mynet", "0.1.0", "active", "1"]
    shown = blocks(section("Ten minutes from an empty folder"), "text")[0]
    assert outputs["zoo list backbone 'tiny*'"].strip() == shown.strip()
    backbone = yaml.safe_load(outputs["zoo show default --set backbone.name=tiny_convnet"])["backbone"]
    assert backbone == {"name": "tiny_convnet", "weights": "none", "width": 32}
    run = work / "runs" / "mynet"
    assert {"recipe.yaml", "metrics.json", "curves.png"} <= {p.name for p in run.iterdir()}
    assert re.search(r"\d+ passed", outputs["python -m pytest -q tests"])
    refused = subprocess.run(["zoo", "show", "default", "--set", "backbone.name=tiny_convnet",
                              "--set", "backbone.widht=64"], cwd=work, env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("error: recipe 'default', backbone.widht: unknown parameter; did you mean "
                                      "'width'? (valid: weights, width)")
    assert "backbone.widht: unknown parameter; did you mean 'width'? (valid: weights, width)" in DOC


# -- the error table: the rows quote what zoo really says -----------------------------------------------------
def _row(start: str) -> list[str]:
    """The backticked messages of the table row that starts with `start`."""
    line = next(ln for ln in section("When something goes wrong").splitlines() if ln.startswith(f"| {start}"))
    return [m for m in re.findall(r"`([^`]+)`", line.split(" | ", 1)[1]) if len(m) > 30]


def _says(quote: str, real: str) -> bool:
    return all(part.strip() in real for part in quote.split("..."))


def _load(*hooks: tuple[str, object]) -> object:
    """The registry of the numpy framework plus a plugin 'mynet' of distribution zoo-mynet 0.1.0
    implementing `hooks` (hook name -> function of register)."""
    from zoo import hookimpl, plugins
    from zoo.interfaces.component import Source
    from zoo.testing.numpy_framework import NumpyPlugin

    cls = type("mynet", (), {name: hookimpl(lambda self, register, f=f: f(register)) for name, f in hooks})
    found = [p for p in plugins.discover() if p[0] in plugins.DEFAULT_PLUGINS]
    found += [("npfw", NumpyPlugin, Source("npfw")), ("mynet", cls, Source("mynet", "zoo-mynet", "0.1.0"))]
    return plugins.load_plugins(found)


def test_error_table_quotes_real_messages() -> None:
    from zoo.errors import UnknownNameError
    from zoo.interfaces import Param, declare_backbone
    from zoo.recipes import parse
    from zoo.validation import problems

    tiny = declare_backbone("tiny_convnet", description="x", params={"width": Param(32, int)},
                            meta=lambda p: {"out_channels": p["width"], "preprocessing": "unit", "stride": 4})
    lacking = declare_backbone("tiny_convnet", description="x", params={"width": Param(32, int)},
                               meta=lambda p: {"out_channels": p["width"], "preprocessing": "unit"})
    recipe = parse("default", {"backbone": "tiny_convnet", "vectorizer": "gap", "head": "box", "loss": "mse",
                               "dataset": "blobs"})

    state = _load(("register_backbones", lambda r: r(lacking, "m:f", framework="npfw")))
    (rec,) = [r for r in state.records if r.name == "mynet"]
    assert all(_says(q, rec.error or "") for q in _row("a `meta` function")), rec.error

    def broken(register: object) -> None:
        register(tiny, "zoo.testing.numpy_framework:pool_backbone", framework="npfw")  # type: ignore[operator]
        raise RuntimeError("boom")

    state = _load(("register_backbones", broken))
    with pytest.raises(UnknownNameError) as err:
        state.registry.get("backbone", "tiny_convnet", "npfw")
    quote = _row("a plugin whose component you use failed")[0].replace("'torch'", "'npfw'")
    assert _says(quote, str(err.value)), str(err.value)

    state = _load(("register_backbones", lambda r: r(tiny, "zoo.testing.numpy_framework:pool_backbon",
                                                     framework="npfw")))
    (found,) = problems(recipe, state.registry, "npfw")
    quote = _row("mistyped a factory")[0]
    expected = (quote.replace("zoo_mynet.torch_backbone", "zoo.testing.numpy_framework")
                .replace("tiny_convnt", "pool_backbon").replace("did you mean 'tiny_convnet'", "did you mean 'pool_backbone'"))
    assert _says(expected, found), found

    state = _load(("register_backbones", lambda r: r(tiny, "zoo.testing.numpy_framework:pool_backbone",
                                                     framework="npfw")))
    unknown, wrong = _row("mistyped a parameter")[:2]
    assert problems(parse("default", {**recipe.to_dict(), "backbone": {"name": "tiny_convnet", "widht": 64}}),
                    state.registry) == [unknown]
    (found,) = problems(parse("default", {**recipe.to_dict(), "backbone": {"name": "tiny_convnet", "width": "8x"}}),
                        state.registry)
    assert found.endswith(wrong)

    state = _load(("register_recipes", lambda r: r("default", recipe.to_dict())))
    (rec,) = [r for r in state.records if r.name == "mynet"]
    assert rec.refused == _row("a recipe you ship")


def test_every_zoo_command_shown_exists_with_its_options() -> None:
    """Every ``zoo ...`` command the guide shows (inline or in a bash block) names real commands
    and only options they have (the guide's own register_commands example excepted)."""
    import shlex

    import click

    from zoo.cli import cli

    shown = set(re.findall(r"`(zoo [^`]+)`", DOC))
    shown |= {ln.strip() for b in blocks(DOC, "bash") for ln in b.splitlines() if ln.startswith("zoo ")}
    example_commands = set(re.findall(r'@cli\.command\(name="([\w-]+)"\)', DOC))
    assert len(shown) > 15
    for text in sorted(shown):
        args = shlex.split(text)[1:]
        command: click.Command = cli
        while isinstance(command, click.Group) and args and not args[0].startswith("-"):
            if args[0] in example_commands:
                break
            assert args[0] in command.commands, f"{text!r}: no command {args[0]!r}"
            command, args = command.commands[args[0]], args[1:]
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
        bad = [a.split("=")[0] for a in args if a.startswith("-") and a.split("=")[0] not in options]
        assert not bad, f"{text!r}: {command.name} has no option {bad}"


def test_python_examples_are_valid_python() -> None:
    import ast

    examples = blocks(DOC, "python")
    assert len(examples) >= 8
    for code in examples:
        ast.parse(code)
