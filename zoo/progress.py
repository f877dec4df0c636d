"""What a run prints while it works, decided once for every framework.

* Progress bars (tqdm, Keras' progbar) only when both stdout and stderr are terminals; in logs,
  CI and pipes a run prints one line per epoch (`zoo.monitor.Monitor`) and nothing per batch.
* A framework's native (C++) start-up chatter on stderr is hidden unless asked for, with
  ``ZOO_VERBOSE=1`` or ``zoo -v``; what it printed is shown anyway if the block fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

VERBOSE_ENV = "ZOO_VERBOSE"


def verbose() -> bool:
    """True when the user asked for everything (``ZOO_VERBOSE=1`` or ``zoo -v``)."""
    return os.environ.get(VERBOSE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def bars() -> bool:
    """Whether per-batch progress bars are wanted: only on an interactive terminal."""
    return _isatty(sys.stdout) and _isatty(sys.stderr)


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Hide what native libraries write straight to file descriptor 2 inside the block (Python's
    own ``sys.stderr`` writes too), unless `verbose`. When the block raises, the hidden text is
    written out before the exception propagates, so nothing that explains a failure is lost."""
    if verbose():
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (embedded interpreters)
        yield
        return
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                sink.seek(0)
                os.write(2, sink.read())
