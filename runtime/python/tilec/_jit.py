"""TileLang's Python form: `@tilec.jit` on a kernel factory.

    import tilec
    import tilec.language as T

    @tilec.jit(out_idx=[-1])
    def matmul(M, N, K, block_M=128, block_N=128, block_K=64, dtype="float16"):
        @T.prim_func
        def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype),
                 C: T.Tensor((M, N), dtype)):
            ...
        return main

    kernel = matmul(1024, 1024, 512)   # compiled (and cached) for these values
    c = kernel(a, b)                   # out_idx outputs allocated and returned

The factory never runs in Python: its source (with the module-level values
and imports it names, and the values its closure holds) goes to the `tilec`
tool, the factory's arguments as -D values.
"""

import dis
import inspect
import os
import tempfile
import textwrap
import types

from ._compile import compile as _compile
from .language import Spelling

__all__ = ["jit"]


def jit(func=None, *, out_idx=None, target="sm_90a", **options):
    """Decorates a kernel factory; `out_idx` lists the kernel parameters
    (negative from the end) that calls allocate and return; `target` and
    `options` (defines, fast_math, disable, enable) are tilec.compile's."""
    def wrap(factory):
        return KernelFactory(factory, out_idx, target, options)
    return wrap(func) if func is not None else wrap


def _define_value(name, value):
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Spelling):  # T.float16 and the like
        return str(value).split(".")[-1]
    text = str(value)
    if type(value).__name__ == "dtype" and text.startswith("torch."):  # torch.float16
        return text[len("torch."):]
    raise TypeError(f"argument '{name}' of a kernel factory must be an int, float, bool, "
                    f"str or dtype, got {type(value).__name__}")


def _referenced_names(code):
    """Every global or free name a code object and the functions nested in
    it use."""
    names = set(code.co_names) | set(code.co_freevars)
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF"):
            names.add(instruction.argval)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _referenced_names(constant)
    return names


def _prelude(factory):
    """The module-level lines the factory's source needs: imports of
    tilelang/tilec modules, constants, and macros it names."""
    closure = {}
    if factory.__closure__:
        closure = dict(zip(factory.__code__.co_freevars,
                           (cell.cell_contents for cell in factory.__closure__)))
    lines = []
    for name in sorted(_referenced_names(factory.__code__)):
        if name in closure:
            value = closure[name]
        elif name in factory.__globals__:
            value = factory.__globals__[name]
        else:
            continue  # a builtin or a name the factory binds itself
        if isinstance(value, types.ModuleType):
            module = value.__name__
            if module in ("tilec", "tilelang"):
                lines.append(f"import tilelang as {name}")
            elif module.startswith(("tilec.language", "tilelang.language")):
                lines.append(f"import tilelang.language as {name}")
            continue
        if isinstance(value, Spelling):
            # A dtype (T.float16) as its name, which module level takes.
            text = str(value)
            plain = text.startswith("T.") and text[2:].isidentifier()
            lines.append(f"{name} = {text[2:]!r}" if plain else f"{name} = {text}")
        elif isinstance(value, (bool, int, float, str)):
            lines.append(f"{name} = {value!r}")
        elif isinstance(value, (tuple, list)) and all(isinstance(v, (bool, int, float, str))
                                                      for v in value):
            lines.append(f"{name} = {tuple(value)!r}")
        elif inspect.isfunction(value) and value is not factory:
            try:
                lines.append(textwrap.dedent(inspect.getsource(value)))
            except (OSError, TypeError):
                pass  # host code the kernel cannot use anyway
    if not any(line.startswith("import tilelang.language as T") for line in lines):
        lines.insert(0, "import tilelang.language as T")
    return "\n".join(lines)


class KernelFactory:
    """A kernel factory: calling it with the factory's arguments gives a
    compiled kernel (compiled once per distinct set of values)."""

    def __init__(self, factory, out_idx, target, options):
        self.factory, self.target, self.options = factory, target, dict(options)
        self.out_idx = [out_idx] if isinstance(out_idx, int) else list(out_idx or [])
        self.signature = inspect.signature(factory)
        self.kernels = {}
        self.path = None
        self.__name__, self.__doc__ = factory.__name__, factory.__doc__

    def _source_file(self):
        if self.path is None:
            source = textwrap.dedent(inspect.getsource(self.factory))
            folder = tempfile.mkdtemp(prefix="tilec-jit-")
            self.path = os.path.join(folder, self.factory.__name__ + ".py")
            with open(self.path, "w") as f:
                f.write(_prelude(self.factory) + "\n\n\n" + source)
        return self.path

    def __call__(self, *args, **kwargs):
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        defines = {name: _define_value(name, value) for name, value in bound.arguments.items()}
        defines.update(self.options.get("defines") or {})
        key = tuple(sorted((k, repr(v)) for k, v in defines.items()))
        if key not in self.kernels:
            options = {k: v for k, v in self.options.items() if k != "defines"}
            kernel = _compile(self._source_file(), self.factory.__name__, target=self.target,
                              defines=defines, **options)
            self.kernels[key] = JITKernel(kernel, self.out_idx, self.target)
        return self.kernels[key]


_TORCH_DTYPES = {"float16": "float16", "bfloat16": "bfloat16", "float32": "float32",
                 "float64": "float64", "int8": "int8", "uint8": "uint8", "int32": "int32",
                 "int64": "int64", "float8_e4m3": "float8_e4m3fn", "float8_e5m2": "float8_e5m2"}


class JITKernel:
    """A compiled kernel that allocates and returns its `out_idx` outputs:
    call it with the other arguments in order."""

    def __init__(self, kernel, out_idx, target):
        self.kernel, self.target = kernel, target
        self.params = kernel.metadata["params"]
        count = len(self.params)
        self.outputs = sorted(i % count for i in out_idx)

    def _allocate(self, param, symbols, like):
        shape = []
        for extent in param["shape"]:
            if isinstance(extent, str):
                if extent not in symbols:
                    raise TypeError(f"output '{param['name']}': dimension '{extent}' is not "
                                    "given by any input")
                extent = symbols[extent]
            shape.append(extent)
        if self.target == "cpu":
            import numpy as np
            dtype = "float32" if param["dtype"] == "bfloat16" else param["dtype"]
            return np.empty(shape, dtype=dtype)
        import torch
        device = like.device if like is not None else "cuda"
        return torch.empty(shape, dtype=getattr(torch, _TORCH_DTYPES[param["dtype"]]),
                           device=device)

    def __call__(self, *inputs):
        expected = len(self.params) - len(self.outputs)
        if len(inputs) != expected:
            names = [p["name"] for i, p in enumerate(self.params) if i not in self.outputs]
            raise TypeError(f"the kernel takes {expected} arguments ({', '.join(names)}), "
                            f"got {len(inputs)}")
        symbols, like, args, rest = {}, None, [], iter(inputs)
        for i, param in enumerate(self.params):
            if i in self.outputs:
                args.append(None)
                continue
            value = next(rest)
            args.append(value)
            if param["kind"] == "tensor" and hasattr(value, "shape"):
                like = like if like is not None else value
                for extent, size in zip(param["shape"], value.shape):
                    if isinstance(extent, str):
                        symbols.setdefault(extent, int(size))
        for i in self.outputs:
            args[i] = self._allocate(self.params[i], symbols, like)
        self.kernel(*args)
        results = [args[i] for i in self.outputs]
        return results[0] if len(results) == 1 else tuple(results)
