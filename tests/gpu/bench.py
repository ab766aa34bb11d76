"""On a GPU machine: tilec's kernels through the Python binding against their
peers in the same process, at shapes drawn from each family's grid (not
only the shapes the kernels were tuned at); writes a table and a chart.

    python3 tests/gpu/bench.py [--families attention,backward,decode,gemm,retention]
                               [--draw N] [--seed S] [--all] [--out DIR]

Each family's grid is below (GRIDS); --draw N cases of each are drawn at
random (seed S, printed), --all takes the whole grid. Every case is first
checked: the output against float64 PyTorch on a slice (the last query
rows of the first sequence, every head; the first rows for GEMM; the
backward's dQ of one K/V head's query heads); a case whose error
exceeds its bound fails the run after the table is written. Then timed:
CUDA events, the L2 flushed before each call, the median; tilec and its
peers alternate in rounds and each keeps the median of its round medians.

Peers: the attention forward and backward against PyTorch SDPA, each of
its fast backends (cuDNN, FlashAttention-2) timed and the fastest kept;
decoding against SDPA's fastest backend and against a device-to-device
copy of the same K/V bytes (the memory roofline of the run); GEMM against
cuBLAS (torch.matmul); chunkwise retention against FLA's chunk_retention
where `fla` imports (fla-core), else that family is left out, said so.
DIR/bench.md holds the table (date, GPU, command),
DIR/bench.svg each case's ratio to its peer against the family's bar.
Needs the tilec tool ($TILEC) to compile.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import tilec  # noqa: E402
import tilec.ops  # noqa: E402
from tilec._bench import cuda_times  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

# Each family's grid: the axes a case is drawn from.
GRIDS = {
    "attention": dict(dtype=("bf16", "fp16"), dim=(64, 128, 256),
                      heads=((16, 16), (32, 8)), causal=(False, True),
                      seq=(1024, 2048, 4096, 8192, 16384)),
    "backward": dict(dtype=("bf16", "fp16"), dim=(64, 128), heads=((16, 16), (32, 8)),
                     causal=(False, True), seq=(1024, 2048, 4096, 8192, 16384)),
    "decode": dict(batch=(1, 4, 8, 16, 32, 64), kv_len=(4096, 8192, 32768, 131072, 262144),
                   heads=((32, 8), (32, 4), (16, 16))),
    "gemm": dict(m=(1000, 2048, 4096, 6144, 8192), n=(1000, 3000, 5120, 8192, 6146),
                 k=(1000, 3072, 4096, 8192)),
    # (batch, seq, heads, dk, dv): FLA's three benchmark shapes first.
    "retention": dict(shape=((4, 4096, 32, 256, 512), (8, 2048, 16, 128, 256),
                             (2, 16384, 16, 128, 128), (4, 8192, 16, 128, 128),
                             (8, 4096, 32, 64, 128), (2, 8192, 8, 256, 256)),
                      backward=(False, True)),
}

# The bar each family's ratio is held to (ratio = peer time / tilec time,
# or the fraction of the copy bandwidth for decoding).
BARS = {"attention": 1.0, "backward": 1.0, "decode": 0.9, "gemm": 0.98, "retention": 1.5}
# Retention's forward and backward together.
RETENTION_TRAINING_BAR = 1.3

# Families measured at every case of their grid: retention's bar is set at
# FLA's own benchmark shapes.
MEASURED_WHOLE = {"retention"}

# Tokens a forward/backward case holds (batch = TOKENS // seq), as
# FlashAttention's own benchmarks keep the work about constant over lengths.
TOKENS = 32768
# Most K/V cache bytes a decoding case allocates.
CACHE_BYTES = 8 << 30


def median_ms(fn):
    return statistics.median(cuda_times(fn, warmup=10, rep=60, flush_l2=True))


def alternate(candidates, rounds=3):
    """name -> median over `rounds` rounds of each candidate's median time
    (ms), the candidates taking turns so that clocks and heat drift alike."""
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            times[name].append(median_ms(fn))
    return {name: statistics.median(t) for name, t in times.items()}


def measure(case, ours, peers):
    """Times tilec's call `ours` against `peers` (name -> callable), taking
    turns (alternate), into `case`; returns it."""
    times = alternate({"tilec": ours, **peers})
    case.ours = times.pop("tilec")
    case.peers = times
    return case


def sdpa_backends():
    """SDPA's fast backends, by name."""
    from torch.nn.attention import SDPBackend
    return {"cuDNN": SDPBackend.CUDNN_ATTENTION, "FA2": SDPBackend.FLASH_ATTENTION}


