"""`tilec tune`: autotune a kernel's compile-time parameters from the
command line and print the table.

  tilec tune kernels/gemm.tl --kernel gemm \\
      --space block_M=64,128 --space block_N=128,256 --space num_stages=2,3,4 \\
      --dims M=4096,N=4096,K=4096 [-D dtype=bfloat16] [--target sm_90a|cpu]

Candidates compile in parallel, each must reproduce the first working
candidate's outputs on random inputs (the sizes from --dims) before it is
timed; the choice is cached (`--no-cache` retunes).
"""

import argparse
import sys

from ._autotune import autotune
from ._tool import CompileError


def _value(text):
    """A -D / --space value as Python would read it: int, float, bool or
    the string itself."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def _pairs(items, what):
    values = {}
    for item in items:
        for part in item.split(","):
            if "=" not in part:
                raise SystemExit(f"tilec tune: {what} takes name=value, got '{part}'")
            name, value = part.split("=", 1)
            values[name.strip()] = _value(value.strip())
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tilec tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="the .tl (or .py) file")
    parser.add_argument("--kernel", help="the kernel (default: the file's only one)")
    parser.add_argument("--space", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="values to try for a compile-time parameter (repeatable)")
    parser.add_argument("--dims", action="append", default=[], metavar="NAME=N,...",
                        help="symbolic sizes and scalar arguments of the random inputs")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=V",
                        help="a compile-time parameter held fixed")
    parser.add_argument("--target", default="sm_90a", help="sm_90a (default), sm_80 or cpu")
    parser.add_argument("--warmup", type=float, default=25, help="warm-up per candidate, ms")
    parser.add_argument("--rep", type=float, default=100, help="timing per candidate, ms")
    parser.add_argument("--jobs", type=int, help="parallel compiles (default: all cores)")
    parser.add_argument("--no-check", action="store_true",
                        help="time candidates without comparing their outputs")
    parser.add_argument("--no-cache", action="store_true", help="tune again")
    args = parser.parse_args(argv)
    space = {}
    for item in args.space:
        if "=" not in item:
            raise SystemExit(f"tilec tune: --space takes name=v1,v2,..., got '{item}'")
        name, values = item.split("=", 1)
        space[name.strip()] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    if not space:
        raise SystemExit("tilec tune: give the values to try with --space name=v1,v2,...")
    try:
        result = autotune(args.file, args.kernel, space=space, dims=_pairs(args.dims, "--dims"),
                          defines=_pairs(args.defines, "-D"), target=args.target,
                          warmup=args.warmup, rep=args.rep, jobs=args.jobs,
                          check=not args.no_check, cache=not args.no_cache)
    except (CompileError, RuntimeError, ValueError) as error:
        print(f"tilec tune: {error}", file=sys.stderr)
        return 1
    print(result.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
