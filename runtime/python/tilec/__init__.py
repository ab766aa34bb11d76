"""tilec from Python: compile tile programs (.tl files) and run them.

    import tilec
    add = tilec.compile("kernels/elementwise.tl", kernel="vector_add", target="cpu")
    add(a, b, c)                 # NumPy arrays: the CPU target runs it, checked
    gemm = tilec.compile("kernels/gemm.tl", defines={"block_N": 128})  # sm_90a
    gemm(a, b, c)                # PyTorch CUDA tensors, on torch's current stream
    launch = gemm.bind(a, b, c)  # checked once; launch() again and again
    kernel = tilec.load("gemm.ptx")   # compiled ahead of time (tilec -o gemm.ptx)

Autotuning compile-time parameters (tilec/_autotune.py; `tilec tune` on
the command line), and timing with CUDA events and a flushed L2:

    best = tilec.autotune("kernels/gemm.tl", "gemm", args=(a, b, c),
                          space={"block_M": [64, 128], "num_stages": [2, 3, 4]})
    best.kernel(a, b, c); print(best.table())
    ms = tilec.bench(lambda: best.kernel(a, b, c))

TileLang's Python form, a kernel factory (see tilec/_jit.py):

    import tilec.language as T
    @tilec.jit(out_idx=[-1])
    def matmul(M, N, K, block_M=128, dtype="float16"):
        @T.prim_func
        def main(A: T.Tensor((M, K), dtype), ...): ...
        return main
    c = matmul(1024, 1024, 512)(a, b)

Compilation runs the `tilec` tool (found as $TILEC, on PATH, or in this
checkout's build/tools); GPU code is cached on disk by everything it was
built from: the tool's version, the flags and the files the kernel reads
(`tilec --emit=dependencies`) ($TILEC_CACHE_DIR, else ~/.cache/tilec/python). GPU launches go
through the CUDA runtime library of runtime/cuda ($TILEC_CUDA_LIB, else the
one pip installed in the package, else build/gpu/runtime/libtilec_cuda.so as
tests/gpu/run.sh builds it). Calls run in C (tilec._launcher, built beside
that library or installed with the package): a call with the addresses,
shapes and dtypes of an earlier one launches its bound plan without Python
code; TILEC_PYTHON_CALLS=1 takes the Python path instead.
"""

from . import language
from ._autotune import TuneResult, autotune
from ._bench import bench
from ._compile import CompileError, compile, load, tool_version
from ._cpu import RunError
from ._jit import jit

__all__ = ["compile", "load", "jit", "language", "autotune", "bench", "TuneResult",
           "CompileError", "RunError", "tool_version"]
