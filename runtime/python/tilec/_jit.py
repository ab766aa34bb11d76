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

TileLang's eager form works the same way: one function whose body annotates
its tensor parameters, names their sizes with T.const and declares outputs
with T.empty. Called with tensors (and compile-time values), it is compiled
for the sizes the tensors have (each T.const a constant, as TileLang
specializes) and returns its outputs; `f.compile(M=..., block=...)` gives
the kernel for given values.

    @tilec.jit
    def add(A, B, block):
        M, N = T.const("M, N")
        A: T.Tensor((M, N), T.float32)
        B: T.Tensor((M, N), T.float32)
        C = T.empty((M, N), T.float32)
        with T.Kernel(T.ceildiv(M, block), threads=128) as bx: ...
        return C

    c = add(a, b, 64)
"""

import ast
import dis
import inspect
import os
import tempfile
import textwrap
import types

from ._arguments import TORCH, concrete_shape
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
    if value is None:  # `scale=None`: the factory tests `is None`
        return "None"
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):  # also T.float16, a str
        return str(value)
    if isinstance(value, Spelling):  # T.float16 and the like
        return str(value).split(".")[-1]
    text = str(value)
    if type(value).__name__ == "dtype" and text.startswith("torch."):  # torch.float16
        return text[len("torch."):]
    if isinstance(value, (tuple, list)) and all(
            isinstance(v, (bool, int, float, str)) for v in value):
        return "[" + ",".join(str(_define_value(name, v)) for v in value) + "]"
    raise TypeError(f"argument '{name}' of a kernel factory must be an int, float, bool, "
                    f"str, dtype, None or a list of those, got {type(value).__name__}")


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


def _annotation_names(function):
    """The names a function's local annotations use (`X: T.Tensor((M, N),
    dtype)` in an eager kernel): Python compiles no code for those."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    return {node.id for statement in ast.walk(tree) if isinstance(statement, ast.AnnAssign)
            for node in ast.walk(statement.annotation) if isinstance(node, ast.Name)}


def _import_line(module, name):
    """How the factory's source imports a module it names, or None."""
    if module in ("tilec", "tilelang", "tilec.tilelang"):
        return f"import tilelang as {name}"
    if module.startswith(("tilec.language", "tilelang.language")):
        return f"import tilelang.language as {name}"
    if module.startswith("tilec.tilelang."):  # TileLang's API over tilec
        return f"import {module[len('tilec.'):]} as {name}"
    if module.startswith("tilelang.") or module in ("torch", "math"):
        return f"import {module} as {name}"
    if module in ("tvm", "tvm.tirx", "tvm.tir"):  # TVM's names kernel helpers use
        return f"import {module} as {name}"
    return None


def _prelude(factory):
    """The module-level lines the factory's source needs: imports of
    tilelang/tilec modules (and torch and math, whose device queries and
    functions tilec answers), constants, and the functions it calls."""
    closure = {}
    if factory.__closure__:
        closure = dict(zip(factory.__code__.co_freevars,
                           (cell.cell_contents for cell in factory.__closure__)))
    lines, seen = [], set()
    pending = [(factory.__code__, factory.__globals__)]
    while pending:
        code, module_globals = pending.pop()
        names = _referenced_names(code)
        if code is factory.__code__:
            names |= _annotation_names(factory)
        for name in sorted(names):
            if name in seen:
                continue
            if name in closure and code is factory.__code__:
                value = closure[name]
            elif name in module_globals:
                value = module_globals[name]
            else:
                continue  # a builtin or a name the function binds itself
            seen.add(name)
            if isinstance(value, types.ModuleType):
                line = _import_line(value.__name__, name)
                if line:
                    lines.append(line)
                continue
            if getattr(value, "__module__", None) == "tilec.tilelang.tvm" and \
                    getattr(value, "__name__", None) == "DataType":
                lines.append(f"from tvm import DataType as {name}")
                continue
            module = getattr(value, "__module__", None) or ""
            if inspect.isfunction(value) and module.startswith("tilec.tilelang."):
                # A function of TileLang's API (tilec reads it by its name).
                lines.append(f"from {module[len('tilec.'):]} import {value.__name__} as {name}")
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
                    continue  # host code the kernel cannot use anyway
                pending.append((value.__code__, value.__globals__))  # what it names
    if not any(line.startswith("import tilelang.language as T") for line in lines):
        lines.insert(0, "import tilelang.language as T")
    # Imports first: the functions after them may name what they import.
    lines.sort(key=lambda line: not line.startswith(("import ", "from ")))
    return "\n".join(lines)


class _EagerForm:
    """What the source of an eager kernel says: its tensor parameters and,
    per T.const size, a tensor dimension it can be read from."""

    def __init__(self, tensors, sizes):
        self.tensors, self.sizes = tensors, sizes

    @staticmethod
    def of(function):
        """The eager form of `function`, or None for a kernel factory."""
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        except (OSError, TypeError, SyntaxError):
            return None
        definition = tree.body[0] if tree.body else None
        if not isinstance(definition, ast.FunctionDef):
            return None
        body = definition.body
        if any(isinstance(s, ast.FunctionDef) for s in body) or not any(
                isinstance(s, ast.With) and "Kernel" in ast.unparse(s.items[0].context_expr)
                for s in body):
            return None
        held = {}  # shapes held in names (A_shape = (M, K)), aliases (KH, KW = K, K)
        for statement in body:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                continue
            target, value = statement.targets[0], statement.value
            if isinstance(target, ast.Name):
                held[target.id] = value
            elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and \
                    len(target.elts) == len(value.elts):
                for part, part_value in zip(target.elts, value.elts):
                    if isinstance(part, ast.Name):
                        held[part.id] = part_value

        def named(extent):
            """The size a dimension's name stands for, through aliases."""
            seen = set()
            while isinstance(extent, ast.Name) and extent.id not in seen and \
                    isinstance(held.get(extent.id), ast.Name):
                seen.add(extent.id)
                extent = held[extent.id]
            return extent
        tensors, sizes = [], {}
        for statement in body:
            if not (isinstance(statement, ast.AnnAssign) and statement.value is None and
                    isinstance(statement.target, ast.Name)):
                continue
            annotation = statement.annotation
            if isinstance(annotation, ast.Call) and annotation.args:
                shape = annotation.args[0]  # T.Tensor((M, N), dtype)
            elif isinstance(annotation, ast.Subscript):  # T.Tensor[(M, N), dtype]
                index = annotation.slice
                shape = index.elts[0] if isinstance(index, ast.Tuple) and index.elts else index
            else:
                continue
            name = statement.target.id
            tensors.append(name)
            if isinstance(shape, ast.Name):
                shape = held.get(shape.id, shape)
            if isinstance(shape, (ast.Tuple, ast.List)):
                for dim, extent in enumerate(shape.elts):
                    extent = named(extent)
                    if isinstance(extent, ast.Name):
                        sizes.setdefault(extent.id, (name, dim))
        constants = set()
        for node in ast.walk(definition):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(".const") and \
                    node.args and isinstance(node.args[0], ast.Constant):
                constants |= {c.strip() for c in str(node.args[0].value).split(",") if c.strip()}
        return _EagerForm(tensors, {k: v for k, v in sizes.items() if k in constants})


class KernelFactory:
    """A kernel factory: calling it with the factory's arguments gives a
    compiled kernel (compiled once per distinct set of values). An eager
    kernel is called with its tensors and compile-time values instead, and
    returns its outputs."""

    def __init__(self, factory, out_idx, target, options):
        self.factory, self.target, self.options = factory, target, dict(options)
        self.out_idx = [out_idx] if isinstance(out_idx, int) else list(out_idx or [])
        self.signature = inspect.signature(factory)
        self.eager = _EagerForm.of(factory)
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

    def _kernel(self, defines):
        defines = dict(defines)
        defines.update(self.options.get("defines") or {})
        key = tuple(sorted((k, repr(v)) for k, v in defines.items()))
        if key not in self.kernels:
            options = {k: v for k, v in self.options.items() if k != "defines"}
            kernel = _compile(self._source_file(), self.factory.__name__, target=self.target,
                              defines=defines, **options)
            self.kernels[key] = JITKernel(kernel, self.out_idx, self.target)
        return self.kernels[key]

    def compile(self, **values):
        """The kernel for these compile-time values (an eager kernel's
        T.const sizes among them; those not given stay symbolic)."""
        parameters = self.signature.parameters
        defines = {}
        for name, parameter in parameters.items():
            if self.eager and name in self.eager.tensors:
                continue
            if name in values:
                defines[name] = _define_value(name, values[name])
            elif parameter.default is not inspect.Parameter.empty:
                defines[name] = _define_value(name, parameter.default)
        for name, value in values.items():
            if name not in parameters:
                defines[name] = _define_value(name, value)
        return self._kernel(defines)

    def get_kernel_source(self, *args, **kwargs):
        """The generated code of the kernel for these compile-time values
        (JITKernel.get_kernel_source)."""
        if not self.eager:
            return self(*args, **kwargs).get_kernel_source()
        # An eager kernel's T.const sizes are not parameters of the function.
        sizes = {name: kwargs.pop(name) for name in list(kwargs)
                 if name not in self.signature.parameters}
        bound = self.signature.bind_partial(*args, **kwargs)
        return self.compile(**sizes, **{name: value for name, value in bound.arguments.items()
                                        if name not in self.eager.tensors}).get_kernel_source()

    def __call__(self, *args, **kwargs):
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        if not self.eager:
            return self._kernel({name: _define_value(name, value)
                                 for name, value in bound.arguments.items()})
        # An eager kernel: compiled for these tensors' sizes, then run.
        tensors = {name: bound.arguments[name] for name in self.eager.tensors
                   if name in bound.arguments}
        defines = {name: _define_value(name, value) for name, value in bound.arguments.items()
                   if name not in tensors}
        for size, (tensor, dim) in self.eager.sizes.items():
            if tensor in tensors and hasattr(tensors[tensor], "shape"):
                defines.setdefault(size, int(tensors[tensor].shape[dim]))
        kernel = self._kernel(defines)
        inputs = [p["name"] for i, p in enumerate(kernel.params) if i not in kernel.outputs]
        missing = [name for name in inputs if name not in tensors]
        if missing:
            raise TypeError(f"{self.__name__}: no tensor for {', '.join(missing)}")
        return kernel(*(tensors[name] for name in inputs))


class JITKernel:
    """A compiled kernel that allocates and returns its `out_idx` outputs:
    call it with the other arguments in order."""

    def __init__(self, kernel, out_idx, target):
        self.kernel, self.target = kernel, target
        self.params = kernel.metadata["params"]
        count = len(self.params)
        # out_idx, else the outputs the kernel declares (T.empty).
        self.outputs = sorted(i % count for i in out_idx) if out_idx else [
            i for i, p in enumerate(self.params) if p.get("output")]

    def _allocate(self, param, symbols, like):
        def missing(extent):
            raise TypeError(f"output '{param['name']}': dimension '{extent}' is not given by "
                            "any input")
        shape = concrete_shape(param, symbols, missing)
        if self.target == "cpu":
            import numpy as np
            dtype = "float32" if param["dtype"] == "bfloat16" else param["dtype"]
            return np.empty(shape, dtype=dtype)
        import torch
        device = like.device if like is not None else "cuda"
        return torch.empty(shape, dtype=getattr(torch, TORCH[param["dtype"]]),
                           device=device)

    def get_profiler(self, tensor_supply_type=None):
        """A profiler of this kernel on random inputs (TileLang's API)."""
        from ._profiler import Profiler, TensorSupplyType
        return Profiler(self, tensor_supply_type or TensorSupplyType.Auto)

    def get_kernel_source(self):
        """The code the kernel runs: PTX on a GPU, tile IR on the cpu target."""
        if hasattr(self.kernel, "ptx"):
            if not self.kernel.ptx.endswith(".ptx"):  # tilec.load of a cubin
                raise ValueError(f"{self.kernel.ptx} is a binary kernel: it has no source")
            with open(self.kernel.ptx) as f:
                return f.read()
        return self.kernel.source()

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
