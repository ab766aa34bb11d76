# TileLang's eager form: one @jit function that is factory and kernel. The
# tensors annotated in its body are its parameters (the others compile-time
# values), T.const names their sizes, T.empty declares the outputs it
# returns.
import tilelang
import tilelang.language as T

dtype = T.float32


@tilelang.jit
def scale_rows(X, Scale, block, threads=64):
    M, N = T.const("M, N")
    assert 16 <= block <= 1024 and block == tilelang.next_power_of_2(block)
    X: T.Tensor((M, N), dtype)
    Scale: T.Tensor((M,), dtype)
    Y = T.empty((M, N), dtype)
    RowMax = T.empty((M,), dtype)

    with T.Kernel(M, threads=threads) as row:
        tile = T.alloc_fragment((block,), dtype)
        best = T.alloc_fragment((1,), dtype)
        T.fill(tile, -T.infinity(dtype))
        for j in T.Parallel(block):
            if j < N:
                tile[j] = X[row, j] * Scale[row]
                Y[row, j] = tile[j]
        T.reduce_max(tile, best, dim=0)
        RowMax[row] = best[0]

    return Y, RowMax
