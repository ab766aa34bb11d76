"""The console scripts pip puts on PATH: the tools pip installed with the
package, and `tilec tune`, the autotuner (tilec/tune.py)."""

import sys

from ._tool import exec_tool


def run_tilec():
    if sys.argv[1:2] == ["tune"]:
        from .tune import main
        sys.exit(main(sys.argv[2:]))
    exec_tool("tilec")


def run_tile_opt():
    exec_tool("tile-opt")


def run_tile_dump():
    exec_tool("tile-dump")
