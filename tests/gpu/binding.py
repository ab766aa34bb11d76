"""On a GPU machine: the Python binding launches kernels tilec compiled
ahead of time (tests/gpu/prepare.sh) on PyTorch tensors. Prints "binding:
ok" or raises."""

import os
import sys

import torch

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import tilec  # noqa: E402

kernels = os.path.join(root, "build", "gpu", "kernels")
a, b = (torch.randn(1_000_003, device="cuda") for _ in range(2))
c = torch.full_like(a, float("nan"))
tilec.load(os.path.join(kernels, "vector_add.ptx"))(a, b, c)
torch.cuda.synchronize()
assert torch.equal(c, a + b), "vector_add through the binding"

gemm = tilec.load(os.path.join(kernels, "gemm_fp16.ptx"))
x = torch.randn(1000, 1000, device="cuda", dtype=torch.float16)
y = torch.randn(1000, 1000, device="cuda", dtype=torch.float16)
z = torch.full((1000, 1000), float("nan"), device="cuda", dtype=torch.float16)
launch = gemm.bind(x, y, z)
for _ in range(3):
    launch()
torch.cuda.synchronize()
launch.free()
ref = x.float() @ y.float()
err = ((z.float() - ref).abs().max() / ref.abs().max()).item()
assert err < 1e-2, f"gemm through the binding: max rel err {err}"
try:
    gemm(x, y)  # a missing argument: an error naming it, not a crash
    raise AssertionError("two arguments for three parameters launched")
except TypeError as e:
    assert "missing C" in str(e), str(e)
    print(f"binding: a wrong call says: {e}")
try:
    gemm(x, y.float(), z)  # a wrong dtype, named
    raise AssertionError("a float32 B launched")
except TypeError as e:
    assert "argument 'B' must be a float16 tensor, got float32" in str(e), str(e)
z.fill_(float("nan"))
gemm(C=z, A=x, B=y)  # by name
torch.cuda.synchronize()
assert ((z.float() - ref).abs().max() / ref.abs().max()).item() < 1e-2, "gemm by keyword"
print(f"binding: ok (gemm max rel err {err:.2e})")
