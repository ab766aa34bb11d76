"""Timing a callable: `tilec.bench(fn)`.

    ms = tilec.bench(lambda: kernel(a, b, c))          # CUDA: events, L2 flushed
    ms = tilec.bench(lambda: cpu_kernel(a, b, c), device="cpu")
"""

import statistics
import time

__all__ = ["bench"]

# Bytes written before each timed call so that its inputs are not served
# from L2 (the H100/H200 L2 is 50 MiB).
_FLUSH_BYTES = 256 << 20
_flush_buffer = None


def bench(fn, warmup=25, rep=100, flush_l2=True, return_mode="median", device="cuda"):
    """Milliseconds one call of `fn` takes: warm for about `warmup` ms, then
    time about `rep` ms of calls one by one (CUDA events on the current
    stream, the L2 cache flushed before each call and not timed; on
    device="cpu" the wall clock) and return their median (or "mean",
    "min", "max" as `return_mode` says)."""
    if return_mode not in ("median", "mean", "min", "max"):
        raise ValueError(f"return_mode must be median, mean, min or max, not {return_mode!r}")
    if device == "cpu":
        times = _wall_clock_times(fn, warmup, rep)
    else:
        times = cuda_times(fn, warmup, rep, flush_l2)
    if return_mode == "median":
        return statistics.median(times)
    if return_mode == "mean":
        return statistics.fmean(times)
    return min(times) if return_mode == "min" else max(times)


def _counts(estimate_ms, warmup, rep):
    estimate_ms = max(estimate_ms, 1e-3)
    return max(1, int(warmup / estimate_ms)), max(3, min(10000, int(rep / estimate_ms)))


def _wall_clock_times(fn, warmup, rep):
    start = time.perf_counter()
    fn()
    n_warmup, n_repeat = _counts((time.perf_counter() - start) * 1e3, warmup, rep)
    for _ in range(n_warmup):
        fn()
    times = []
    for _ in range(n_repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def cuda_times(fn, warmup, rep, flush_l2, n_warmup=0, n_repeat=0):
    """The times (ms) of single calls of `fn` on the current CUDA stream
    after a warm-up of about `warmup` ms (or `n_warmup` calls), about `rep`
    ms of them (or `n_repeat`); the L2 cache flushed before each, untimed."""
    global _flush_buffer
    import torch
    if flush_l2 and _flush_buffer is None:
        _flush_buffer = torch.empty(_FLUSH_BYTES // 4, dtype=torch.int32, device="cuda")
    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(5):
        fn()
    end.record()
    torch.cuda.synchronize()
    estimated_warmup, estimated_repeat = _counts(start.elapsed_time(end) / 5, warmup, rep)
    n_warmup, n_repeat = n_warmup or estimated_warmup, n_repeat or estimated_repeat
    for _ in range(n_warmup):
        fn()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(n_repeat)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(n_repeat)]
    for begin, finish in zip(starts, ends):
        if flush_l2:
            _flush_buffer.zero_()
        begin.record()
        fn()
        finish.record()
    torch.cuda.synchronize()
    return [begin.elapsed_time(finish) for begin, finish in zip(starts, ends)]
