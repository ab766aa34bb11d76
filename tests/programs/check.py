"""Compiles generated tile programs (tests/programs/generate.py) for every
target and runs them on the cpu target: each must compile to PTX that ptxas
accepts (sm_90a), to a gfx942 code object, and run on the cpu target; or end
in a located error (file:line:col) the generator said it may end in. A crash,
an internal or unlocated error, an unexpected error or PTX that ptxas
rejects is a failure, printed with the program's path.

    python3 tests/programs/check.py DIR --tilec build/tools/tilec [--jobs 2]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CRASH_SIGNS = ("LLVM ERROR", "Stack dump", "PLEASE submit", "Assertion", "<unknown>:0",
               "unrealized_conversion_cast", "Traceback")


def run(command, timeout=120):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stdout + result.stderr
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout


def check_one(program, tilec, ptxas, scratch):
    """Returns (outcome, detail): 'ok', 'expected' (a permitted error) or 'FAIL'."""
    source = program["file"]
    name = os.path.basename(source)
    base = os.path.join(scratch, program["name"])
    common = [tilec, source, "--kernel", program["kernel"]]
    steps = [("sm_90a", common + ["--target", "sm_90a", "--emit=ptx", "-o", base + ".ptx"]),
             ("gfx942", common + ["--target", "gfx942", "--emit=hsaco", "-o", base + ".hsaco"])]
    dims = ",".join(f"{k}={v}" for k, v in program["dims"].items())
    cpu = common + ["--run", "--dims", dims]
    for scalar, value in program["scalars"].items():
        cpu += ["--scalar", f"{scalar}={value}"]
    steps.append(("cpu", cpu))
    expected = 0
    for target, command in steps:
        code, output = run(command)
        if code is None or code not in (0, 1) or any(sign in output for sign in CRASH_SIGNS):
            return "FAIL", f"{target}: crashed or internal error (exit {code}):\n{output[-2000:]}"
        if code == 1:
            located = re.search(re.escape(name) + r":\d+:\d+: error: (.*)", output)
            allowed = program.get("may_fail", {}).get(target, [])
            if not located:
                return "FAIL", f"{target}: an error without a location:\n{output[-2000:]}"
            if not any(text in located.group(1) for text in allowed):
                return "FAIL", f"{target}: an unexpected error:\n{output[-2000:]}"
            expected += 1
            continue
        if target == "sm_90a" and ptxas:
            code, output = run([ptxas, "-arch=sm_90a", base + ".ptx", "-o", base + ".cubin"])
            if code != 0:
                return "FAIL", f"ptxas rejects the PTX:\n{output[-2000:]}"
    return ("expected" if expected else "ok"), ""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("--tilec", required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    ptxas = shutil.which("ptxas") or ("/usr/local/cuda/bin/ptxas"
                                      if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
    programs = json.load(open(os.path.join(args.dir, "manifest.json")))
    counts = {"ok": 0, "expected": 0, "FAIL": 0}
    with tempfile.TemporaryDirectory() as scratch, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(check_one, p, args.tilec, ptxas, scratch): p for p in programs}
        for future in concurrent.futures.as_completed(futures):
            outcome, detail = future.result()
            counts[outcome] += 1
            if outcome == "FAIL":
                print(f"FAIL {futures[future]['file']}: {detail}", flush=True)
    print(f"{len(programs)} generated programs: {counts['ok']} compiled for sm_90a "
          f"({'ptxas-checked' if ptxas else 'no ptxas here'}) and gfx942 and ran on the cpu "
          f"target, {counts['expected']} ended in an expected located error, "
          f"{counts['FAIL']} failed")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
