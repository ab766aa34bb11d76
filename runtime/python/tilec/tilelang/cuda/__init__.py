"""`tilelang.cuda`: TileLang's CUDA-specific helpers that kernels import."""

from . import intrinsics
