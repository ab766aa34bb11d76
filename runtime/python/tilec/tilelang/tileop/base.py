"""`tilelang.tileop.base`: the GEMM warp policy (`GemmWarpPolicy.Square`,
`FullRow`, `FullCol`), the same as `T.GemmWarpPolicy`."""

from ... import language as _T

GemmWarpPolicy = _T.GemmWarpPolicy
