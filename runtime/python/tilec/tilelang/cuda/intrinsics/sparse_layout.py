"""`tilelang.cuda.intrinsics.sparse_layout`: the metadata of 2:4 sparsity,
as T.gemm_sp reads it: each group of four elements along K (two for 32-bit
dtypes) has 4 bits of metadata."""

from ... import language as _T

GROUP_CONFIG = {
    _T.float32: (1, 2),
    _T.float16: (2, 4),
    _T.bfloat16: (2, 4),
    _T.int8: (2, 4),
    _T.uint8: (2, 4),
    _T.float8_e4m3: (2, 4),
    _T.float8_e5m2: (2, 4),
}
_BITS_PER_GROUP = 4


def get_e_factor(a_dtype, meta_dtype):
    """How many elements of A one metadata element describes."""
    _, group = GROUP_CONFIG[_T.DType(str(a_dtype))]
    return _T.DType(str(meta_dtype)).bits // _BITS_PER_GROUP * group


def get_e_replicate_factor(a_dtype):
    """How many consecutive threads share a metadata value (TileLang's MMA
    layout; kept for programs that compute with it)."""
    return 1 if _T.DType(str(a_dtype)).bits <= 8 else 2
