"""On a GPU machine: trains two small models for 200 steps each, once with
tilec's kernels (tilec.ops) and once with PyTorch's (SDPA; retention in
float32), from the same seed and data, and writes both loss curves:
a 2-layer attention model and a 2-layer RetNet-style model on a synthetic
copy task (predict the token k places back). The curves agree within bf16
noise when the kernels' gradients are right.

    TILEC=<tilec> python3 tests/gpu/train_models.py [--out losses.csv] [--svg curves.svg]
"""

import argparse
import math
import os
import sys
import tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
os.environ.setdefault("TILEC_CACHE_DIR", tempfile.mkdtemp(prefix="tilec-cache-"))
sys.path.insert(0, os.path.join(root, "runtime", "python"))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import tilec.ops  # noqa: E402

VOCAB, SEQ, DIM, HEADS, HEAD_DIM = 64, 256, 256, 4, 64


def reference_retention(q, k, v):
    """float32 retention, [batch, seq, heads, d], gamma_h = 1 - 2^(-5 - h)."""
    seq, heads = q.shape[1], q.shape[2]
    gamma = 1 - 2.0 ** (-5 - torch.arange(heads, device=q.device, dtype=torch.float32))
    t = torch.arange(seq, device=q.device, dtype=torch.float32)
    decay = torch.where(t[:, None] >= t[None, :],
                        gamma[:, None, None] ** (t[:, None] - t[None, :]).clamp(min=0), 0.0)
    scores = torch.einsum("bqhd,bkhd->bhqk", q.float(), k.float()) / q.shape[-1] ** 0.5 * decay
    return torch.einsum("bhqk,bkhe->bqhe", scores, v.float()).to(q.dtype)


class Layer(nn.Module):
    def __init__(self, kind, use_tilec):
        super().__init__()
        self.kind, self.use_tilec = kind, use_tilec
        self.norm1, self.norm2 = nn.LayerNorm(DIM), nn.LayerNorm(DIM)
        self.qkv = nn.Linear(DIM, 3 * DIM, bias=False)
        self.out = nn.Linear(DIM, DIM, bias=False)
        self.mlp = nn.Sequential(nn.Linear(DIM, 4 * DIM), nn.GELU(), nn.Linear(4 * DIM, DIM))

    def mix(self, x):
        batch = x.shape[0]
        q, k, v = self.qkv(x).view(batch, SEQ, 3, HEADS, HEAD_DIM).unbind(2)
        if self.kind == "attention":
            if self.use_tilec:
                return tilec.ops.attention(q, k, v, causal=True)
            o = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                               v.transpose(1, 2), is_causal=True)
            return o.transpose(1, 2)
        if self.use_tilec:
            return tilec.ops.retention(q, k, v)
        return reference_retention(q, k, v)

    def forward(self, x):
        x = x + self.out(self.mix(self.norm1(x)).reshape(x.shape))
        return x + self.mlp(self.norm2(x))


class Model(nn.Module):
    def __init__(self, kind, use_tilec):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.layers = nn.ModuleList([Layer(kind, use_tilec) for _ in range(2)])
        self.head = nn.Linear(DIM, VOCAB)

    def forward(self, tokens):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


def train(kind, use_tilec, steps, lag=8):
    torch.manual_seed(0)
    model = Model(kind, use_tilec).cuda().to(torch.bfloat16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    data = torch.Generator(device="cuda").manual_seed(1)
    losses = []
    for _ in range(steps):
        tokens = torch.randint(0, VOCAB, (16, SEQ), device="cuda", generator=data)
        target = torch.roll(tokens, lag, dims=1)
        logits = model(tokens)[:, lag:].float()
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), target[:, lag:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def svg(curves, path):
    """The loss curves as a small SVG (no plotting library needed)."""
    width, height, pad = 640, 360, 40
    top = max(max(c) for c in curves.values())
    steps = max(len(c) for c in curves.values())
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
    lines = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for index, (name, values) in enumerate(curves.items()):
        points = " ".join(
            f"{pad + i * (width - 2 * pad) / (steps - 1):.1f},"
            f"{height - pad - v / top * (height - 2 * pad):.1f}" for i, v in enumerate(values))
        lines.append(f'<polyline fill="none" stroke="{colors[index % 4]}" stroke-width="1.5" '
                     f'points="{points}"/>')
        lines.append(f'<text x="{width - 220}" y="{20 + 16 * index}" fill="{colors[index % 4]}" '
                     f'font-size="12">{name}</text>')
    lines.append(f'<text x="{pad}" y="{height - 10}" font-size="12">step (0..{steps - 1}); '
                 f'loss (0..{top:.2f})</text></svg>')
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--out", default="losses.csv")
    parser.add_argument("--svg", default="")
    args = parser.parse_args()
    curves = {}
    for kind in ("attention", "retention"):
        ours = train(kind, True, args.steps)
        theirs = train(kind, False, args.steps)
        curves[f"{kind} (tilec)"], curves[f"{kind} (PyTorch)"] = ours, theirs
        gap = max(abs(a - b) for a, b in zip(ours, theirs))
        print(f"train_models: {kind}: loss {ours[0]:.3f} -> {ours[-1]:.3f} with tilec, "
              f"{theirs[0]:.3f} -> {theirs[-1]:.3f} with PyTorch; largest gap {gap:.3f}")
        assert math.isfinite(ours[-1]) and abs(ours[-1] - theirs[-1]) < 0.1 * theirs[0], kind
    with open(args.out, "w") as f:
        f.write("step," + ",".join(curves) + "\n")
        for step in range(args.steps):
            f.write(f"{step}," + ",".join(f"{c[step]:.5f}" for c in curves.values()) + "\n")
    if args.svg:
        svg(curves, args.svg)
    print("train_models: ok")


if __name__ == "__main__":
    main()
