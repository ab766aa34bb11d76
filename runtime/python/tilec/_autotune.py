"""Choosing a kernel's compile-time parameters by measurement:
`tilec.autotune`, and `tilec tune` on the command line (tilec/tune.py).

    result = tilec.autotune("kernels/gemm.tl", "gemm",
                            space={"block_M": [64, 128], "block_N": [128, 256],
                                   "num_stages": [2, 3, 4]},
                            args=(a, b, c))                # or dims={"M": 4096, ...}
    result.kernel(a, b, c)        # the fastest configuration, compiled
    print(result.table())         # every candidate: time, or why it was dropped

Candidates compile in parallel (one tilec process per core); the first that
compiles and runs is the reference, and every other one must reproduce its
outputs before it is timed; the choice is kept on disk per kernel source,
fixed defines, search space, argument shapes and dtypes, device and
compiler version, so the same call later compiles only the winner.
"""

import concurrent.futures
import hashlib
import itertools
import json
import os
import sys
import tempfile

from ._bench import bench
from ._compile import _flags, _sources, compile
from ._tool import CompileError, cache_folder, tool_version

__all__ = ["autotune", "TuneResult"]


class TuneResult:
    """What autotune chose: `kernel` (compiled with `config`), its time in
    ms, and a row per candidate (config, ms or None, the reason when
    dropped); `from_cache` when an earlier run's choice was reused."""

    def __init__(self, kernel, config, ms, rows, from_cache):
        self.kernel, self.config, self.ms, self.rows, self.from_cache = (
            kernel, config, ms, rows, from_cache)

    def table(self):
        """The candidates as a text table, fastest first, dropped ones last."""
        names = sorted({name for config, _, _ in self.rows for name in config})
        header = names + ["ms", "vs best"]
        lines = []
        timed = sorted((row for row in self.rows if row[1] is not None), key=lambda r: r[1])
        for config, ms, _ in timed:
            lines.append([str(config.get(n, "")) for n in names] +
                         [f"{ms:.4f}", f"x{ms / self.ms:.2f}" if self.ms else ""])
        for config, ms, reason in self.rows:
            if ms is None:
                lines.append([str(config.get(n, "")) for n in names] + ["-", reason])
        widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
                  for i, h in enumerate(header)]
        out = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
        out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in lines]
        chosen = ", ".join(f"{k}={v}" for k, v in sorted(self.config.items()))
        out.append(f"best: {chosen} ({self.ms:.4f} ms)" +
                   (" (from the tuning cache)" if self.from_cache else ""))
        return "\n".join(out)


def _configs(configs, space):
    if (configs is None) == (space is None):
        raise TypeError("autotune takes configs=[{...}, ...] or space={name: [values]}, one "
                        "of them")
    if space is not None:
        names = list(space)
        configs = [dict(zip(names, values)) for values in itertools.product(*space.values())]
    configs = [dict(config) for config in configs]
    if not configs:
        raise ValueError("autotune: no configuration to try")
    return configs


def _array_library(target):
    if target == "cpu":
        import numpy
        return numpy
    import torch
    return torch


def _random_inputs(metadata, dims, target, seed=0):
    """Arguments for a kernel from its launch ABI: tensors of random values
    with symbolic extents from `dims`, scalars from `dims` too."""
    from ._arguments import TORCH, concrete_shape, numpy_dtype
    dims = dict(dims or {})
    lib = _array_library(target)
    args = []
    for index, param in enumerate(metadata["params"]):
        name = param["name"]
        if param["kind"] != "tensor":
            if name not in dims:
                raise ValueError(f"autotune: give the scalar '{name}' in dims=")
            args.append(dims[name])
            continue
        def missing(extent):
            raise ValueError(f"autotune: give the size '{extent}' of '{name}' in dims= (or "
                             "pass args=)")
        shape = concrete_shape(param, dims, missing)
        floating = param["dtype"].startswith(("float", "bfloat"))
        if target == "cpu":
            rng = lib.random.default_rng(seed + index)
            dtype = numpy_dtype(param)
            value = (rng.standard_normal(shape) if floating
                     else rng.integers(-2, 3, size=shape)).astype(dtype)
        else:
            generator = lib.Generator(device="cuda").manual_seed(seed + index)
            dtype = getattr(lib, TORCH[param["dtype"]])
            value = (lib.randn(shape, generator=generator, device="cuda").to(dtype) if floating
                     else lib.randint(-2, 3, shape, generator=generator, device="cuda",
                                      dtype=dtype))
        args.append(value)
    return args


