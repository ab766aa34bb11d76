"""Compiles every kernel of TileLang's example programs with tilec, unchanged:
the no-GPU half of the compatibility suite of docs/language.md.

    python3 tests/compat/tilelang_compile.py <tilelang>/examples [--tilec build/tools/tilec]

An example program is an `example_*.py` for NVIDIA's Hopper or any GPU
(programs for AMD, sm_100/sm_120 and Triton baselines are left out). Its
kernels are the kernel factories (functions returning a @T.prim_func) and
eager kernels (@jit functions opening T.Kernel) at its top level; each is
compiled to sm_90a PTX with `tilec file.py --kernel <name>`, its required
arguments and T.const sizes given values by their names (64 for sizes and
blocks, float16 for dtypes, and so on: examples whose own asserts want
other values fail those asserts, which the listing shows)."""

import argparse
import ast
import concurrent.futures
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OTHER_HARDWARE = re.compile(r"amd|sm100|sm120|tcgen05|triton|cdna", re.I)

VALUES = dict(batch=2, heads=64, heads_kv=8, k_heads=8, h_q=64, h_kv=1, kv_heads=8, head_kv=8,
              kv_head_num=1, head=8, h=8, groups=2, kv_group_num=2, has_sink=False,
              seq_len=256, seqlen=256, seqlen_q=256, seqlen_kv=512, seq_q=256, seq_kv=512,
              max_seqlen_kv=512, total_seqlen_k=1024, max_seqlen_pad=512, dv=512, dpe=64,
              page_block_size=64, num_pages=16, dim=128, d=64, dim_qk=64, dim_v=64, pe_dim=64,
              M=256, N=256, K=256, m=256, n=256, k=256, block_M=64, block_N=64, block_K=32,
              block_H=64, num_split=2, num_stages=2, threads=128, is_causal=False, causal=False,
              topk=4, selected_blocks=4, block_size=64, window_size=0)


# Example folders whose kernels take other sizes under the same names (a
# convolution's K is its kernel size).
FOLDER_VALUES = {
    "convolution": dict(N=8, C=64, H=32, W=32, F=128, K=3, S=1, D=1, P=1, block_M=64,
                        block_N=128, block_K=32, threads=128),
    "analyze": dict(N=8, C=64, H=32, W=32, F=128, K=3, S=1, D=1, P=1, thread_num=128,
                    enable_rasteration=False),
    "grouped_gemm": dict(batch_sizes_list=[64, 128, 96]),
    # The sizes the examples' own main() passes.
    "gemv": dict(BLOCK_N=32, BLOCK_K=32, reduce_threads=32),
    "deepseek_deepgemm": dict(in_dtype="float8_e4m3", out_dtype="bfloat16"),
    "gemm_sp": dict(e_dtype="int16", policy="T.GemmWarpPolicy.Square",
                    enable_rasterization=True),
    "deepseek_mhc": dict(n_stream=16, hc_mult3=24, hc_hidden_size=4 * 1024),
}


# Example programs whose kernels take other dtypes under the same names (the
# ones their own main() passes).
FILE_VALUES = {
    "example_dequant_gemm_w4a8.py": dict(in_dtype="int8", out_dtype="int32", accum_dtype="int32"),
}


def value_for(name, folder="", program=""):
    """A value for a required argument, by its name (and the example's folder
    and file)."""
    if name in FILE_VALUES.get(program, {}):
        return FILE_VALUES[program][name]
    if name in FOLDER_VALUES.get(folder, {}):
        return FOLDER_VALUES[folder][name]
    if name in VALUES:
        return VALUES[name]
    low = name.lower()
    if "dtype" in low:
        return "float32" if any(w in low for w in ("accum", "gate", "state")) else "float16"
    if low.startswith(("use_", "is_", "store_", "save_", "enable_", "trans_")):
        return False
    return 64


