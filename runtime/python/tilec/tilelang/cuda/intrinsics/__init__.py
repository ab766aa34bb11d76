"""`tilelang.cuda.intrinsics`: the layout helpers TileLang kernels import.
Kernel code that calls them is compiled by tilec, which reads them as
layout hints (tilec picks the shared-memory swizzle its copies need); here
they only have to exist."""

from ... import language as _T
from . import sparse_layout


def make_mma_swizzle_layout(buffer, is_smooth=False):
    """A swizzled shared-memory layout for `buffer` (kernel code only)."""
    return _T.make_swizzled_layout(buffer)


def get_swizzle_layout(*args, **kwargs):
    """TileLang's swizzle layout of a shared tile (kernel code only)."""
    return _T.make_swizzled_layout(*args, **kwargs)
