"""`tilelang.language.dtypes`: TileLang's dtype class (a dtype is its name,
`dtype("float16")`) and the PyTorch dtype names."""

from .. import language as _T

dtype = _T.DType

_NAMES = ["float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
          "uint8", "bool", "float8_e4m3fn", "float8_e5m2"]


def __getattr__(name):
    # `_TORCH_DTYPE_TO_STR[torch.float16] == "float16"` (PyTorch is imported
    # when a program asks).
    if name == "_TORCH_DTYPE_TO_STR":
        import torch
        table = {getattr(torch, n): ("float8_e4m3" if n == "float8_e4m3fn" else n)
                 for n in _NAMES if hasattr(torch, n)}
        globals()[name] = table
        return table
    if name in _T.DType._BITS:
        return _T.DType(name)
    raise AttributeError(name)
