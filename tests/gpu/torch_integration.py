"""On a GPU machine: tilec's kernels inside PyTorch's machinery.
FlashAttention registered as torch.library custom ops
(tilec.ops.register_custom_ops) agrees with tilec.ops.attention forward and
backward, runs inside a torch.compile'd function (fullgraph), and tilec
launches replay from a captured CUDA graph. Prints "torch integration: ok"
or raises. Needs the tilec tool ($TILEC)."""

import os
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import torch  # noqa: E402
import tilec.ops  # noqa: E402


def close(a, b, label):
    error = ((a.float() - b.float()).abs().max() / b.float().abs().max()).item()
    assert error < 1e-2, f"{label}: relative error {error:.3g}"
    return error


def main():
    torch.manual_seed(0)
    shape = (2, 300, 8, 128)
    q, k, v = (torch.randn(*shape, device="cuda", dtype=torch.bfloat16, requires_grad=True)
               for _ in range(3))
    grad = torch.randn_like(q)
    attention = tilec.ops.register_custom_ops()

    # The custom op against the autograd.Function.
    out = attention(q, k, v, causal=True)
    dq, dk, dv = torch.autograd.grad(out, (q, k, v), grad)
    ref = tilec.ops.attention(q, k, v, causal=True)
    rq, rk, rv = torch.autograd.grad(ref, (q, k, v), grad)
    for got, want, label in ((out, ref, "out"), (dq, rq, "dq"), (dk, rk, "dk"), (dv, rv, "dv")):
        close(got, want, f"custom op {label}")
    print("torch integration: custom ops agree with tilec.ops.attention (forward, backward)")

    # Inside torch.compile, with its own operations around the op.
    def block(q, k, v):
        return attention(q * 0.5, k, v, causal=True).float().square().sum()

    compiled = torch.compile(block, fullgraph=True)
    loss = compiled(q, k, v)
    grads = torch.autograd.grad(loss, (q, k, v))
    eager = block(q, k, v)
    eager_grads = torch.autograd.grad(eager, (q, k, v))
    close(loss, eager, "torch.compile loss")
    for got, want, label in zip(grads, eager_grads, ("dq", "dk", "dv")):
        close(got, want, f"torch.compile {label}")
    print("torch integration: torch.compile(fullgraph=True) through the custom op, forward and "
          "backward agree with eager")

    # A CUDA graph of tilec launches: captured once, replayed on new inputs.
    static_q, static_k, static_v = (t.detach().clone() for t in (q, k, v))
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up (compile, load) outside the capture
        tilec.ops.attention(static_q, static_k, static_v, causal=True)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = tilec.ops.attention(static_q, static_k, static_v, causal=True)
    for step in range(3):
        fresh = [torch.randn(*shape, device="cuda", dtype=torch.bfloat16) for _ in range(3)]
        for static, value in zip((static_q, static_k, static_v), fresh):
            static.copy_(value)
        graph.replay()
        close(static_out, tilec.ops.attention(*fresh, causal=True), f"CUDA graph replay {step}")
    print("torch integration: a CUDA graph of tilec launches replays correctly on new inputs")
    launch_overhead()
    other_device()
    print("torch integration: ok")


def other_device():
    """With two GPUs: a kernel runs on its tensors' device whatever the
    current one is."""
    if torch.cuda.device_count() < 2:
        print("torch integration: one GPU: the other-device check is skipped")
        return
    q, k, v = (torch.randn(1, 200, 4, 128, device="cuda:1", dtype=torch.bfloat16)
               for _ in range(3))
    with torch.cuda.device(0):
        out = tilec.ops.attention(q, k, v, causal=True)
    assert out.device == q.device
    close(out.to("cuda:0"), tilec.ops.attention(*(t.to("cuda:0") for t in (q, k, v)),
                                                causal=True), "cuda:1")
    print("torch integration: tensors on cuda:1 while cuda:0 is current: correct")


def launch_overhead(calls=2000):
    """Host time per launch of a small kernel: a call with the arguments of
    the previous one (the kept plan), a bound launch, and torch.add; through
    the C launcher (tilec._launcher) where it was built, and through the
    Python path, in the same process."""
    import time
    import tilec
    from tilec import _cuda
    add = tilec.compile(os.path.join(root, "kernels", "elementwise.tl"), "vector_add")
    a, b, c = (torch.randn(4096, device="cuda") for _ in range(3))

    def per_call(fn):
        for _ in range(100):
            fn()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        torch.cuda.synchronize()
        return elapsed / calls * 1e6

    python_path = _cuda.CUDAKernel(add.ptx, add.metadata_path, add.from_cache)
    python_path._launcher = False  # calls take the Python path
    python_bound = python_path._python_launch(*python_path._bind_plan((a, b, c), {}))
    rows = []
    if _cuda._launcher_module() is not None:
        bound = add.bind(a, b, c)
        rows += [("C launcher: call", lambda: add(a, b, c)), ("C launcher: bound", bound),
                 ("C launcher: call by name", lambda: add(A=a, B=b, C=c))]
    else:
        print("torch integration: tilec._launcher was not built: the Python path only")
    rows += [("Python path: call", lambda: python_path(a, b, c)),
             ("Python path: bound", python_bound),
             ("torch.add(a, b, out=c)", lambda: torch.add(a, b, out=c)),
             ("torch.add(a, b)", lambda: torch.add(a, b))]
    for _ in range(2):  # the second round is the one to read
        times = [(name, per_call(fn)) for name, fn in rows]
    close(c, a + b, "vector_add")
    for name, us in times:
        print(f"torch integration: host time per launch: {name:28s} {us:6.2f} us")
    python_bound.free()


if __name__ == "__main__":
    main()
