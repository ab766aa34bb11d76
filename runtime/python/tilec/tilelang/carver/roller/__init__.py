"""`tilelang.carver.roller`: the rasterization plans of recommended GEMM
schedules."""

from . import rasterization
