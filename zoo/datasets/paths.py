"""Paths of dataset files: user paths, required folders and files, and root containment.

`inside_root` is the one check every reader (the core's and third parties') applies to a file
name read from an annotation, so a hostile or careless annotation cannot reach outside the
dataset: absolute names, drive letters, ``..`` escapes and symlinks leading out are refused.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from zoo.errors import DataError


def user_path(path: str | Path) -> Path:
    """`path` with ``~`` expanded, relative paths resolved against the current directory."""
    return Path(path).expanduser().resolve()


def existing_dir(path: str | Path, what: str, param: str) -> Path:
    """`path` as a directory, or a DataError naming the parameter to fix."""
    p = user_path(path)
    if not p.is_dir():
        raise DataError(f"{p}: {what} directory does not exist; set the dataset parameter {param!r} to it")
    return p


def existing_file(path: str | Path, what: str, param: str) -> Path:
    """`path` as a file, or a DataError naming the parameter to fix."""
    p = user_path(path)
    if not p.is_file():
        raise DataError(f"{p}: {what} file does not exist; set the dataset parameter {param!r} to it")
    return p


def inside_root(root: str | Path, name: str, *, base: str | Path | None = None) -> Path | None:
    """The file `name` (relative to `base`, default `root`) resolved, when it stays inside `root`.

    None for an empty or absolute name (``/x``, ``\\\\x``, ``C:x``), a ``..`` escape, or a symlink
    leading out of `root`. Windows backslashes count as separators (LabelMe writes them).
    `root` should already be resolved (`user_path`); the result is resolved.
    """
    root = Path(root)
    text = str(name).replace("\\", "/")
    parts = PurePosixPath(text).parts
    if not text.strip() or text.startswith("/") or (parts and ":" in parts[0]) or "\x00" in text:
        return None
    try:
        path = (Path(base or root) / text).resolve()
    except (OSError, RuntimeError, ValueError):  # symlink loops, names the OS refuses
        return None
    return path if path == root or root in path.parents else None
