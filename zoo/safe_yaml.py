"""Safe YAML for recipes and run files: ``yaml.SafeLoader`` (never executes code), YAML 1.2
numbers (``3e-4`` is a float), and aliases checked before anything is built (alias bombs and
recursive aliases refused)."""
from __future__ import annotations

import re
from typing import Any

import yaml

#: most values a YAML document may expand to, aliases counted as copies (registry.yaml: a few thousand)
MAX_YAML_VALUES = 100_000


class YamlExpansionError(yaml.YAMLError):
    """A document whose aliases expand beyond `MAX_YAML_VALUES` values, or refer to themselves."""


class YamlLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` reading numbers as YAML 1.2 does: ``3e-4`` and ``1E3`` are floats
    (YAML 1.1, PyYAML's default, needs a dot and a signed exponent and reads them as strings).
    Aliases are checked before anything is built: a document that would expand to more than
    `MAX_YAML_VALUES` values (an alias bomb) or holds a recursive alias is a YamlExpansionError."""

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)


def _check_expansion(root: yaml.Node) -> None:
    """Expanded size of the node graph (each alias counted as a full copy), in time linear in
    the number of distinct nodes; YamlExpansionError beyond the limit or on a cycle."""
    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children(node))
            if sizes[key] > MAX_YAML_VALUES:
                raise YamlExpansionError(f"its aliases expand to more than {MAX_YAML_VALUES} values (line "
                                         f"{node.start_mark.line + 1}); refused as an alias bomb: write fewer aliases")
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlExpansionError(f"an alias refers to itself (line {node.start_mark.line + 1}); "
                                     f"recursive aliases are refused")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)


YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def load_yaml(text: str) -> Any:
    """`text` parsed as safe YAML with YAML 1.2 numbers (see `YamlLoader`)."""
    return yaml.load(text, Loader=YamlLoader)