def runnable_sdpa(make_call):
    """name -> callable for each SDPA backend that takes these inputs
    (`make_call(backend)` returns the call under that backend)."""
    calls = {}
    for name, backend in sdpa_backends().items():
        try:
            call = make_call(backend)
            call()
            torch.cuda.synchronize()
        except RuntimeError:
            continue
        calls["SDPA " + name] = call
    return calls


def reference_rows(q, k, v, causal, rows):
    """float64 attention of the last `rows` queries of batch 0, every query
    head (head h reads K/V head h // (heads / kv_heads)): [rows, heads, dim]."""
    heads, kv_heads = q.shape[2], k.shape[2]
    groups = heads // kv_heads
    q_len, kv_len = q.shape[1], k.shape[1]
    out = []
    for g in range(kv_heads):  # one K/V head at a time: the scores stay small
        q64 = q[0, q_len - rows:, g * groups:(g + 1) * groups].double()
        k64, v64 = k[0, :, g].double(), v[0, :, g].double()
        scores = torch.einsum("qhd,kd->hqk", q64, k64) / q.shape[-1] ** 0.5
        if causal:
            position = torch.arange(q_len - rows, q_len, device=q.device) + kv_len - q_len
            visible = torch.arange(kv_len, device=q.device)[None, :] <= position[:, None]
            scores = scores.masked_fill(~visible, float("-inf"))
        out.append(torch.einsum("hqk,kd->qhd", scores.softmax(-1), v64))
    return torch.cat(out, dim=1)


def relative_error(got, want):
    return ((got.double() - want).abs().max() / want.abs().max()).item()


class Case:
    """One measured case: what was run, tilec's time, the peers' times."""

    def __init__(self, family, label, work, unit):
        self.family, self.label, self.work, self.unit = family, label, work, unit
        self.bar = BARS[family]
        self.ours = None
        self.peers = {}
        self.error = None
        self.bound = None
        self.note = ""

    def best_peer(self):
        return min(self.peers.items(), key=lambda item: item[1])

    def ratio(self):
        """peer / tilec (decoding: the fraction of the copy's bandwidth)."""
        if self.family == "decode":
            return self.peers["copy"] / self.ours
        return self.best_peer()[1] / self.ours

    def rate(self, ms):
        return f"{self.work / ms / 1e9:.0f} {self.unit}" if self.unit == "TFLOP/s" else \
            f"{self.work / ms / 1e9:.2f} {self.unit}"

    def passed_numerics(self):
        return self.error is not None and self.error <= self.bound


def attention_case(dtype, dim, heads, causal, seq):
    heads, kv_heads = heads
    batch = max(1, TOKENS // seq)
    group = "MHA" if heads == kv_heads else f"GQA {heads}/{kv_heads}"
    case = Case("attention", f"{dtype} d{dim} {group}{' causal' if causal else ''} "
                f"b{batch} s{seq}", 4 * batch * heads * seq * seq * dim *
                (0.5 if causal else 1.0), "TFLOP/s")
    torch.manual_seed(seq + dim)
    dt = DTYPES[dtype]
    q = torch.randn(batch, seq, heads, dim, device="cuda", dtype=dt)
    k, v = (torch.randn(batch, seq, kv_heads, dim, device="cuda", dtype=dt) for _ in range(2))

    def ours():
        with torch.no_grad():
            return tilec.ops.attention(q, k, v, causal=causal)

    out = ours()
    rows = min(seq, 64)
    case.error = relative_error(out[0, seq - rows:], reference_rows(q, k, v, causal, rows))
    case.bound = 2e-2
    qt, kt, vt = (t.transpose(1, 2) for t in (q, k, v))

    def sdpa_call(backend):
        from torch.nn.attention import sdpa_kernel

        def call():
            with sdpa_kernel([backend]):
                return F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal,
                                                      enable_gqa=heads != kv_heads)
        return call

    return measure(case, ours, runnable_sdpa(sdpa_call))


