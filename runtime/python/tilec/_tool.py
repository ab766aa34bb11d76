"""The tilec executable: finding it and running it."""

import os
import shutil
import subprocess

# runtime/python/tilec/ -> the checkout.
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class CompileError(Exception):
    """tilec rejected the program; the message is its diagnostics
    (file:line:col, the source line and a caret)."""


def _tool():
    """The tilec executable: $TILEC, on PATH, or this checkout's build."""
    for candidate in (os.environ.get("TILEC"), shutil.which("tilec"),
                      os.path.join(_REPO, "build", "tools", "tilec")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("no tilec tool: set $TILEC, put it on PATH, or build this "
                            "checkout (bash tools/bootstrap.sh)")


def tool_version():
    """What `tilec --version` prints, e.g. 'tilec 0.3.0'."""
    return subprocess.run([_tool(), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _run_tool(args):
    # errors="replace": a source with invalid UTF-8 is echoed in the message.
    result = subprocess.run([_tool()] + args, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise CompileError(result.stderr.strip() or result.stdout.strip())
    return result.stdout
