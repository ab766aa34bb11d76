"""NVIDIA GPUs from Python: PyTorch tensors through runtime/cuda's C API."""

import ctypes
import importlib.machinery
import importlib.util
import json
import os

from ._arguments import TORCH, bind as order_arguments, checked_arguments
from ._tool import _PACKAGE, _REPO

_LIBRARY = None
_LAUNCHER = None  # the tilec._launcher module; False: not available


def _library_path():
    """libtilec_cuda: $TILEC_CUDA_LIB, else the package's own (pip), else
    this checkout's GPU build."""
    bundled = os.path.join(_PACKAGE, "libtilec_cuda.so")
    return os.environ.get("TILEC_CUDA_LIB") or (
        bundled if os.path.exists(bundled) else
        os.path.join(_REPO, "build", "gpu", "runtime", "libtilec_cuda.so"))


def _library():
    global _LIBRARY
    if _LIBRARY is None:
        lib = ctypes.CDLL(_library_path())
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


def _launcher_module():
    """tilec._launcher (calls in C): installed in the package (pip), else
    built beside the runtime library; None where it is not, or with
    TILEC_PYTHON_CALLS=1 (calls then take the Python path)."""
    global _LAUNCHER
    if _LAUNCHER is None:
        _LAUNCHER = False
        if os.environ.get("TILEC_PYTHON_CALLS") != "1":
            try:
                from . import _launcher as module
            except ImportError:
                module = None
                folder = os.path.dirname(_library_path())
                for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                    path = os.path.join(folder, "_launcher" + suffix)
                    if os.path.exists(path):
                        spec = importlib.util.spec_from_file_location("tilec._launcher", path)
                        module = importlib.util.module_from_spec(spec)
                        spec.loader.exec_module(module)
                        break
            _LAUNCHER = module or False
    return _LAUNCHER or None


def _function_address(function):
    """The C address of a ctypes function (what the C launcher calls)."""
    return ctypes.cast(function, ctypes.c_void_p).value


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
        self._plans = {}  # kept launches of the Python path
        self._launcher = None  # the C launcher (False: none)

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

    def _bind_plan(self, args, kwargs):
        """Checks the arguments (by position or parameter name) and binds a
        launch plan: (arguments in parameter order, device, kernel handle,
        plan address)."""
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
        handle = self._load(device)
        error = ctypes.create_string_buffer(4096)
        plan = _library().tilec_cuda_bind(handle, json.dumps(spec).encode(), error, len(error))
        if not plan:
            raise RuntimeError(error.value.decode(errors="replace"))
        return args, device, handle, plan

    @staticmethod
    def _queries():
        """(current device, current raw stream of a device): PyTorch's
        fast queries where it has them (what Triton's launcher uses)."""
        import torch
        fast = getattr(torch, "_C", None)
        current_device = getattr(fast, "_cuda_getDevice", None) or torch.cuda.current_device
        raw_stream = getattr(fast, "_cuda_getCurrentRawStream", None) or \
            (lambda device: torch.cuda.current_stream(device).cuda_stream)
        return current_device, raw_stream

    @staticmethod
    def _launch_on(device, handle, plan):
        """Launches `plan` with `device` made current (its context), on its
        current stream."""
        import torch
        _, raw_stream = CUDAKernel._queries()
        message = ctypes.create_string_buffer(4096)
        with torch.cuda.device(device):
            if _library().tilec_cuda_launch(handle, plan, raw_stream(device), message,
                                            len(message)):
                raise RuntimeError(message.value.decode(errors="replace"))

    def _c_arguments(self):
        """What the C launcher's objects take after their own arguments."""
        lib = _library()
        return (_function_address(lib.tilec_cuda_launch),
                _function_address(lib.tilec_cuda_free_plan), *self._queries(), self._launch_on)

    def bind(self, *args, **kwargs):
        """A function that launches the kernel on these arguments (by
        position or parameter name)."""
        args, device, handle, plan = self._bind_plan(args, kwargs)
        launcher = _launcher_module()
        if launcher is not None:
            # Keeps the arguments alive; frees the plan when it goes.
            return launcher.BoundLaunch(handle, plan, device, tuple(args),
                                        *self._c_arguments())
        return self._python_launch(args, device, handle, plan)

    def _python_launch(self, args, device, handle, plan):
        """bind()'s launch without the C launcher."""
        lib = _library()
        plan = ctypes.c_void_p(plan)
        current_device, raw_stream = self._queries()
        launch_plan = lib.tilec_cuda_launch
        message = ctypes.create_string_buffer(4096)

        def launch():
            if current_device() != device:
                self._launch_on(device, handle, plan)
                return
            if launch_plan(handle, plan, ctypes.c_void_p(raw_stream(device)), message,
                           len(message)):
                raise RuntimeError(message.value.decode(errors="replace"))
        launch.arguments = args  # the tensors live as long as the launcher
        # The launch copies the plan's parameters: freeing it once the last
        # launch is enqueued is safe.
        launch.free = lambda: lib.tilec_cuda_free_plan(plan)
        return launch

    def _bind_kept(self, *ordered):
        """The C launcher's first call with these arguments: (kernel
        handle, plan, device) of a plan it keeps."""
        _, device, handle, plan = self._bind_plan(ordered, {})
        return handle, plan, device

    def _launch_once(self, *args, **kwargs):
        """A call whose arguments are not kept: bound, launched, freed."""
        launch = self._python_launch(*self._bind_plan(args, kwargs))
        try:
            launch()
        finally:
            launch.free()

    def __call__(self, *args, **kwargs):
        # A call with the arguments of an earlier one reuses its checked,
        # bound launch: the checks and the launch plan are what a call costs.
        # The C launcher does this without Python's per-call costs.
        if self._launcher is None:
            launcher = _launcher_module()
            if launcher is not None:
                import torch
                names = tuple(p["name"] for p in self.metadata["params"])
                self._launcher = launcher.KernelLauncher(
                    torch.Tensor, names,
                    self._bind_kept, self._launch_once, *self._c_arguments(), capacity=self._PLANS_KEPT)
            else:
                self._launcher = False
        if self._launcher:
            return self._launcher(*args, **kwargs)
        self._python_call(args, kwargs)

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

    def _python_call(self, args, kwargs):
        """__call__ without the C launcher: the same kept launches, in Python."""
        args = order_arguments(self.metadata["params"], args, kwargs,
                               f"kernel '{self.metadata.get('kernel', '?')}'")
        key = self._key(args)
        launch = self._plans.get(key) if key is not None else None
        if launch is not None:
            launch()
            return
        if key is None:
            self._launch_once(*args)
            return
        launch = self._python_launch(*self._bind_plan(args, {}))
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
            if self._launcher:
                self._launcher.clear()
            for launch in self._plans.values():
                launch.free()
        except Exception:  # noqa: BLE001 - at interpreter exit the library may be gone
            pass
