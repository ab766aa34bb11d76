"""python3 -m tilec.tilelang program.py [arguments]: runs a TileLang
program with tilec as its `tilelang`."""

import os
import runpy
import sys

from . import install


def main():
    if len(sys.argv) < 2:
        print("usage: python3 -m tilec.tilelang program.py [arguments]", file=sys.stderr)
        return 2
    install()
    program = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
    runpy.run_path(program, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
