"""`import tilec.language as T`: the names of the tile language in Python.

A kernel factory under `@tilec.jit` never runs in Python (the tilec tool
compiles its source), so `T` here only has to let a TileLang module load:
a dtype (`T.float16`) is a `DType`, its name as a string, as TileLang's
dtypes are; every other attribute (`T.prim_func`, `T.Tensor`, ...) is a
`Spelling` that remembers how it was written. A module-level value the
factory names (`dtype = T.float16`) is passed on as what it spells.
"""

__all__ = ["Spelling", "DType"]


class Spelling:
    """A name of the tile language as written: `T.float16`, `T.prim_func`.
    Attributes and calls give longer spellings; as a decorator it returns
    the function unchanged."""

    def __init__(self, text):
        self._text = text

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Spelling(f"{self._text}.{name}")

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], Spelling):
            return args[0]  # used as a decorator
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return Spelling(f"{self._text}({', '.join(parts)})")

    def __repr__(self):
        return self._text

    __str__ = __repr__


class DType(str):
    """A dtype, `T.float16`: its name as a string (as TileLang's dtypes are,
    so that `getattr(torch, T.float16)` works), with TileLang's `bits`."""

    _BITS = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64, "tfloat32": 32,
             "float8_e4m3": 8, "float8_e4m3fn": 8, "float8_e5m2": 8, "int8": 8, "int16": 16,
             "int32": 32, "int64": 64, "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64,
             "bool": 8}

    @property
    def bits(self):
        return self._BITS[str(self)]

    @property
    def dtype(self):
        return str(self)

    def as_torch(self):
        """The PyTorch dtype of this name (tfloat32: float32 tensors)."""
        import torch
        from ._arguments import TORCH
        name = "float32" if self == "tfloat32" else str(self)
        return getattr(torch, TORCH.get(name, name))


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name in DType._BITS:
        return DType(name)
    if name == "dtype":  # T.dtype("float16"), T.dtype(T.float16)
        return DType
    return Spelling(f"T.{name}")
