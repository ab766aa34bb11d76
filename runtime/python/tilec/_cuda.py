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
    taken = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
             "uint8", "bool", "float8_e4m3", "float8_e5m2")
    names = {getattr(torch, TORCH[name]): name for name in taken if hasattr(torch, TORCH[name])}
    if dtype not in names:
        raise TypeError(f"tilec kernels take no {dtype} tensors")
    return names[dtype]


class CUDAKernel:
    """A compiled GPU kernel. Calling it checks the arguments against the
    kernel's parameters (dtypes, constant and shared dimensions) and launches
    it on its tensors' device, on PyTorch's current stream of that device;
    `bind` checks once for repeated launches."""

    # Bound launches kept for calls with the same arguments (the caching
    # allocators of PyTorch hand the same addresses out again).
    _PLANS_KEPT = 64

    def __init__(self, ptx, metadata, from_cache):
        self.ptx, self.metadata_path, self.from_cache = ptx, metadata, from_cache
        with open(metadata) as f:
            self.metadata = json.load(f)
        self._handles = {}  # per device: the module is loaded in its context
        self._plans = {}

    def _load(self, device):
        """The kernel loaded on CUDA device `device` (an index)."""
        if device not in self._handles:
            import torch
            error = ctypes.create_string_buffer(4096)
            with torch.cuda.device(device):  # that device's context is current
                torch.cuda.current_stream(device)  # (created, if it was not yet)
                handle = _library().tilec_cuda_load(self.ptx.encode(),
                                                    self.metadata_path.encode(), error,
                                                    len(error))
            if not handle:
                raise RuntimeError(error.value.decode(errors="replace"))
            self._handles[device] = handle
        return self._handles[device]

    def bind(self, *args, **kwargs):
        """A function that launches the kernel on these arguments (by
        position or parameter name)."""
        import torch
        args = checked_arguments(self.metadata, args, kwargs, torch.Tensor, "a CUDA tensor",
                                 lambda p: TORCH.get(p["dtype"], p["dtype"]))
        spec, devices = [], set()
        for value in args:
            if isinstance(value, torch.Tensor):
                if not value.is_cuda:
                    raise TypeError("tilec GPU kernels take CUDA tensors")
                devices.add(value.device.index)
                spec.append({"ptr": value.data_ptr(), "dtype": _dtype_name(value.dtype),
                             "shape": list(value.shape), "strides": list(value.stride())})
            elif isinstance(value, float):
                spec.append({"float": value})
            else:
                spec.append({"int": int(value)})
        if len(devices) > 1:
            raise ValueError(f"tilec kernels take tensors of one device, got cuda:"
                             f"{', cuda:'.join(str(d) for d in sorted(devices))}")
        # The kernel runs on its tensors' device, on that device's current
        # stream (PyTorch's).
        device = devices.pop() if devices else torch.cuda.current_device()
        handle, lib = self._load(device), _library()
        error = ctypes.create_string_buffer(4096)
        plan = lib.tilec_cuda_bind(handle, json.dumps(spec).encode(), error, len(error))
        if not plan:
            raise RuntimeError(error.value.decode(errors="replace"))
        plan = ctypes.c_void_p(plan)

        # The launch path runs on every call: PyTorch's raw-stream and
        # device queries where it has them (what Triton's launcher uses),
        # the launch function and the message buffer looked up once.
        fast = getattr(torch, "_C", None)
        raw_stream = getattr(fast, "_cuda_getCurrentRawStream", None)
        current_device = getattr(fast, "_cuda_getDevice", None) or torch.cuda.current_device
        launch_plan = lib.tilec_cuda_launch
        message = ctypes.create_string_buffer(4096)

        def enqueue():
            stream = raw_stream(device) if raw_stream else \
                torch.cuda.current_stream(device).cuda_stream
            if launch_plan(handle, plan, ctypes.c_void_p(stream), message, len(message)):
                raise RuntimeError(message.value.decode(errors="replace"))

        def launch():
            if current_device() == device:
                enqueue()
                return
            with torch.cuda.device(device):  # its context current for the launch
                enqueue()
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
        key = self._key(list(args) + list(kwargs.values()))
        if key is not None:
            key = (key, tuple(kwargs))  # the same names, in the same order
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
        try:
            for launch in self._plans.values():
                launch.free()
        except Exception:  # noqa: BLE001 - at interpreter exit the library may be gone
            pass
