# Helpers that make helpers, as TileLang's dequantizing examples write them:
# a plain function defines another, closed over its arguments, and returns
# it; the kernel calls what it returned. str(), string joins and
# startswith on compile-time values.
import tilelang
import tilelang.language as T


def make_affine(scale, offset=0):
    label = "x" + str(scale)

    def apply(v):
        assert label.startswith("x") and label.endswith(str(scale))
        return v * scale + offset

    return apply


@tilelang.jit(out_idx=[-1])
def affine(N, scale=3):
    @T.prim_func
    def main(X: T.Tensor((N,), "float32"), Y: T.Tensor((N,), "float32")):
        with T.Kernel(T.ceildiv(N, 32), threads=32) as bx:
            for i in T.Parallel(32):
                if bx * 32 + i < N:
                    Y[bx * 32 + i] = make_affine(scale, 1)(X[bx * 32 + i])
    return main
