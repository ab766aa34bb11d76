"""The CUDA launch path of the Python binding (python/tilec/_cuda.py)
without a GPU: a stand-in for PyTorch's CUDA tensors and for the runtime
library records what the binding asks for. A call with the arguments of an
earlier one reuses its bound launch (by position or by name), other
addresses or shapes bind again, the oldest kept launch is freed, a kernel
runs on its tensors' device (loaded there once, launched on that device's
stream, that device made current for the launch), and tensors of two
devices are refused. Prints "ok" when every check holds."""

import json
import os
import sys
import tempfile
import types

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


class Library:
    """Stands for libtilec_cuda: records loads, binds, launches and frees."""

    def tilec_cuda_load(self, ptx, metadata, error, size):
        calls.append(("load", current["device"]))
        return 7 + current["device"]

    def tilec_cuda_bind(self, handle, spec, error, size):
        calls.append(("bind", handle, [a.get("ptr") for a in json.loads(spec)]))
        return 100 + len(calls)

    def tilec_cuda_launch(self, handle, plan, stream, message, size):
        calls.append(("launch", handle, plan.value, stream.value, current["device"]))
        return 0

    def tilec_cuda_free_plan(self, plan):
        calls.append(("free", plan.value))


import tilec._cuda as cuda  # noqa: E402

cuda._LIBRARY = Library()
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
kernel(A=a, B=b)  # by name: a launch of its own, kept as well
kernel(A=a, B=b)
assert kinds().count("bind") == 2 and kinds().count("launch") == 4, calls
kernel(Tensor(4096, [10]), Tensor(12288, [10]))  # another address binds again
assert kinds().count("bind") == 3, calls

# The oldest kept launch goes when the cache is full.
calls.clear()
kernel._PLANS_KEPT = 3
kernel(Tensor(1, [4]), Tensor(2, [4]))
assert kinds() == ["bind", "free", "launch"], calls

# Tensors on device 1 while device 0 is current: loaded and launched there.
calls.clear()
x, y = Tensor(500, [10], device=1), Tensor(600, [10], device=1)
kernel(x, y)
load = [c for c in calls if c[0] == "load"]
launch = [c for c in calls if c[0] == "launch"][0]
assert load == [("load", 1)], calls
assert launch[1] == 8 and launch[3] == 1001 and launch[4] == 1, launch
assert current["device"] == 0, "the current device comes back"
try:
    kernel(Tensor(1, [10], device=0), Tensor(2, [10], device=1))
    raise AssertionError("tensors of two devices were launched")
except ValueError as error:
    assert "one device" in str(error), error
print("ok")
