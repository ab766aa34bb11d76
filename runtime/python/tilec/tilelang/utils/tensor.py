"""TileLang's tensor utilities that programs import."""

from ..._profiler import Profiler, TensorSupplyType
from ..testing import torch_assert_close

__all__ = ["torch_assert_close", "get_tensor_supply", "TensorSupplyType"]


def get_tensor_supply(supply_type=TensorSupplyType.Auto):
    """A function giving a tensor for a kernel parameter (an entry of a
    kernel's `params`, with `shape` and `dtype`) filled as `supply_type`
    says, as the profiler fills its inputs."""
    maker = Profiler(None, supply_type)
    return maker._input
