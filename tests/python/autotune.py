"""tilec.autotune and tilec.bench on the cpu target: candidates compiled in
parallel, one that does not compile and one that computes something else
dropped with the reason, the fastest kept, the choice found in the disk
cache by a second call. Prints "ok" when every check holds."""

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime",
                                "python"))
os.environ["TILEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="tilec-cache-")
import tilec  # noqa: E402
import tilec._autotune as tuning  # noqa: E402

SOURCE = """import tilelang.language as T


@T.prim_func
def scale(X: T.Tensor((N,), "float32"), Y: T.Tensor((N,), "float32"), block: T.const = 64,
          factor: T.const = 1):
    with T.Kernel(T.ceildiv(N, block), threads=32) as bx:
        for i in T.Parallel(block):
            Y[bx * block + i] = X[bx * block + i] * factor
"""

configs = [{"block": 64}, {"block": 128}, {"block": 64, "factor": 2}, {"block": 0}]
x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
y = np.full_like(x, np.nan)
result = tilec.autotune(source=SOURCE, kernel="scale", configs=configs, args=(x, y),
                        target="cpu", warmup=1, rep=3)
reasons = {str(config): reason for config, _, reason in result.rows}
assert result.config in ({"block": 64}, {"block": 128}), result.config
assert reasons[str({"block": 64, "factor": 2})].startswith("wrong result"), reasons
assert reasons[str({"block": 0})].startswith("does not compile"), reasons
assert not result.from_cache
assert np.isnan(y).all(), "the caller's arrays are not written"
table = result.table()
assert "best: block=" in table and "wrong result" in table, table
out = np.zeros_like(x)
result.kernel(x, out)
assert np.allclose(out, x), "the chosen kernel runs"

# The same call again: the choice comes from the tuning cache, and only the
# winner is compiled.
compiled = []
original = tuning.compile
tuning.compile = lambda *a, **k: compiled.append(k["defines"]) or original(*a, **k)
again = tilec.autotune(source=SOURCE, kernel="scale", configs=configs, args=(x, y),
                       target="cpu", warmup=1, rep=3)
tuning.compile = original
assert again.from_cache and again.config == result.config, (again.config, result.config)
assert len(compiled) == 1, compiled

# Random inputs from the kernel's signature, sizes from dims; no candidate
# that works is an error naming each reason.
best = tilec.autotune(source=SOURCE, kernel="scale", space={"block": [32, 256]},
                      dims={"N": 777}, target="cpu", warmup=1, rep=3)
assert best.config["block"] in (32, 256)
try:
    tilec.autotune(source=SOURCE, kernel="scale", configs=[{"block": 0}], dims={"N": 10},
                   target="cpu")
    raise AssertionError("a space where nothing compiles was accepted")
except tilec.CompileError as error:
    assert "no configuration compiles" in str(error), error

assert tilec.bench(lambda: sum(range(1000)), device="cpu", warmup=1, rep=2) > 0
print("ok")