def backward_case(dtype, dim, heads, causal, seq):
    heads, kv_heads = heads
    batch = max(1, TOKENS // seq)
    group = "MHA" if heads == kv_heads else f"GQA {heads}/{kv_heads}"
    case = Case("backward", f"{dtype} d{dim} {group}{' causal' if causal else ''} "
                f"b{batch} s{seq}", 2.5 * 4 * batch * heads * seq * seq * dim *
                (0.5 if causal else 1.0), "TFLOP/s")
    torch.manual_seed(seq + dim + 1)
    dt = DTYPES[dtype]
    q = torch.randn(batch, seq, heads, dim, device="cuda", dtype=dt, requires_grad=True)
    k, v = (torch.randn(batch, seq, kv_heads, dim, device="cuda", dtype=dt,
                        requires_grad=True) for _ in range(2))
    grad = torch.randn_like(q)
    out = tilec.ops.attention(q, k, v, causal=causal)

    def ours():
        return torch.autograd.grad(out, (q, k, v), grad, retain_graph=True)

    # Gradients of the last rows' queries against float64 (dq of those rows
    # depends only on them; dk/dv on every row, checked by training.py).
    dq = ours()[0]
    rows = min(seq, 64)
    groups = heads // kv_heads
    q64 = q[:1, seq - rows:, :groups].detach().double().requires_grad_()
    k64, v64 = (t[:1, :, :1].detach().double() for t in (k, v))
    scores = torch.einsum("bqhd,bkhd->bhqk", q64, k64) / dim ** 0.5
    if causal:
        position = torch.arange(seq - rows, seq, device="cuda")
        visible = torch.arange(seq, device="cuda")[None, :] <= position[:, None]
        scores = scores.masked_fill(~visible, float("-inf"))
    ref = torch.einsum("bhqk,bkhd->bqhd", scores.softmax(-1), v64)
    ref.backward(grad[:1, seq - rows:, :groups].double())
    case.error = relative_error(dq[:1, seq - rows:, :groups], q64.grad)
    case.bound = 2e-2
    qt, kt, vt = (t.detach().transpose(1, 2).requires_grad_() for t in (q, k, v))
    grad_t = grad.transpose(1, 2)

    def sdpa_call(backend):
        from torch.nn.attention import sdpa_kernel
        with sdpa_kernel([backend]):
            ref_out = F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal,
                                                     enable_gqa=heads != kv_heads)

        def call():
            with sdpa_kernel([backend]):
                return torch.autograd.grad(ref_out, (qt, kt, vt), grad_t, retain_graph=True)
        return call

    return measure(case, ours, runnable_sdpa(sdpa_call))


def decode_case(batch, kv_len, heads):
    heads, kv_heads = heads
    dim = 128
    cache = 2 * batch * kv_len * kv_heads * dim * 2
    if cache > CACHE_BYTES:
        return None
    case = Case("decode", f"bf16 d{dim} h{heads}/{kv_heads} b{batch} L{kv_len}", cache, "TB/s")
    torch.manual_seed(batch + kv_len)
    q = torch.randn(batch, heads, dim, device="cuda", dtype=torch.bfloat16)
    k, v = (torch.randn(batch, kv_len, kv_heads, dim, device="cuda", dtype=torch.bfloat16)
            for _ in range(2))

    def ours():
        return tilec.ops.decode_variant("dense", q, k, v)

    out = ours()
    case.error = relative_error(out[0], reference_rows(q[:, None], k, v, False, 1)[0])
    case.bound = 2e-2
    source = torch.cat([k.flatten(), v.flatten()])
    target = torch.empty_like(source)
    qt, kt, vt = q[:, :, None], k.transpose(1, 2), v.transpose(1, 2)

    def sdpa_call(backend):
        from torch.nn.attention import sdpa_kernel

        def call():
            with sdpa_kernel([backend]):
                return F.scaled_dot_product_attention(qt, kt, vt, enable_gqa=heads != kv_heads)
        return call

    measure(case, ours, {"copy": lambda: target.copy_(source), **runnable_sdpa(sdpa_call)})
    # A copy reads and writes the bytes: the time it takes per byte moved
    # once is half of its time.
    case.peers["copy"] /= 2
    sdpa = {name: ms for name, ms in case.peers.items() if name != "copy"}
    if sdpa:
        name, ms = min(sdpa.items(), key=lambda item: item[1])
        case.note = f"{name} x{ms / case.ours:.2f}"
    del source, target
    return case


def gemm_case(m, n, k):
    case = Case("gemm", f"fp16 {m}x{n}x{k}", 2 * m * n * k, "TFLOP/s")
    torch.manual_seed(m + n + k)
    a = torch.randn(m, k, device="cuda", dtype=torch.float16)
    b = torch.randn(k, n, device="cuda", dtype=torch.float16)
    c = torch.empty(m, n, device="cuda", dtype=torch.float16)

    def ours():
        tilec.ops.matmul(a, b, out=c)

    ours()
    rows = slice(0, min(m, 256))
    case.error = relative_error(c[rows], a[rows].double() @ b.double())
    case.bound = 1e-2
    return measure(case, ours, {"cuBLAS": lambda: torch.matmul(a, b)})


