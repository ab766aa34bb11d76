"""TileLang's profiler module: do_bench and the kernel profiler."""

from .._profiler import Profiler, TensorSupplyType, do_bench

__all__ = ["do_bench", "Profiler", "TensorSupplyType"]
