"""The CPU target from Python: NumPy arrays in and out of `tilec --run`."""

import json
import os
import subprocess
import tempfile

from ._arguments import checked_arguments, numpy_dtype
from ._tool import _run_tool, _tool


class RunError(Exception):
    """The CPU target stopped the kernel (an access out of bounds, a read of
    memory never written, a failed T.assert, arguments that do not fit); the
    message is located at the DSL line."""


def _parameters(metadata):
    """[(name, is_tensor, is_bfloat16)] from the kernel's metadata JSON
    (`tilec --emit=metadata`, the launch ABI every runtime reads)."""
    return [(p["name"], p["kind"] == "tensor", p["dtype"] == "bfloat16")
            for p in json.loads(metadata)["params"]]


def _to_bfloat16_bits(array):
    """float32 values rounded to the nearest bfloat16 (ties to even), as the
    uint16 bit patterns the CPU target reads."""
    import numpy as np
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype(np.uint16)


def _from_bfloat16_bits(bits):
    import numpy as np
    return (bits.astype(np.uint32) << 16).view(np.float32)


class CPUKernel:
    """A kernel the CPU target runs (with bounds and initialisation checks
    unless `checked=False`): tensors are NumPy arrays, written back in place
    (bfloat16 tensors as float arrays, rounded to bfloat16 on the way in)."""

    def __init__(self, path, flags, metadata):
        self.path, self.flags = path, flags
        self.metadata = json.loads(metadata)  # the launch ABI, as CUDAKernel keeps it
        self.parameters = _parameters(metadata)

    def source(self):
        """The kernel's tile IR after the clean-up pipeline (what the cpu
        target interprets)."""
        return _run_tool([self.path, "--emit=tile-opt"] + self.flags)

    def __call__(self, *args, checked=True, **kwargs):
        """Runs the kernel; arguments by position or by parameter name, NumPy
        arrays of the parameters' dtypes (float32 for bfloat16; nothing is
        converted) and shapes."""
        import numpy as np
        args = checked_arguments(self.metadata, args, kwargs, np.ndarray, "a NumPy array",
                                 numpy_dtype)
        with tempfile.TemporaryDirectory(prefix="tilec-run-") as folder:
            command = [_tool(), self.path, "--run", "--out", os.path.join(folder, "out")]
            command += self.flags + ([] if checked else ["--unchecked"])
            for (name, is_tensor, bf16), value in zip(self.parameters, args):
                if is_tensor:
                    file = os.path.join(folder, name + ".npy")
                    np.save(file, _to_bfloat16_bits(value) if bf16 else np.ascontiguousarray(value))
                    command.append(f"--in={name}={file}")
                else:
                    command.append(f"--scalar={name}={value}")
            result = subprocess.run(command, capture_output=True, text=True, errors="replace")
            if result.returncode != 0:
                raise RunError(result.stderr.strip() or result.stdout.strip())
            for (name, is_tensor, bf16), value in zip(self.parameters, args):
                if is_tensor:
                    out = np.load(os.path.join(folder, "out", name + ".npy"))
                    np.copyto(value, _from_bfloat16_bits(out) if bf16 else out)
