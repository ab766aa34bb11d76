"""The differential check over TileLang's example kernels: each kernel that
tests/compat/tilelang_compile.py compiles runs on the cpu target here (its
arguments by name as there, at smaller sizes; inputs drawn by
tests/gpu/differential.py) and, in the second half, on the GPU; the two
must agree. A kernel the cpu target stops (an out-of-bounds access, a
race, a read of memory never written: often the example's own, at these
sizes or on random data) is listed with the reason.

    python3 tests/compat/tilelang_differential.py <tilelang>/examples OUT \\
        [--timeout 120] [--max-bytes 2000000] [--jobs 2] [--only REGEX]   # build machine
    python3 tests/gpu/differential.py check OUT --lib libtilec_cuda.so   # GPU

A kernel whose cpu run takes longer than --timeout seconds, or whose inputs
and results take more than --max-bytes (what is carried to the GPU machine
is limited), is listed and left out."""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tilelang_compile  # noqa: E402
from tilelang_compile import OTHER_HARDWARE, compile_one, kernels_of, value_for  # noqa: E402

# Smaller sizes than the compile check's (the cpu target interprets the
# kernels; their inputs and results travel to the GPU machine), where the
# examples allow them.
SMALLER = dict(batch=1, heads=16, seq_len=128, seqlen=128, seqlen_q=128, seqlen_kv=256,
               seq_q=128, seq_kv=256, max_seqlen_kv=256, total_seqlen_k=256, max_seqlen_pad=256,
               dim=64, M=128, N=128, K=128, m=128, n=128, k=128)


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def prepare_one(args, path, kernel, flags, work):
    """Prepares one kernel in a folder of its own: (name, outcome)."""
    name = os.path.splitext(os.path.basename(path))[0] + "_" + kernel
    defines = [x for flag in flags if flag != "-D" for x in ("-D", flag)]
    scalars, dims = [], {}
    for _ in range(8):  # scalar parameters and symbolic sizes, as the run names them
        command = [sys.executable, os.path.join(ROOT, "tests", "gpu", "differential.py"),
                   "prepare", work, "--tilec", args.tilec, "--program", f"{path}:{kernel}",
                   "--dims", ",".join(f"{d}={v}" for d, v in dims.items()), *defines, *scalars]
        # In a process group of its own: a run past the limit stops with
        # the cpu run it started.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, cwd=os.path.dirname(path), start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return name, f"cpu run over {args.timeout} s"
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        scalar = re.search(r"scalar parameter '(\w+)' needs a value", result.stdout)
        size = re.search(r"KeyError: '(\w+)'", result.stderr)
        if scalar:
            scalars += ["--scalar", f"{scalar.group(1)}={value_for(scalar.group(1))}"]
        elif size and size.group(1) not in dims:
            dims[size.group(1)] = value_for(size.group(1))
        else:
            break
    if result.returncode != 0 or "FAIL" in result.stdout:
        lines = [line for line in (result.stdout + result.stderr).splitlines()
                 if "error:" in line] or (result.stdout + result.stderr).strip().splitlines()
        return name, "not prepared: " + (lines[0] if lines else "?")
    size = folder_bytes(os.path.join(work, name))
    if size > args.max_bytes:
        return name, f"{size} bytes of inputs and results"
    return name, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", help="TileLang's examples folder")
    parser.add_argument("out", help="the folder differential.py check reads")
    parser.add_argument("--tilec", default=os.path.join(ROOT, "build", "tools", "tilec"))
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--max-bytes", type=int, default=2_000_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", help="prepare only the kernels whose name (file_kernel) "
                        "matches this regular expression, adding them to OUT")
    args = parser.parse_args()
    args.tilec = os.path.abspath(args.tilec)
    out = os.path.abspath(args.out)
    tilelang_compile.VALUES.update(SMALLER)
    manifest_path = os.path.join(out, "manifest.json")
    manifest = []
    if args.only and os.path.exists(manifest_path):
        manifest = json.load(open(manifest_path))
    else:
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
    jobs = []
    for folder, _, names in os.walk(args.examples):
        for file in sorted(names):
            path = os.path.abspath(os.path.join(folder, file))
            relative = os.path.relpath(path, args.examples)
            if file.startswith("example_") and file.endswith(".py") and \
                    not OTHER_HARDWARE.search(relative):
                for kernel, flags in kernels_of(path, relative.split(os.sep)[0]):
                    name = os.path.splitext(file)[0] + "_" + kernel
                    if not args.only or re.search(args.only, name):
                        jobs.append((path, kernel, flags))
    # Only the kernels that compile (the compile check's listing says why the
    # others do not).
    scratch = os.path.join(out, ".ptx")
    os.makedirs(scratch)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        compiles = list(pool.map(lambda job: compile_one(args.tilec, *job, scratch)[0], jobs))
    jobs = [job for job, ok in zip(jobs, compiles) if ok]
    shutil.rmtree(scratch)

    def run(indexed):
        index, (path, kernel, flags) = indexed
        work = os.path.join(out, f".work{index}")
        return work, prepare_one(args, path, kernel, flags, work)

    left_out = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for work, (name, reason) in pool.map(run, enumerate(jobs)):
            if reason is None:
                for entry in os.listdir(work):
                    if entry != "manifest.json":
                        shutil.move(os.path.join(work, entry), os.path.join(out, entry))
                manifest += json.load(open(os.path.join(work, "manifest.json")))
            else:
                left_out.append((name, reason))
            shutil.rmtree(work, ignore_errors=True)
            print(f"{'ready' if reason is None else 'left out':9s} {name}"
                  f"{'' if reason is None else ': ' + reason}", flush=True)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"tilelang example kernels prepared: {len(jobs) - len(left_out)} of {len(jobs)} that "
          f"compile ({len(left_out)} left out); {len(manifest)} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