def retention_case(shape, backward):
    """Chunkwise retention (tilec.ops.retention) against FLA's
    chunk_retention, the same decay (gamma_h = 1 - 2^(-5 - h)) and scale."""
    try:
        from fla.ops.retention import chunk_retention
    except ImportError:
        return None
    batch, seq, heads, dk, dv = shape
    flops = 2 * batch * heads * seq * seq * (dk + dv) / 2 * (3.5 if backward else 1.0)
    case = Case("retention", f"bf16 B{batch} T{seq} H{heads} K{dk} V{dv}"
                f"{' fwd+bwd' if backward else ' fwd'}", flops, "TFLOP/s")
    if backward:
        case.bar = RETENTION_TRAINING_BAR
    torch.manual_seed(seq + dk)
    q, k = (torch.randn(batch, seq, heads, dk, device="cuda", dtype=torch.bfloat16,
                        requires_grad=backward) for _ in range(2))
    v = torch.randn(batch, seq, heads, dv, device="cuda", dtype=torch.bfloat16,
                    requires_grad=backward)
    grad = torch.randn(batch, seq, heads, dv, device="cuda", dtype=torch.bfloat16)

    def timed(forward):
        if not backward:
            def call():
                with torch.no_grad():
                    return forward()
            return call
        return lambda: torch.autograd.grad(forward(), (q, k, v), grad)

    ours = timed(lambda: tilec.ops.retention(q, k, v))
    theirs = timed(lambda: chunk_retention(q, k, v)[0])
    with torch.no_grad():
        out = tilec.ops.retention(q, k, v)
    # The last rows of batch 0, head 0 against float64.
    rows = min(seq, 64)
    q64, k64, v64 = q[0, seq - rows:, 0].double(), k[0, :, 0].double(), v[0, :, 0].double()
    position = torch.arange(seq - rows, seq, device="cuda", dtype=torch.float64)
    distance = position[:, None] - torch.arange(seq, device="cuda", dtype=torch.float64)[None]
    decay = torch.where(distance >= 0, (1 - 2.0 ** -5) ** distance.clamp(min=0), 0.0)
    want = (q64 @ k64.T / dk ** 0.5 * decay) @ v64
    case.error = relative_error(out[0, seq - rows:, 0], want)
    case.bound = 2e-2
    return measure(case, ours, {"FLA": theirs})


MAKERS = {"attention": attention_case, "backward": backward_case, "decode": decode_case,
          "gemm": gemm_case, "retention": retention_case}


def draw(family, count, rng, everything):
    """`count` distinct cases of `family`'s grid (all of them with
    `everything`), as argument tuples in grid order."""
    axes = list(GRIDS[family].values())
    everything = everything or family in MEASURED_WHOLE
    cells = [()]
    for axis in axes:
        cells = [cell + (value,) for cell in cells for value in axis]
    if everything or count >= len(cells):
        return cells
    chosen = sorted(rng.sample(range(len(cells)), count))
    return [cells[i] for i in chosen]


def table(cases):
    lines = ["| family | case | tilec | best peer | ratio | bar | numerics |",
             "|---|---|---|---|---|---|---|"]
    for case in cases:
        if case.ours is None:
            lines.append(f"| {case.family} | {case.label} | {case.note} | | | | |")
            continue
        bar = case.bar
        if case.family == "decode":
            peer = f"copy {case.rate(case.peers['copy'])}"
            if case.note:
                peer += f"; {case.note}"
            ratio = f"{case.ratio() * 100:.0f}% of copy"
            bar_text = f"{bar * 100:.0f}%"
        else:
            name, ms = case.best_peer()
            peer = f"{name} {ms:.3f} ms ({case.rate(ms)})"
            ratio = f"{case.ratio():.2f}"
            bar_text = f"{bar:.2f}"
        numerics = f"{case.error:.1e}" + ("" if case.passed_numerics() else " FAIL")
        lines.append(f"| {case.family} | {case.label} | {case.ours:.3f} ms "
                     f"({case.rate(case.ours)}) | {peer} | {ratio} | "
                     f"{'ok' if case.ratio() >= bar else 'below'} {bar_text} | {numerics} |")
    return "\n".join(lines)


