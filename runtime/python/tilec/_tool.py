"""The tilec executable: finding it and running it."""

import os
import shutil
import subprocess

# runtime/python/tilec/ -> the checkout.
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# Installed by pip, the package holds the tools and kernels/ itself.
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
KERNELS = (os.path.join(_PACKAGE, "kernels") if os.path.isdir(os.path.join(_PACKAGE, "kernels"))
           else os.path.join(_REPO, "kernels"))


def cache_folder(*parts):
    """$TILEC_CACHE_DIR (else ~/.cache/tilec), or a folder under it."""
    root = os.environ.get("TILEC_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache",
                                                             "tilec")
    return os.path.join(root, *parts)


class CompileError(Exception):
    """tilec rejected the program; the message is its diagnostics
    (file:line:col, the source line and a caret)."""


def _bundled(name):
    """A tool pip installed with the package, or None."""
    path = os.path.join(_PACKAGE, "bin", name)
    return path if os.access(path, os.X_OK) else None


def exec_tool(name):
    """Runs the bundled tool `name` with this process's arguments (the
    console scripts pip puts on PATH)."""
    import sys
    path = _bundled(name) or os.path.join(_REPO, "build", "tools", name)
    os.execv(path, [path] + sys.argv[1:])


def _tool():
    """The tilec executable: $TILEC, the one pip installed with this
    package, this checkout's build, or on PATH."""
    for candidate in (os.environ.get("TILEC"), _bundled("tilec"),
                      os.path.join(_REPO, "build", "tools", "tilec"), shutil.which("tilec")):
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
