"""The run directory: one layout whatever the framework.

    recipe.yaml      the resolved recipe (load it back with `read_recipe`)
    run.json         framework, recipe name, classes, status, timings, device; created first,
                     exclusively, to claim the directory (`claim`)
    <weights>        the framework's weights file (model.safetensors / model.weights.h5)
    checkpoint/      the latest epoch's training state, for ``--resume``
    history.json     per-epoch logs (also history.csv)
    metrics.json     test metrics, the mean-box baseline, speed, parameters
    curves.png       loss and validation IoU per epoch
    predictions.png  test images with true (green) and predicted (red) boxes
"""
from __future__ import annotations

import errno
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from zoo.errors import ZooError
from zoo.recipes import Recipe, load_yaml, parse

RECIPE = "recipe.yaml"
RUN = "run.json"
HISTORY = "history.json"
METRICS = "metrics.json"
CHECKPOINT = "checkpoint"


#: what an OSError that stops writing means, for a one-line message
UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR)


def new_dir(recipe: str, framework: str, root: str | Path = "runs") -> Path:
    """A fresh ``runs/<recipe>-<framework>-<time>`` path (not created; `claim` creates it)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(root) / f"{recipe}-{framework}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = Path(root) / f"{recipe}-{framework}-{stamp}-{n}"
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[str]:
    """A temporary name beside `path` to write to; renamed onto `path` when the block succeeds,
    removed when it fails, so a killed process leaves the old file. The file gets the mode a
    plain ``open(path, "w")`` would (0666 less the umask), not mkstemp's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(Path(path.name.lstrip(".")).suffixes)  # model.weights.h5 -> .weights.h5 (Keras checks it)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        os.close(fd)
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # after writing: some writers (safetensors) recreate the file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `path` via a temporary file and rename (see `atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def write_json(path: Path, data: Any) -> None:
    """Strict JSON (no NaN / Infinity tokens: non-finite floats are written as null)."""
    atomic_write(path, json.dumps(_finite(data), indent=2, default=_jsonable, allow_nan=False) + "\n")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    return value


def read_json(path: Path) -> Any:
    """The JSON in `path`; ZooError naming the file when it is missing, unreadable or damaged."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ZooError(f"{str(path)!r} is missing; the run directory is incomplete: train it again "
                       f"or resume it with `zoo train --resume {path.parent}`") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ZooError(f"{str(path)!r} is damaged (not valid JSON: {str(exc).splitlines()[0][:80]}); "
                       f"restore it from a copy or train the run again") from None


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def write_recipe(run_dir: Path, recipe: Recipe) -> None:
    atomic_write(run_dir / RECIPE, yaml.safe_dump({"name": recipe.name, **recipe.to_dict()}, sort_keys=False))


def read_recipe(run_dir: Path) -> Recipe:
    """The recipe a run was trained with; ZooError naming recipe.yaml when it is damaged."""
    path = Path(run_dir) / RECIPE
    fix = "restore it from a copy or train the run again"
    try:
        raw = load_yaml(path.read_text())
    except FileNotFoundError:
        raise ZooError(f"{str(path)!r} is missing; {fix}") from None
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise ZooError(f"{str(path)!r} is damaged (not valid YAML: {str(exc).splitlines()[0][:80]}); {fix}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise ZooError(f"{str(path)!r} is damaged (not a recipe mapping with a name); {fix}")
    try:
        return parse(raw.pop("name"), raw)
    except ZooError as exc:
        raise ZooError(f"{str(path)!r} does not hold a valid recipe ({exc}); {fix}") from None


def check_run(run_dir: str | Path) -> Path:
    """`run_dir` as a Path; ZooError when it is not a run directory."""
    path = Path(run_dir)
    missing = [f for f in (RECIPE, RUN) if not (path / f).exists()]
    if missing:
        raise ZooError(f"{str(path)!r} is not a run directory (no {missing[0]}); "
                       f"give a directory written by `zoo train`, e.g. runs/default-torch-...")
    return path


def read_run(run_dir: Path) -> dict[str, Any]:
    """run.json; ZooError naming it when it is damaged or lacks the framework."""
    path = Path(run_dir) / RUN
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("framework"), str):
        raise ZooError(f"{str(path)!r} names no framework: the run never started training, or the file is "
                       f"damaged; restore it from a copy or train the run again")
    return data


def unwritable(path: str | Path, exc: OSError) -> ZooError:
    """The one-line error for a folder or file that cannot be written."""
    return ZooError(f"cannot write {str(path)!r}: {exc.strerror or exc}; choose a folder you can write to "
                    f"(--out) or fix its permissions")


class RunExistsError(ZooError):
    """The run directory is already claimed by another run."""


class RunBusyError(ZooError):
    """The run directory is locked: another process is training it."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a scheduler's cancel) arrived while a `Claim` was held: raised in the main
    thread so the run ends as on Ctrl-C, recorded ``interrupted``."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated(f"stopped by signal {signal.Signals(signum).name}")


