# Forms TileLang factories use to compute their kernels' parameters: chained
# assignment, T.dynamic names (also under another name), helpers that query
# the device (answered for the compile target), print of the kernel,
# tilelang.cdiv, int.bit_length(), T.disable_warp_group_reg_alloc(),
# T.atomic_add(..., use_tma=True), string methods over dtype names,
# `is True`/`is False`, Python annotations (not evaluated, as in Python).
from typing import Any, Callable

import tilelang
import tilelang.language as T
import torch
from tilelang import DataType
from tilelang.carver.arch import driver


def pick_block():
    # Answers for the target: 64 for sm_80 or newer (a comment for the reader).
    if not torch.cuda.is_available():
        return 16, 32
    major, minor = torch.cuda.get_device_capability()
    props = torch.cuda.get_device_properties(0)
    assert (props.major, props.minor) == (major, minor) and props.multi_processor_count > 100
    if major * 10 + minor >= 80:
        return 64, 32
    else:
        return 32, 32


@tilelang.jit(out_idx=[-1])
def scaled_rows(cols, scale=2.0, trans=False) -> Callable[..., Any]:
    # Python that factories parse dtype names with.
    storage_dtype = T.int8
    storage_type = "".join(c for c in storage_dtype if not c.isdigit())
    storage_nbit = int("".join(c for c in storage_dtype if c.isdigit()))
    assert storage_type == "int" and storage_nbit == DataType(storage_dtype).bits == 8
    assert trans is False and trans is not True and "-".join(["a", "b"]) == "a-b"
    label: str = ""
    block, threads = pick_block()
    assert block == 2 ** (block.bit_length() - 1), "block must be a power of two"
    rows = T.dynamic("rows")
    length = T.dynamic("length")
    n = length
    dtype = accum_dtype = T.float32
    sms = driver.get_num_sms()

    @T.prim_func
    def main(X: T.Tensor((rows, n), dtype), Total: T.Tensor((1,), accum_dtype),
             Y: T.Tensor((rows, cols), dtype), Info: T.Tensor((3,), T.int32)):
        with T.Kernel(tilelang.cdiv(cols, block), rows, threads=threads) as (bc, br):
            T.disable_warp_group_reg_alloc()
            for j in T.Parallel(block):
                if bc * block + j < n:
                    Y[br, bc * block + j] = X[br, bc * block + j] * scale
                    T.atomic_add(Total[0], X[br, bc * block + j], use_tma=True)
            if bc == 0 and br == 0:
                Info[0] = length
                Info[1] = sms
                Info[2] = block

    print(main)
    return main


@tilelang.jit
def by_width(dtype):
    # The kernel is defined in the branch the dtype takes; the dtype, given
    # by name, has TVM's .bits; TileLang's bit functions.
    if dtype.bits <= 16:

        @T.prim_func
        def narrow(Out: T.Tensor((4,), T.int32)):
            with T.Kernel(1, threads=32) as bx:
                v = T.alloc_var(T.int32)
                v = 0b1011
                Out[0] = T.shift_left(v, 4)
                Out[1] = T.shift_right(v, 1)
                Out[2] = T.bitwise_and(v, 6) + T.bitwise_or(v, 4) * 100
                Out[3] = T.bitwise_xor(v, 0b1111) + 16 * 1000

        return narrow
    else:

        @T.prim_func
        def wide(Out: T.Tensor((4,), T.int32)):
            with T.Kernel(1, threads=32) as bx:
                for i in T.serial(4):
                    Out[i] = 32

        return wide
