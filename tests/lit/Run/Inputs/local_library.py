# Helpers from a package of the program's own (`from helpers_pkg import
# ...`), read as a library: the functions the tile language can read are
# helpers, the rest (torch code, C sources in strings) host code.
import tilelang
import tilelang.language as T
from helpers_pkg import MASK, scale_by


@tilelang.jit(out_idx=[-1])
def use_library(N):
    @T.prim_func
    def main(X: T.Tensor((N,), "int32"), Y: T.Tensor((N,), "int32")):
        with T.Kernel(1, threads=32) as _:
            for i in T.Parallel(N):
                Y[i] = scale_by(3)(X[i]) & MASK

    return main