def _copy(args):
    return [a.copy() if hasattr(a, "copy") and hasattr(a, "dtype") else
            a.clone() if hasattr(a, "clone") else a for a in args]


def _agrees(outputs, reference, rtol, atol):
    """Whether every tensor argument after a run matches the reference's
    (NaN where the reference has NaN), as max |x - ref| <= atol + rtol *
    max |ref|."""
    for got, want in zip(outputs, reference):
        if not hasattr(want, "dtype") or not hasattr(want, "shape"):
            continue
        if hasattr(want, "double"):  # torch
            got, want = got.double(), want.double()
            nan = want.isnan()
            if not bool((got.isnan() == nan).all()):
                return False
            got, want = got[~nan], want[~nan]
            if want.numel() == 0:
                continue
            scale = float(want.abs().max())
            if float((got - want).abs().max()) > atol + rtol * scale:
                return False
        else:
            import numpy as np
            got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
            nan = np.isnan(want)
            if not np.array_equal(np.isnan(got), nan):
                return False
            if (~nan).sum() == 0:
                continue
            scale = float(np.abs(want[~nan]).max())
            if float(np.abs(got[~nan] - want[~nan]).max()) > atol + rtol * scale:
                return False
    return True


def _cache_path(key):
    folder = cache_folder("autotune")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, key + ".json")


def _device_name(target):
    if target == "cpu":
        return "cpu"
    import torch
    return f"{torch.cuda.get_device_name()} {target}"


def _cache_key(path, kernel, defines, configs, args, target):
    """Everything the choice depends on: the kernel's sources, the fixed
    defines, the candidates, the arguments' shapes and dtypes (and scalar
    values), the device and the compiler."""
    digest = hashlib.sha256()
    flags = _flags(kernel, defines, False, (), (), ())
    for source in _sources(path, flags):
        digest.update(source.encode())
        with open(source, "rb") as f:
            digest.update(f.read())
    described = [[list(a.shape), str(a.dtype)] if hasattr(a, "shape") else repr(a)
                 for a in args]
    digest.update(json.dumps([kernel, sorted((defines or {}).items()), configs, described,
                              _device_name(target), tool_version()], sort_keys=True,
                             default=str).encode())
    return digest.hexdigest()[:32]


