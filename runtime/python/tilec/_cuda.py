"""NVIDIA GPUs from Python: PyTorch tensors through runtime/cuda's C API."""

import ctypes
import json
import os

from ._arguments import TORCH, checked_arguments
from ._tool import _REPO

_LIBRARY = None


def _library():
    """libtilec_cuda: $TILEC_CUDA_LIB, else this checkout's GPU build."""
    global _LIBRARY
    if _LIBRARY is None:
        path = os.environ.get("TILEC_CUDA_LIB") or os.path.join(
            _REPO, "build", "gpu", "runtime", "libtilec_cuda.so")
        lib = ctypes.CDLL(path)
        lib.tilec_cuda_load.restype = ctypes.c_void_p
        lib.tilec_cuda_load.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                        ctypes.c_size_t]
        lib.tilec_cuda_bind.restype = ctypes.c_void_p
        lib.tilec_cuda_bind.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                        ctypes.c_size_t]
        lib.tilec_cuda_launch.restype = ctypes.c_int
        lib.tilec_cuda_launch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                          ctypes.c_char_p, ctypes.c_size_t]
        lib.tilec_cuda_free_plan.argtypes = [ctypes.c_void_p]
        _LIBRARY = lib
    return _LIBRARY


def _dtype_name(dtype):
    import torch
    taken = ("float16", "bfloat16", "float32", "float64", "int8", "int32", "int64", "uint8",
             "float8_e4m3", "float8_e5m2")
    names = {getattr(torch, TORCH[name]): name for name in taken if hasattr(torch, TORCH[name])}
    if dtype not in names:
        raise TypeError(f"tilec kernels take no {dtype} tensors")
    return names[dtype]


class CUDAKernel:
    """A compiled GPU kernel. Calling it checks the arguments against the
    kernel's parameters (dtypes, constant and shared dimensions) and launches
    it on PyTorch's current stream; `bind` checks once for repeated launches."""

    # Bound launches kept for calls with the same arguments (the caching
    # allocators of PyTorch hand the same addresses out again).
    _PLANS_KEPT = 64

    def __init__(self, ptx, metadata, from_cache):
        self.ptx, self.metadata_path, self.from_cache = ptx, metadata, from_cache
        with open(metadata) as f:
            self.metadata = json.load(f)
        self._handle = None
        self._plans = {}

    def _load(self):
        if self._handle is None:
            error = ctypes.create_string_buffer(4096)
            handle = _library().tilec_cuda_load(self.ptx.encode(), self.metadata_path.encode(),
                                                error, len(error))
            if not handle:
                raise RuntimeError(error.value.decode(errors="replace"))
            self._handle = handle
        return self._handle

    def bind(self, *args, **kwargs):
        """A function that launches the kernel on these arguments (by
        position or parameter name)."""
        import torch
        args = checked_arguments(self.metadata, args, kwargs, torch.Tensor, "a CUDA tensor",
                                 lambda p: TORCH.get(p["dtype"], p["dtype"]))
        spec = []
        for value in args:
            if isinstance(value, torch.Tensor):
                if not value.is_cuda:
                    raise TypeError("tilec GPU kernels take CUDA tensors")
                spec.append({"ptr": value.data_ptr(), "dtype": _dtype_name(value.dtype),
                             "shape": list(value.shape), "strides": list(value.stride())})
            elif isinstance(value, float):
                spec.append({"float": value})
            else:
                spec.append({"int": int(value)})
        handle, lib = self._load(), _library()
        error = ctypes.create_string_buffer(4096)
        plan = lib.tilec_cuda_bind(handle, json.dumps(spec).encode(), error, len(error))
        if not plan:
            raise RuntimeError(error.value.decode(errors="replace"))
        plan = ctypes.c_void_p(plan)

        def launch():
            message = ctypes.create_string_buffer(4096)
            stream = torch.cuda.current_stream().cuda_stream
            if lib.tilec_cuda_launch(handle, plan, ctypes.c_void_p(stream), message, len(message)):
                raise RuntimeError(message.value.decode(errors="replace"))
        launch.arguments = args  # the tensors live as long as the launcher
        # The launch copies the plan's parameters: freeing it once the last
        # launch is enqueued is safe.
        launch.free = lambda: lib.tilec_cuda_free_plan(plan)
        return launch

    @staticmethod
    def _key(args):
        """What a bound launch depends on: each tensor's address, shape,
        strides, dtype and device, each scalar's value (None: an argument
        the fast path does not take)."""
        key = []
        for value in args:
            data_ptr = getattr(value, "data_ptr", None)
            if data_ptr is not None:
                key.append((data_ptr(), value.shape, value.stride(), value.dtype, value.device))
            elif isinstance(value, (int, float)):
                key.append((type(value), value))
            else:
                return None
        return tuple(key)

    def __call__(self, *args, **kwargs):
        # A call with the arguments of an earlier one reuses its checked,
        # bound launch: the checks and the launch plan are what a call costs.
        key = self._key(args) if not kwargs else None
        launch = self._plans.get(key) if key is not None else None
        if launch is not None:
            launch()
            return
        launch = self.bind(*args, **kwargs)
        if key is None:
            try:
                launch()
            finally:
                launch.free()
            return
        if len(self._plans) >= self._PLANS_KEPT:  # the oldest goes
            self._plans.pop(next(iter(self._plans))).free()
        # The key holds the addresses, not the tensors: a kept launch runs
        # only for tensors at those addresses with those shapes, so it keeps
        # nothing alive.
        launch.arguments = None
        self._plans[key] = launch
        launch()

    def __del__(self):
        for launch in getattr(self, "_plans", {}).values():
            launch.free()
