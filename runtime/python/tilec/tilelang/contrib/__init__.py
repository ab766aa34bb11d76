"""TileLang's toolchain helpers that programs call (contrib.nvcc)."""

from . import nvcc

__all__ = ["nvcc"]