def kernels_of(path, folder):
    """(name, -D flags) for each kernel factory and eager kernel of `path`."""
    program = os.path.basename(path)
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except (SyntaxError, UnicodeDecodeError):
        return []
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        factory = any(isinstance(n, ast.FunctionDef) and
                      any("prim_func" in ast.unparse(d) for d in n.decorator_list)
                      for n in node.body)
        eager = not factory and any("jit" in ast.unparse(d) for d in node.decorator_list) and \
            any(isinstance(n, ast.With) and "Kernel" in ast.unparse(n.items[0].context_expr)
                for n in node.body)
        if not factory and not eager:
            continue
        tensors = {n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and
                   n.value is None and isinstance(n.target, ast.Name)}
        sizes = []
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("T.const") and n.args \
                    and isinstance(n.args[0], ast.Constant):
                sizes += [s.strip() for s in str(n.args[0].value).split(",") if s.strip()]
        args = node.args.args
        defaults = [None] * (len(args) - len(node.args.defaults)) + node.args.defaults
        flags = []
        for arg, default in zip(args, defaults):
            unset = default is None or (isinstance(default, ast.Constant) and default.value is None)
            if unset and arg.arg not in tensors:
                flags += ["-D", f"{arg.arg}={value_for(arg.arg, folder, program)}"]
        for size in sizes:
            flags += ["-D", f"{size}={value_for(size, folder, program)}"]
        found.append((node.name, flags))
    return found


def compile_one(tilec, path, name, flags, out, target="sm_90a", emit="ptx"):
    result = subprocess.run([tilec, path, "--kernel", name, "--target", target, f"--emit={emit}",
                             "-o", os.path.join(out, f"{name}.{target}.{emit}")] + flags,
                            capture_output=True, text=True, errors="replace", timeout=300)
    first = (result.stderr.strip().splitlines() or [""])[0]
    return result.returncode == 0, re.sub(r"^.*?:\d+:\d+: ", "", first)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", help="TileLang's examples folder")
    parser.add_argument("--tilec", default=os.path.join(ROOT, "build", "tools", "tilec"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-amd", dest="amd", action="store_false",
                        help="leave out the gfx942 compile")
    args = parser.parse_args()
    jobs = []
    for folder, _, names in os.walk(args.examples):
        for name in sorted(names):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, args.examples)
            if name.startswith("example_") and name.endswith(".py") and \
                    not OTHER_HARDWARE.search(relative):
                folder_name = relative.split(os.sep)[0]
                jobs += [(path, kernel, flags)
                         for kernel, flags in kernels_of(path, folder_name)]
    import tempfile
    out = tempfile.mkdtemp(prefix="tilelang-compile-")
    # sm_90a PTX assembled by ptxas (a cubin), and a gfx942 code object.
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(
            lambda job: compile_one(args.tilec, *job, out, "sm_90a", "cubin"), jobs))
        amd = list(pool.map(
            lambda job: compile_one(args.tilec, *job, out, "gfx942", "hsaco")
            if args.amd else (False, ""), jobs))
    programs = {path for path, _, _ in jobs}
    for (path, kernel, _), (ok, message), (amd_ok, amd_message) in sorted(
            zip(jobs, results, amd)):
        where = f"{os.path.relpath(path, args.examples)}:{kernel}"
        if not ok:
            print(f"FAIL {where}  {message[:160]}")
        elif args.amd and not amd_ok:
            print(f"ok   {where}  (gfx942: {amd_message[:140]})")
        else:
            print(f"ok   {where}")
    print(f"tilelang kernels: {sum(ok for ok, _ in results)} of {len(jobs)} (in {len(programs)} "
          f"example programs) compile to sm_90a PTX that ptxas accepts")
    if args.amd:
        print(f"tilelang kernels: {sum(ok for ok, _ in amd)} of {len(jobs)} compile to gfx942 "
              f"code objects")


if __name__ == "__main__":
    main()
