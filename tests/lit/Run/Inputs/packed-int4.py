# Packed 4-bit weights, unpacked by helpers written with TVM's expression
# builders as TileLang's dequantizing GEMMs write them: uint8 arithmetic
# that wraps at 8 bits, typed constants (tirx.const), the same bits as
# another dtype (tirx.reinterpret), dtype checks of the values (val.dtype);
# then an int8 GEMM into int32.
import tilelang
import tilelang.language as T
from tvm import tirx


def _u8_to_i4_to_i8(nbit: int, val: tirx.PrimExpr, pos: tirx.PrimExpr, dtype: str):
    assert nbit == 4
    assert dtype == T.int8
    assert val.dtype == T.uint8
    mask = tirx.const((1 << nbit) - 1, T.uint8)
    i4 = (val >> (pos.astype(T.uint8) * tirx.const(nbit, T.uint8))) & mask
    # i4 << 4 is at most 240: the nibble's sign lands in the int8's sign bit.
    i8_shifted = tirx.reinterpret(T.int8, i4 << tirx.const(4, T.uint8))
    return i8_shifted >> tirx.const(4, T.int8)


def _u8_to_f4_to_f16(val: tirx.PrimExpr, pos: tirx.PrimExpr):
    # s1e2m1 to float16: the exponent rebiased by 14, the mantissa bit moved.
    f4 = (val >> (pos.astype(T.uint16) * tirx.const(4, T.uint16))) & tirx.const(15, T.uint16)
    s = f4 >> tirx.const(3, T.uint16)
    e = ((f4 & tirx.const(6, T.uint16)) >> tirx.const(1, T.uint16)) + tirx.const(14, T.uint16)
    m = f4 & tirx.const(1, T.uint16)
    bits = ((e | (s << tirx.const(5, T.uint16))) << tirx.const(10, T.uint16)) | (m << tirx.const(9, T.uint16))
    return tirx.reinterpret(T.float16, bits.astype(T.uint16))


@tilelang.jit
def unpack(N):
    @T.prim_func
    def main(P: T.Tensor((N,), T.uint8), I: T.Tensor((N, 2), T.int8), F: T.Tensor((N, 2), T.float16),
             W: T.Tensor((N, 3), T.uint8)):
        with T.Kernel(T.ceildiv(N, 128), threads=128) as bx:
            for i in T.Parallel(128):
                if bx * 128 + i < N:
                    v = P[bx * 128 + i]
                    for pos in T.serial(2):
                        I[bx * 128 + i, pos] = _u8_to_i4_to_i8(4, v, pos, T.int8)
                        F[bx * 128 + i, pos] = _u8_to_f4_to_f16(v, pos)
                    # uint8 arithmetic wraps at 8 bits.
                    W[bx * 128 + i, 0] = v << tirx.const(4, T.uint8)
                    W[bx * 128 + i, 1] = v - tirx.const(200, T.uint8)
                    W[bx * 128 + i, 2] = v * v
    return main


@tilelang.jit
def int4_gemm(M, N, K, block_M=64, block_N=64, block_K=64):
    @T.prim_func
    def main(A: T.Tensor((M, K), T.int8), B: T.Tensor((N, K // 2), T.uint8),
             Ct: T.Tensor((N, M), T.int32)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), T.int8)
            B_shared = T.alloc_shared((block_N, block_K // 2), T.uint8)
            B_local = T.alloc_fragment((block_N, block_K), T.int8)
            Ct_local = T.alloc_fragment((block_N, block_M), T.int32)
            T.clear(Ct_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[bx * block_N, k * block_K // 2], B_shared)
                for i, j in T.Parallel(block_N, block_K):
                    B_local[i, j] = _u8_to_i4_to_i8(4, B_shared[i, j // 2], j % 2, T.int8)
                T.gemm(B_local, A_shared, Ct_local, transpose_B=True)
            T.copy(Ct_local, Ct[bx * block_N, by * block_M])
    return main
