"""`tilelang.carver.template`: schedule recommendations for a GEMM
(TileLang's roller), from a model of the device: tile shapes whose
pipelined shared-memory tiles fit, ranked by how evenly their blocks fill
the SMs (waves) and by arithmetic intensity. The hints have TileLang's
fields (block, warp, rstep, pipeline_stage, rasterization_plan)."""

import itertools
import math

from ... import language as _T
from .roller.rasterization import NoRasterization, Rasterization2DRow


class Hint:
    """One recommended schedule."""

    def __init__(self, block, warp, rstep, pipeline_stage, rasterization_plan, score):
        self.block, self.warp, self.rstep = block, warp, rstep
        self.pipeline_stage = pipeline_stage
        self.rasterization_plan = rasterization_plan
        self.score = score

    def __repr__(self):
        return (f"Hint(block={self.block}, warp={self.warp}, rstep={self.rstep}, "
                f"pipeline_stage={self.pipeline_stage}, {self.rasterization_plan})")


class MatmulTemplate:
    """C (M x N) = A (M x K) @ B (K x N), as TileLang's roller takes it."""

    def __init__(self, M, N, K, in_dtype="float16", out_dtype="float16",
                 accum_dtype="float32", with_bias=False):
        self.M, self.N, self.K = M, N, K
        self.in_dtype, self.out_dtype, self.accum_dtype = in_dtype, out_dtype, accum_dtype
        self.arch = None

    def with_arch(self, arch):
        self.arch = arch
        return self

    def equivalent_function(self):
        """What the template schedules (a description: tilec compiles the
        program's own kernel with the chosen configuration)."""
        return (f"matmul(M={self.M}, N={self.N}, K={self.K}, in={self.in_dtype}, "
                f"out={self.out_dtype}, accum={self.accum_dtype})")

    def recommend_hints(self, topk=10):
        """Up to `topk` schedules, best first."""
        if self.arch is None:
            from .arch import CUDA
            self.arch = CUDA()
        element = _T.DType(str(self.in_dtype)).bits // 8
        sms = self.arch.compute_max_core
        hints = []
        for bm, bn, bk, stages in itertools.product((64, 128, 256), (64, 128, 256), (32, 64, 128),
                                                    (2, 3, 4)):
            if bm * bn > 128 * 256 or bk * element > 128:
                continue  # accumulators past the register file; rows past a 128-byte swizzle
            shared = stages * (bm + bn) * bk * element
            if shared > self.arch.smem_cap:
                continue
            warps = 8 if bm * bn >= 128 * 128 else 4
            warp_rows = min(warps, max(1, bm // 64))
            warp = [bm // warp_rows, bn // (warps // warp_rows)]
            tiles = math.ceil(self.M / bm) * math.ceil(self.N / bn)
            waves = math.ceil(tiles / sms)
            fill = tiles / (waves * sms)  # of the SMs' time the blocks use
            reuse = bm * bn / (bm + bn)  # multiply-adds per element loaded
            padding = (self.M * self.N) / (math.ceil(self.M / bm) * bm * math.ceil(self.N / bn) * bn)
            depth = min(1.0, stages / 3) * min(1.0, math.ceil(self.K / bk) / stages)
            rows = min(1.0, bk * element / 128) ** 0.25  # whole 128-byte rows a load
            score = fill * reuse * padding * depth * rows
            plan = Rasterization2DRow(8) if tiles > sms else NoRasterization()
            hints.append(Hint([bm, bn], warp, [bk], stages, plan, score))
        hints.sort(key=lambda hint: -hint.score)
        return hints[:topk]
