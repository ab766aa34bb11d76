"""Runs TileLang's example programs unchanged through tilec's TileLang API
(`python3 -m tilec.tilelang example.py`) and sorts the outcomes: the
compatibility suite of docs/language.md. On a machine with a CUDA GPU,
PyTorch and the tilec tool ($TILEC) and runtime ($TILEC_CUDA_LIB):

    python3 tests/compat/tilelang_examples.py <tilelang>/examples [--jobs 8]

Each example runs in its own folder (they import their neighbours) with its
own defaults; it passes when it exits 0 (the examples check their results
against PyTorch references themselves)."""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def outcome(result):
    """A short class and reason for a finished example, and its output."""
    kind, reason = classify(result)
    return kind, reason, "" if result is None else result.stdout + result.stderr


def classify(result):
    if result is None:
        return "timeout", ""
    text = result.stdout + result.stderr
    if result.returncode == 0:
        return "ok", ""
    missing = re.search(r"No module named '([^']+)'", text)
    if missing and not missing.group(1).startswith("tilelang"):
        return "needs-package", missing.group(1)
    error = re.search(r"^\S+:\d+:\d+: error: (.*)$", text, re.M)
    if "CompileError" in text and error:
        return "compile-error", error.group(1)
    if "AssertionError" in text or "Mismatch" in text or "mismatch" in text:
        line = [l for l in text.strip().splitlines() if "Error" in l or "ismatch" in l]
        return "wrong-result", (line[-1] if line else "")
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return "error", (lines[-1] if lines else f"exit {result.returncode}")


def run(path, timeout):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "runtime", "python") + os.pathsep + env.get(
        "PYTHONPATH", "")
    start = time.time()
    try:
        result = subprocess.run([sys.executable, "-m", "tilec.tilelang", os.path.basename(path)],
                                cwd=os.path.dirname(path), env=env, capture_output=True,
                                text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        result = None
    return path, outcome(result), time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", help="TileLang's examples folder")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--match", default="", help="only paths this regular expression "
                        "matches somewhere")
    parser.add_argument("--details", help="write the last 40 lines of every example that did "
                        "not pass into this file")
    args = parser.parse_args()
    paths = sorted(os.path.join(folder, name)
                   for folder, _, names in os.walk(args.examples) for name in names
                   if name.startswith("example_") and name.endswith(".py") and
                   re.search(args.match, os.path.join(folder, name)))
    counts = {}
    details = open(args.details, "w") if args.details else None
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for path, (kind, reason, text), seconds in pool.map(lambda p: run(p, args.timeout),
                                                             paths):
            counts[kind] = counts.get(kind, 0) + 1
            if details and kind != "ok":
                tail = "\n".join(text.rstrip().splitlines()[-40:])
                details.write(f"==== {kind}: {os.path.relpath(path, args.examples)}\n{tail}\n")
            print(f"{kind:14} {seconds:6.1f}s {os.path.relpath(path, args.examples)}"
                  f"{'  ' + reason[:160] if reason else ''}", flush=True)
    print(f"tilelang examples: {counts.get('ok', 0)} of {len(paths)} ran and agreed with their "
          f"references; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "ok"))


if __name__ == "__main__":
    main()
