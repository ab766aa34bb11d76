"""Compiling through the tilec tool, and the disk cache of GPU code."""

import hashlib
import os
import shutil
import tempfile

from ._cpu import CPUKernel
from ._cuda import CUDAKernel
from ._tool import CompileError, _run_tool, cache_folder, tool_version

__all__ = ["CompileError", "compile", "load", "tool_version"]


def _flags(kernel, defines, fast_math, disable, enable, includes):
    flags = ["--kernel", kernel] if kernel else []
    for name, value in sorted((defines or {}).items()):
        if isinstance(value, bool):
            value = "True" if value else "False"
        flags += ["-D", f"{name}={value}"]
    for folder in includes:
        flags += ["-I", os.path.abspath(folder)]
    if fast_math:
        flags.append("--fast-math")
    if disable:
        flags.append("--disable=" + ",".join(disable))
    if enable:
        flags.append("--enable=" + ",".join(enable))
    return flags


def _sources(path, flags):
    """The files the kernel is built from: `path` and what it imports, as
    tilec reads them (the cache key covers exactly these)."""
    frontend = [f for f in flags if not f.startswith(("--disable=", "--enable="))]
    listed = _run_tool([path, "--emit=dependencies"] + frontend).split("\n")
    return sorted({os.path.abspath(path)} | {line for line in listed if line})


def _source_file(source):
    """A file holding `source`, named by its hash in the cache folder (so
    that kernels compiled from it can be run and compiled again)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    folder = cache_folder("sources")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, digest + ".tl")
    if not os.path.isfile(path):
        fd, staging = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(staging, path)  # whole or not at all
    return path


def compile(path=None, kernel=None, *, source=None, target="sm_90a", defines=None,
            fast_math=False, disable=(), enable=(), includes=()):
    """Compiles kernel `kernel` of the .tl file `path` (or of the text
    `source`; the only kernel when None) for `target`: "cpu" (run by the
    interpreter on NumPy arrays) or an NVIDIA chip ("sm_90a", "sm_80", ...:
    PyTorch CUDA tensors). `defines` overrides compile-time parameters
    (tilec -D); `disable`/`enable` name code-generation features (tilec
    --disable/--enable). The kernel is called with its arguments by
    position or parameter name."""
    if (path is None) == (source is None):
        raise TypeError("compile takes a path or source=, one of them")
    if source is not None:
        path = _source_file(source)
    flags = _flags(kernel, defines, fast_math, tuple(disable), tuple(enable), tuple(includes))
    if target == "cpu":
        if disable or enable:
            raise ValueError("disable/enable apply to GPU targets")
        # Checked now, so that errors surface at compile() as on the GPU.
        metadata = _run_tool([path, "--emit=metadata"] + flags)
        return CPUKernel(path, flags, metadata)
    return CUDAKernel(*_compile_gpu(path, target, flags, includes))


def load(binary, metadata=None):
    """A kernel tilec compiled ahead of time: its PTX or cubin and the
    launch metadata beside it (x.ptx and x.json, as `tilec -o x.ptx` writes
    them)."""
    if metadata is None:
        metadata = os.path.splitext(binary)[0] + ".json"
    return CUDAKernel(binary, metadata, False)


def _compile_gpu(path, target, flags, includes):
    """PTX and launch metadata for `path`, from the cache or tilec."""
    key = hashlib.sha256()
    key.update("\n".join([tool_version(), target] + flags).encode())
    for source in _sources(path, flags):
        key.update(source.encode())
        with open(source, "rb") as f:
            key.update(f.read())
    entry = cache_folder("python", key.hexdigest())
    ptx, meta = os.path.join(entry, "kernel.ptx"), os.path.join(entry, "kernel.json")
    if os.path.isfile(ptx) and os.path.isfile(meta):
        return ptx, meta, True
    os.makedirs(os.path.dirname(entry), exist_ok=True)
    # Written whole in a folder of its own, then renamed into place: a
    # reader never sees half an entry, and two writers race harmlessly.
    staging = tempfile.mkdtemp(prefix=".tmp-", dir=os.path.dirname(entry))
    try:
        _run_tool([path, "--emit=ptx", "--target", target, "-o",
                   os.path.join(staging, "kernel.ptx")] + flags)
        try:
            os.rename(staging, entry)
        except OSError:
            if not os.path.isfile(meta):  # not another writer's entry
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ptx, meta, False
