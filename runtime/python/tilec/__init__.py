"""tilec from Python: compile tile programs (.tl files) and run them.

    import tilec
    add = tilec.compile("kernels/elementwise.tl", kernel="vector_add", target="cpu")
    add(a, b, c)                 # NumPy arrays: the CPU target runs it, checked
    gemm = tilec.compile("kernels/gemm.tl", defines={"block_N": 128})  # sm_90a
    gemm(a, b, c)                # PyTorch CUDA tensors, on torch's current stream
    launch = gemm.bind(a, b, c)  # checked once; launch() again and again
    kernel = tilec.load("gemm.ptx")   # compiled ahead of time (tilec -o gemm.ptx)

Compilation runs the `tilec` tool (found as $TILEC, on PATH, or in this
checkout's build/tools); GPU code is cached on disk by everything it was
built from ($TILEC_CACHE_DIR, else ~/.cache/tilec/python). GPU launches go
through the CUDA runtime library of runtime/cuda ($TILEC_CUDA_LIB, else
build/gpu/runtime/libtilec_cuda.so as tests/gpu/run.sh builds it).
"""

from ._compile import CompileError, compile, load, tool_version
from ._cpu import RunError

__all__ = ["compile", "load", "CompileError", "RunError", "tool_version"]
