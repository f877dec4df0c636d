"""Noise policy (issue 11, point 23): a framework's native stderr chatter is hidden unless
ZOO_VERBOSE / -v asks for it (and shown when the block fails); bars only on a terminal."""
from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import os, sys
from zoo.progress import quiet_native_stderr
with quiet_native_stderr():
    os.write(2, b"native chatter\\n")
print("bars", __import__("zoo.progress").progress.bars())
try:
    with quiet_native_stderr():
        os.write(2, b"explains the failure\\n")
        raise RuntimeError("boom")
except RuntimeError:
    pass
"""


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_native_stderr_is_hidden_unless_verbose_and_shown_on_failure() -> None:
    quiet = _run(ZOO_VERBOSE="")
    assert "native chatter" not in quiet.stderr and "explains the failure" in quiet.stderr, quiet.stderr
    assert "bars False" in quiet.stdout  # captured output is not a terminal
    loud = _run(ZOO_VERBOSE="1")
    assert "native chatter" in loud.stderr and "explains the failure" in loud.stderr


def test_cli_verbose_flag_sets_the_policy() -> None:
    out = subprocess.run([sys.executable, "-m", "zoo", "-v", "plugins", "--json"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
