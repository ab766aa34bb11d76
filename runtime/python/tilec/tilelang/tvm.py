"""The parts of TVM that TileLang programs import beside their kernels.

`DataType(dtype).bits` sizes vectors in factories, and `tvm.tirx` (also
`tvm.tir`) names the expression builders that kernel helpers are written
with: tilec compiles such helpers from their source, where `tirx.const`,
`tirx.reinterpret` and `tirx.Select` have their meaning (docs/language.md);
in Python they are only defined, so that the program's module loads.
"""

import re
import types


class DataType:
    """A dtype's name and width, as TVM's DataType(dtype)."""

    def __init__(self, dtype):
        self.name = str(dtype)
        if self.name == "bool":
            self.bits = 1
        else:
            match = re.search(r"(\d+)", self.name)
            if not match:
                raise ValueError(f"DataType: '{self.name}' has no width")
            self.bits = int(match.group(1))
        self.lanes = 1

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"DataType({self.name!r})"

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(self.name)


class PrimExpr:
    """TVM's expression type, for helpers' annotations."""


def _kernel_only(name):
    def builder(*args, **kwargs):
        raise NotImplementedError(f"tirx.{name} builds kernel code: tilec compiles it from "
                                  "the helper's source inside a kernel")
    builder.__name__ = name
    return builder


tirx = types.ModuleType("tvm.tirx", "TVM's expression builders (see tilec.tilelang.tvm).")
tirx.PrimExpr = PrimExpr
tirx.Var = PrimExpr
tirx.Buffer = PrimExpr
for _name in ("const", "reinterpret", "Select", "Cast", "if_then_else", "call_extern"):
    setattr(tirx, _name, _kernel_only(_name))
tir = tirx
