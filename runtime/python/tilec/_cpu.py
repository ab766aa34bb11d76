"""The CPU target from Python: NumPy arrays in and out of `tilec --run`."""

import os
import re
import subprocess
import tempfile

from ._compile import CompileError, _tool

_FUNC = re.compile(r"func\.func @(\w+)\((.*?)\) attributes \{[^\n]*tile\.kernel")
_ARG = re.compile(r"%arg\d+: (!tile\.buffer<[^>]*>|\w+) \{([^}]*)\}")
_NAME = re.compile(r'tile\.name = "([^"]*)"')


def _parameters(tile_ir, kernel):
    """[(name, is_tensor)] of `kernel` (or of the only kernel) in tile IR."""
    functions = {m.group(1): m.group(2) for m in _FUNC.finditer(tile_ir)}
    if kernel is None and len(functions) == 1:
        kernel = next(iter(functions))
    if kernel not in functions:
        raise ValueError(f"no kernel {kernel!r}; the file has {', '.join(sorted(functions))}")
    return [(_NAME.search(attrs).group(1), kind.startswith("!tile.buffer"))
            for kind, attrs in _ARG.findall(functions[kernel])]


class CPUKernel:
    """A kernel the CPU target runs (with bounds and initialisation checks
    unless `checked=False`): tensors are NumPy arrays, written back in place."""

    def __init__(self, path, flags, tile_ir):
        self.path, self.flags = path, flags
        kernel = flags[flags.index("--kernel") + 1] if "--kernel" in flags else None
        self.parameters = _parameters(tile_ir, kernel)

    def __call__(self, *args, checked=True):
        import numpy as np
        if len(args) != len(self.parameters):
            raise TypeError(f"the kernel takes {len(self.parameters)} arguments "
                            f"({', '.join(n for n, _ in self.parameters)}), got {len(args)}")
        with tempfile.TemporaryDirectory(prefix="tilec-run-") as folder:
            command = [_tool(), self.path, "--run", "--out", os.path.join(folder, "out")]
            command += self.flags + ([] if checked else ["--unchecked"])
            for (name, is_tensor), value in zip(self.parameters, args):
                if is_tensor:
                    if not isinstance(value, np.ndarray):
                        raise TypeError(f"{name}: a NumPy array, not {type(value).__name__}")
                    file = os.path.join(folder, name + ".npy")
                    np.save(file, np.ascontiguousarray(value))
                    command.append(f"--in={name}={file}")
                else:
                    command.append(f"--scalar={name}={value}")
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise CompileError(result.stderr.strip() or result.stdout.strip())
            for (name, is_tensor), value in zip(self.parameters, args):
                if is_tensor:
                    np.copyto(value, np.load(os.path.join(folder, "out", name + ".npy")))
