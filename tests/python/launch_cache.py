"""The CUDA launch path of the Python binding (python/tilec/_cuda.py)
without a GPU: a stand-in for PyTorch's CUDA tensors and for the runtime
library (its launch and free functions as C callbacks) records what the
binding asks for. A call with the arguments of an earlier one reuses its
bound launch (by position or by name), other addresses or shapes bind
again, the oldest kept launch is freed, a kernel runs on its tensors'
device (loaded there once, launched on that device's stream, that device
made current for the launch), tensors of two devices are refused, a failed
launch raises with the runtime's message, bound launches keep their
arguments. Prints "ok" when every check holds.

    launch_cache.py python          the Python call path
    launch_cache.py c FOLDER        the C launcher (tilec._launcher) built in
                                    FOLDER, beside the runtime library"""

import ctypes
import json
import os
import sys
import tempfile
import types

mode = sys.argv[1]
if mode == "python":
    os.environ["TILEC_PYTHON_CALLS"] = "1"
else:
    os.environ.pop("TILEC_PYTHON_CALLS", None)
    os.environ["TILEC_CUDA_LIB"] = os.path.join(sys.argv[2], "libtilec_cuda.so")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime",
                                "python"))

calls = []


class Device:
    def __init__(self, index):
        self.index = index

    def __eq__(self, other):
        return isinstance(other, Device) and other.index == self.index

    def __hash__(self):
        return hash(self.index)


class Tensor:
    """What the binding reads of a CUDA tensor."""

    def __init__(self, address, shape, device=0, dtype="float32"):
        self.address, self.shape, self.dtype = address, tuple(shape), dtype
        self.device, self.is_cuda = Device(device), True

    def data_ptr(self):
        return self.address

    def get_device(self):
        return self.device.index

    def stride(self):
        strides, step = [], 1
        for extent in reversed(self.shape):
            strides.append(step)
            step *= extent
        return tuple(reversed(strides))


class Stream:
    def __init__(self, device):
        self.cuda_stream = 1000 + device


current = {"device": 0}


class DeviceGuard:
    def __init__(self, device):
        self.device, self.saved = device, None

    def __enter__(self):
        self.saved, current["device"] = current["device"], self.device

    def __exit__(self, *exc):
        current["device"] = self.saved


torch = types.ModuleType("torch")
torch.Tensor = Tensor
torch.float32 = "float32"
torch.cuda = types.SimpleNamespace(
    current_device=lambda: current["device"],
    current_stream=lambda device=None: Stream(current["device"] if device is None else device),
    device=DeviceGuard)
sys.modules["torch"] = torch


failing = {"launch": False}


def value(pointer):
    return pointer.value if isinstance(pointer, ctypes.c_void_p) else pointer


@ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                  ctypes.c_void_p, ctypes.c_size_t)
def launch_function(handle, plan, stream, message, size):
    calls.append(("launch", handle, plan, stream, current["device"]))
    if failing["launch"]:
        text = b"cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE"
        ctypes.memmove(message, text + b"\0", len(text) + 1)
        return 1
    return 0


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def free_function(plan):
    calls.append(("free", plan))


class Library:
    """Stands for libtilec_cuda: records loads, binds, launches and frees."""

    tilec_cuda_launch, tilec_cuda_free_plan = launch_function, free_function

    def tilec_cuda_load(self, ptx, metadata, error, size):
        calls.append(("load", current["device"]))
        return 7 + current["device"]

    plans = 100

    def tilec_cuda_bind(self, handle, spec, error, size):
        Library.plans += 1
        calls.append(("bind", handle, [a.get("ptr") for a in json.loads(spec)], Library.plans))
        return Library.plans


import tilec._cuda as cuda  # noqa: E402

cuda._LIBRARY = Library()
assert (cuda._launcher_module() is None) == (mode == "python"), cuda._launcher_module()
folder = tempfile.mkdtemp()
metadata = os.path.join(folder, "k.json")
with open(metadata, "w") as f:
    json.dump({"kernel": "k", "params": [
        {"name": "A", "kind": "tensor", "dtype": "float32", "shape": ["N"]},
        {"name": "B", "kind": "tensor", "dtype": "float32", "shape": ["N"]}]}, f)
kernel = cuda.CUDAKernel(os.path.join(folder, "k.ptx"), metadata, False)


def kinds():
    return [c[0] for c in calls]


a, b = Tensor(4096, [10]), Tensor(8192, [10])
kernel(a, b)
kernel(a, b)
assert kinds() == ["load", "bind", "launch", "launch"], calls
kernel(A=a, B=b)  # by name: the same launch
kernel(a, B=b)
assert kinds().count("bind") == 1 and kinds().count("launch") == 4, calls
kernel(Tensor(4096, [10]), Tensor(12288, [10]))  # another address binds again
kernel(Tensor(4096, [5]), Tensor(8192, [5]))  # another shape too
assert kinds().count("bind") == 3, calls

# The oldest kept launch goes when the cache is full.
calls.clear()
small = cuda.CUDAKernel(os.path.join(folder, "k.ptx"), metadata, False)
small._PLANS_KEPT = 2
for address in (1, 2, 1, 3):
    small(Tensor(address, [4]), Tensor(9, [4]))
assert kinds() == ["load", "bind", "launch", "bind", "launch", "launch", "bind", "free",
                   "launch"], calls
assert calls[7] == ("free", calls[1][3]), calls  # the first one kept went

# Errors: the arguments' (from Python's checks), the launch's (the runtime's
# message); arguments the C path does not read go through Python's path.
for bad, expected in (((a,), "takes 2 arguments"), ((a, b, a), "takes 2 arguments")):
    try:
        kernel(*bad)
        raise AssertionError(f"{bad} was launched")
    except TypeError as error:
        assert expected in str(error), error
failing["launch"] = True
try:
    kernel(a, b)
    raise AssertionError("a failed launch raised nothing")
except RuntimeError as error:
    assert "CUDA_ERROR_INVALID_VALUE" in str(error), error
failing["launch"] = False
calls.clear()


class Odd(Tensor):
    """A tensor whose shape is no tuple: the C path leaves it to Python's,
    which binds, launches and frees it once."""

    @property
    def shape(self):
        return list(self.__dict__["_shape"])

    @shape.setter
    def shape(self, value):
        self.__dict__["_shape"] = value


if mode == "c":
    kernel(Odd(77, [10]), b)
    assert kinds() == ["bind", "launch", "free"], calls

# A bound launch: its arguments kept, launched as often as called, freed.
calls.clear()
bound = kernel.bind(a, B=b)
bound()
bound()
assert bound.arguments[0] is a and bound.arguments[1] is b, bound.arguments
bound.free()
assert kinds() == ["bind", "launch", "launch", "free"], calls

# Tensors on device 1 while device 0 is current: loaded and launched there.
calls.clear()
x, y = Tensor(500, [10], device=1), Tensor(600, [10], device=1)
kernel(x, y)
load = [c for c in calls if c[0] == "load"]
launch = [c for c in calls if c[0] == "launch"][0]
assert load == [("load", 1)], calls
assert launch[1] == 8 and value(launch[3]) == 1001 and launch[4] == 1, launch
assert current["device"] == 0, "the current device comes back"
try:
    kernel(Tensor(1, [10], device=0), Tensor(2, [10], device=1))
    raise AssertionError("tensors of two devices were launched")
except ValueError as error:
    assert "one device" in str(error), error
print("ok")
