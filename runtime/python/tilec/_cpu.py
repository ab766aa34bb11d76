"""The CPU target from Python: NumPy arrays in and out of `tilec --run`."""

import os
import re
import subprocess
import tempfile

from ._compile import _tool

_FUNC = re.compile(r"func\.func @(\w+)\((.*?)\) attributes \{[^\n]*tile\.kernel")
_ARG = re.compile(r"%arg\d+: (!tile\.buffer<[^>]*>|\w+) \{([^}]*)\}")
_NAME = re.compile(r'tile\.name = "([^"]*)"')


class RunError(Exception):
    """The CPU target stopped the kernel (an access out of bounds, a read of
    memory never written, a failed T.assert, arguments that do not fit); the
    message is located at the DSL line."""


def _parameters(tile_ir, kernel):
    """[(name, is_tensor, is_bfloat16)] of `kernel` (or of the only kernel)."""
    functions = {m.group(1): m.group(2) for m in _FUNC.finditer(tile_ir)}
    if kernel is None and len(functions) == 1:
        kernel = next(iter(functions))
    if kernel not in functions:
        raise ValueError(f"no kernel {kernel!r}; the file has {', '.join(sorted(functions))}")
    return [(_NAME.search(attrs).group(1), kind.startswith("!tile.buffer"),
             kind.startswith("!tile.buffer") and "xbf16," in kind)
            for kind, attrs in _ARG.findall(functions[kernel])]


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

    def __init__(self, path, flags, tile_ir):
        self.path, self.flags = path, flags
        kernel = flags[flags.index("--kernel") + 1] if "--kernel" in flags else None
        self.parameters = _parameters(tile_ir, kernel)

    def __call__(self, *args, checked=True):
        import numpy as np
        if len(args) != len(self.parameters):
            raise TypeError(f"the kernel takes {len(self.parameters)} arguments "
                            f"({', '.join(p[0] for p in self.parameters)}), got {len(args)}")
        with tempfile.TemporaryDirectory(prefix="tilec-run-") as folder:
            command = [_tool(), self.path, "--run", "--out", os.path.join(folder, "out")]
            command += self.flags + ([] if checked else ["--unchecked"])
            for (name, is_tensor, bf16), value in zip(self.parameters, args):
                if is_tensor:
                    if not isinstance(value, np.ndarray):
                        raise TypeError(f"{name}: a NumPy array, not {type(value).__name__}")
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