def _catch_sigterm() -> Any:
    """Install `_terminate` for SIGTERM when it has the default action and this is the main
    thread; return the handler to restore (None when nothing was installed)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return None
    previous = signal.getsignal(signal.SIGTERM)
    if previous != signal.SIG_DFL:  # the host (a launcher, a notebook server) has its own
        return None
    signal.signal(signal.SIGTERM, _terminate)
    return previous


def claim_new(recipe: str, framework: str, root: str | Path = "runs", tries: int = 100) -> Claim:
    """`claim` a fresh `new_dir`; when another process takes that name first, the next one."""
    for _ in range(tries - 1):
        try:
            return claim(new_dir(recipe, framework, root))
        except RunExistsError:
            continue
    return claim(new_dir(recipe, framework, root))


def lock(run_dir: Path, wait: float = 0.0) -> int | None:
    """Hold an exclusive lock on `run_dir` (flock on the directory itself, so the layout gains no
    file) until `unlock`, or until the process ends, however it ends: a run being trained is
    locked, and a second ``zoo train --resume`` of it gets `RunBusyError`, at once or after
    `wait` seconds (a process restarted by torchrun waits for the DataLoader workers of the one it
    replaces, which share its lock until they exit). None where the system has no flock
    (Windows) or the file system refuses it: the run is then not locked."""
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(run_dir, os.O_RDONLY)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            os.close(fd)
            raise RunBusyError(f"{str(run_dir)!r} is being trained by another `zoo train` (it holds the run's "
                               f"lock); wait for it to end, then resume it") from None
        except OSError:
            os.close(fd)
            return None


def unlock(fd: int | None) -> None:
    """Release a `lock` (None, where nothing was locked, is a no-op)."""
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the lock


class Claim:
    """A run directory this process owns (see `claim`), locked (`lock`) until the training ends.
    Used as a context manager around the training: an exception before `started()` releases the
    claim and removes what it created (a run that never started leaves nothing); after it,
    run.json records ``status: failed`` (or ``interrupted`` on Ctrl-C or SIGTERM, which raises
    `Terminated` while the block runs) with the reason, and the exception propagates."""

    def __init__(self, run_dir: Path, created: list[Path], started: bool = False, wait: float = 0.0) -> None:
        self.run_dir, self.created, self.is_started = run_dir, created, started
        self.lock = lock(run_dir, wait)
        self.sigterm: Any = None

    def started(self) -> None:
        self.is_started = True

    def __enter__(self) -> Claim:
        self.sigterm = _catch_sigterm()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        try:
            self._record(exc)
        finally:
            if self.sigterm is not None:
                signal.signal(signal.SIGTERM, self.sigterm)
                self.sigterm = None
            unlock(self.lock)
            self.lock = None

    def _record(self, exc: BaseException | None) -> None:
        if exc is None:
            return
        if not self.is_started:
            self.release()
            return
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        reason = (f"{type(exc).__name__}: {exc}".splitlines() or ["?"])[0] if str(exc) else type(exc).__name__
        try:
            update_run(self.run_dir, status=status, reason=reason, ended=time.strftime("%Y-%m-%dT%H:%M:%S"))
        except (OSError, ZooError):  # the disk is full or the file damaged: the original error matters
            pass

    def release(self) -> None:
        for path in (self.run_dir / RECIPE, self.run_dir / RUN):
            if path.exists():
                path.unlink()
        for folder in reversed(self.created):
            try:
                folder.rmdir()
            except OSError:
                break


def claim(run_dir: str | Path) -> Claim:
    """Own `run_dir` for a new run: create it (and its parents) and create run.json exclusively,
    so that of two processes given one ``--out`` exactly one proceeds; the other gets a ZooError."""
    path = Path(run_dir)
    created = [p for p in [*reversed(path.parents), path] if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path / RUN, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise RunExistsError(f"{str(path)!r} already holds a run (another `zoo train` may be writing it); "
                       f"use --resume {path} or another --out") from None
    except OSError as exc:
        if exc.errno in UNWRITABLE:
            raise unwritable(path, exc) from None
        raise
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps({"status": "claimed", "pid": os.getpid()}) + "\n")
    return Claim(path, created)


def resumed(run_dir: str | Path, wait: float = 0.0) -> Claim:
    """A `Claim` on an existing run being resumed: failures are recorded, nothing is removed;
    `RunBusyError` while another process trains it (after `wait` seconds, see `lock`)."""
    return Claim(Path(run_dir), [], started=True, wait=wait)


def update_run(run_dir: Path, **fields: Any) -> dict[str, Any]:
    path = Path(run_dir) / RUN
    data = read_json(path) if path.exists() else {}
    data.update(fields)
    write_json(path, data)
    return data
