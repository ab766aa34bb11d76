"""TileLang's tensor utilities that programs import."""

from ..testing import torch_assert_close

__all__ = ["torch_assert_close"]