def _first_line(error):
    """The first line of an error's message (tilec's diagnostics are long)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class _Progress:
    """One line on stderr, rewritten: `tilec autotune <kernel>: <stage> n/total`;
    or, with mode "lines", a line for each candidate before it runs (a log
    shows which one a hang or a crash came from)."""

    def __init__(self, name, mode):
        self.name, self.enabled, self.lines = name, bool(mode), mode == "lines"

    def running(self, config):
        if self.lines:
            sys.stderr.write(f"tilec autotune {self.name}: running {config}\n")
            sys.stderr.flush()

    def show(self, stage, done, total):
        if not self.enabled or self.lines:
            return
        width = 24
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rtilec autotune {self.name}: {stage} [{'#' * filled}"
                         f"{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def autotune(path=None, kernel=None, *, source=None, configs=None, space=None, args=None,
             dims=None, defines=None, target="sm_90a", warmup=25, rep=100, jobs=None,
             check=True, rtol=1e-2, atol=1e-3, cache=True, progress=None):
    """Compiles kernel `kernel` of `path` (or `source`) once per candidate
    value set of its compile-time parameters — `configs` (a list of dicts) or
    `space` ({name: [values]}, every combination) on top of `defines` — and
    returns the fastest as a TuneResult.

    The kernel runs on `args` (arrays or tensors, or random ones the kernel's
    signature describes, with symbolic sizes and scalars from `dims`); every
    candidate must leave every tensor argument as the first working
    candidate does (within rtol/atol) to be timed with tilec.bench (warmup,
    rep, median). `jobs` compiles in parallel (default: all cores); `cache`
    keeps the choice on disk ($TILEC_CACHE_DIR/autotune). `progress`: a bar
    on stderr (True; the default where stderr is a terminal), "lines" (one
    line per candidate as it starts to run), or False."""
    from ._compile import _source_file
    if (path is None) == (source is None):
        raise TypeError("autotune takes a path or source=, one of them")
    if source is not None:
        path = _source_file(source)
    candidates = _configs(configs, space)
    defines = dict(defines or {})
    name = kernel or os.path.splitext(os.path.basename(path))[0]
    if progress is None:
        progress = sys.stderr.isatty()
    bar = _Progress(name, progress)

    def build(config):
        return compile(path, kernel, target=target, defines={**defines, **config})

    # The arguments: given, or made from the first candidate that compiles
    # (kept: the parallel step does not compile it again).
    kernels, rows = {}, {}
    if args is None:
        for i, config in enumerate(candidates):
            try:
                kernels[i] = build(config)
                break
            except CompileError as error:
                rows[i] = (config, None, "does not compile: " + _first_line(error))
        if not kernels:
            raise CompileError(f"{name}: no configuration compiles")
        args = _random_inputs(next(iter(kernels.values())).metadata, dims, target)
    args = list(args)

    key = _cache_key(path, kernel, defines, candidates, args, target) if cache else None
    if key and os.path.isfile(_cache_path(key)):
        with open(_cache_path(key)) as f:
            stored = json.load(f)
        rows = [(row["config"], row["ms"], row["reason"]) for row in stored["rows"]]
        return TuneResult(build(stored["config"]), stored["config"], stored["ms"], rows, True)

    # Compile every candidate, in parallel (each is a tilec process).
    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        futures = {pool.submit(build, config): i for i, config in enumerate(candidates)
                   if i not in kernels and i not in rows}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            i = futures[future]
            try:
                kernels[i] = future.result()
            except CompileError as error:
                rows[i] = (candidates[i], None, "does not compile: " + _first_line(error))
            bar.show("compiled", done, len(futures))

    # Run, check against the reference, time.
    device = "cpu" if target == "cpu" else "cuda"
    reference = None

    def measure(i):
        """(ms, "") for candidate i, or (None, why it was dropped)."""
        nonlocal reference
        run_args = _copy(args)
        try:
            kernels[i](*run_args)
        except Exception as error:  # noqa: BLE001 - a candidate that cannot run is dropped
            return None, "does not run: " + _first_line(error)
        if reference is None:
            reference = run_args
        elif check and not _agrees(run_args, reference, rtol, atol):
            return None, "wrong result (differs from the first candidate)"
        timed_args = _copy(args)
        return bench(lambda: kernels[i](*timed_args), warmup=warmup, rep=rep,
                     device=device), ""

    for done, i in enumerate(sorted(kernels), 1):
        bar.running(candidates[i])
        rows[i] = (candidates[i], *measure(i))
        bar.show("timed", done, len(kernels))
    ordered = [rows[i] for i in range(len(candidates))]
    timed = [i for i in range(len(candidates)) if rows[i][1] is not None]
    if not timed:
        reasons = "; ".join(f"{row[0]}: {row[2]}" for row in ordered)
        raise RuntimeError(f"{name}: no configuration compiled and ran ({reasons})")
    best = min(timed, key=lambda i: rows[i][1])
    result = TuneResult(kernels[best], candidates[best], rows[best][1], ordered, False)
    if key:
        stored = {"config": candidates[best], "ms": rows[best][1],
                  "rows": [{"config": c, "ms": ms, "reason": reason}
                           for c, ms, reason in ordered]}
        fd, staging = tempfile.mkstemp(dir=os.path.dirname(_cache_path(key)), suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(stored, f)
        os.replace(staging, _cache_path(key))  # whole or not at all
    return result