def chart(cases, title):
    """An SVG of each case's ratio to its peer as a horizontal bar, a line
    at 1.0 and at the family's bar."""
    measured = [c for c in cases if c.ours is not None]
    row, left, width = 16, 330, 420
    top = 40
    height = top + row * len(measured) + 40
    scale = max([1.5] + [c.ratio() for c in measured])
    x = lambda value: left + width * value / scale  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 70}" '
             f'height="{height}" font-family="sans-serif" font-size="11">',
             f'<text x="10" y="20" font-size="13">{title}</text>']
    for i, case in enumerate(measured):
        y = top + i * row
        ok = case.ratio() >= case.bar
        parts.append(f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">'
                     f'{case.family}: {case.label}</text>')
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{x(case.ratio()) - left:.1f}" '
                     f'height="{row - 4}" fill="{"#3a7d44" if ok else "#c0392b"}"/>')
        parts.append(f'<text x="{x(case.ratio()) + 4:.1f}" y="{y + 11}">'
                     f'{case.ratio():.2f}</text>')
        bar = case.bar
        parts.append(f'<line x1="{x(bar):.1f}" x2="{x(bar):.1f}" y1="{y}" y2="{y + row}" '
                     f'stroke="#333" stroke-dasharray="2,2"/>')
    bottom = top + row * len(measured)
    for tick in range(0, int(scale * 4) + 1):
        value = tick / 4
        parts.append(f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{top}" '
                     f'y2="{bottom}" stroke="#ddd"/>')
        parts.append(f'<text x="{x(value):.1f}" y="{bottom + 14}" text-anchor="middle">'
                     f'{value:g}</text>')
    parts.append(f'<text x="{left}" y="{bottom + 30}">ratio to the best peer (decoding: '
                 'fraction of the copy bandwidth); dashed: the bar</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default="attention,backward,decode,gemm,retention")
    parser.add_argument("--draw", type=int, default=8, help="cases drawn per family")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--all", action="store_true", help="every case of each grid")
    parser.add_argument("--out", default=None, help="folder for bench.md and bench.svg")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 16)
    rng = random.Random(seed)
    command = "python3 tests/gpu/bench.py " + " ".join(
        [f"--families {args.families}"] + (["--all"] if args.all else
                                           [f"--draw {args.draw}", f"--seed {seed}"]))
    gpu = torch.cuda.get_device_name()
    print(f"bench: {gpu}, torch {torch.__version__}, {command}", flush=True)
    cases = []
    for family in args.families.split(","):
        if family not in MAKERS:
            raise SystemExit(f"bench: no family '{family}' (one of {', '.join(MAKERS)})")
        for cell in draw(family, args.draw, rng, args.all):
            try:
                case = MAKERS[family](*cell)
            except (RuntimeError, ValueError) as error:  # e.g. a shape a kernel refuses
                case = Case(family, " ".join(map(str, cell)), 0, "")
                case.note = f"not run: {str(error).splitlines()[0][:120]}"
            if case is None:
                if family == "retention":
                    print("bench: retention left out: FLA (fla-core) does not import")
                    break
                continue
            torch.cuda.empty_cache()
            cases.append(case)
            print(table([case]).splitlines()[-1], flush=True)
    date = datetime.date.today().isoformat()
    text = (f"# Benchmark: {date}, {gpu}\n\n`{command}` (torch {torch.__version__}); "
            f"ratio = best peer's time / tilec's (decoding: bandwidth / the copy's).\n\n"
            f"{table(cases)}\n")
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "bench.md"), "w") as f:
            f.write(text)
        with open(os.path.join(args.out, "bench.svg"), "w") as f:
            f.write(chart(cases, f"tilec against its peers, {date}, {gpu}"))
    failed = [c for c in cases if c.ours is not None and not c.passed_numerics()]
    unrun = [c for c in cases if c.ours is None]
    for case in failed:
        print(f"bench: numerics FAILED: {case.family} {case.label}: error {case.error:.2e} "
              f"> {case.bound:.0e}")
    for case in unrun:
        print(f"bench: not run: {case.family} {case.label}: {case.note}")
    below = sum(1 for c in cases if c.ours is not None and c.ratio() < c.bar)
    print(f"bench: {len(cases) - len(unrun)} cases, {below} below their bar, "
          f"{len(failed)} numerics failures, {len(unrun)} not run")
    sys.exit(1 if failed or unrun else 0)


if __name__ == "__main__":
    main()
