"""Timing and checking a kernel on random inputs (TileLang's profiler API).

    profiler = kernel.get_profiler()          # kernel: a @tilec.jit kernel
    profiler.assert_allclose(reference, rtol=1e-2, atol=1e-2)
    ms = profiler.do_bench()                  # the kernel on random inputs
    ms = do_bench(lambda: torch.mm(a, b))     # any callable
"""

import enum

__all__ = ["TensorSupplyType", "Profiler", "do_bench"]


class TensorSupplyType(enum.Enum):
    """How a profiler fills the inputs it makes."""
    Integer = 1   # integers in [-2, 2]
    Uniform = 2   # uniform in [-1, 1)
    Normal = 3    # standard normal
    Randn = 4     # standard normal
    Zero = 5
    One = 6
    Auto = 7      # standard normal floats, integers in [-2, 2]


def do_bench(fn, warmup=25, rep=100, _n_warmup=0, _n_repeat=0, quantiles=None,
             return_mode="mean", **_ignored):
    """Milliseconds a call of `fn` takes on the current CUDA stream: warm
    for about `warmup` ms, then time about `rep` ms of calls one by one with
    CUDA events, the L2 cache flushed before each (`_n_warmup`/`_n_repeat`
    fix the counts); the mean, median, min or max as `return_mode` says, or
    the `quantiles`."""
    import torch
    from ._bench import cuda_times
    times = torch.tensor(cuda_times(fn, warmup, rep, True, _n_warmup, _n_repeat),
                         dtype=torch.float64)
    if quantiles is not None:
        values = torch.quantile(times, torch.tensor(quantiles, dtype=torch.float64)).tolist()
        return values[0] if len(values) == 1 else values
    return getattr(torch, return_mode)(times).item()


class Profiler:
    """Random inputs for a compiled kernel's inputs (static shapes), its
    outputs checked against a reference program, its time measured."""

    def __init__(self, kernel, supply=TensorSupplyType.Auto):
        self.kernel, self.supply = kernel, supply

    @property
    def func(self):
        """The kernel (TileLang's name for what the profiler runs)."""
        return self.kernel

    def _input(self, param):
        if param["kind"] != "tensor":
            return 1.0 if param["dtype"].startswith(("float", "bfloat")) else 1
        shape = param["shape"]
        if any(isinstance(extent, str) for extent in shape):
            raise TypeError(f"the profiler makes inputs of fixed shapes; '{param['name']}' has "
                            f"the symbolic shape {shape}: call the kernel on tensors instead")
        if getattr(self.kernel, "target", None) == "cpu":
            return self._numpy_input(param, shape)
        import torch
        from ._arguments import TORCH
        dtype = getattr(torch, TORCH[param["dtype"]])
        floating = dtype.is_floating_point
        supply = self.supply
        if supply == TensorSupplyType.Zero:
            return torch.zeros(shape, dtype=dtype, device="cuda")
        if supply == TensorSupplyType.One:
            return torch.ones(shape, dtype=dtype, device="cuda")
        if supply == TensorSupplyType.Integer or not floating:
            low = 0 if dtype == torch.uint8 or dtype == torch.bool else -2
            return torch.randint(low, 3, shape, device="cuda").to(dtype)
        if supply == TensorSupplyType.Uniform:
            return (torch.rand(shape, device="cuda") * 2 - 1).to(dtype)
        return torch.randn(shape, device="cuda").to(dtype)

    def _numpy_input(self, param, shape):
        """A NumPy array of the parameter's shape and dtype: the cpu target's."""
        import numpy as np
        from ._arguments import numpy_dtype
        dtype = np.dtype(numpy_dtype(param))
        rng = np.random.default_rng()
        if self.supply == TensorSupplyType.Zero:
            return np.zeros(shape, dtype)
        if self.supply == TensorSupplyType.One:
            return np.ones(shape, dtype)
        if self.supply == TensorSupplyType.Integer or dtype.kind in "iub":
            low = 0 if dtype.kind in "ub" else -2
            return rng.integers(low, 3, shape).astype(dtype)
        if self.supply == TensorSupplyType.Uniform:
            return rng.uniform(-1, 1, shape).astype(dtype)
        return rng.standard_normal(shape).astype(dtype)

    def _inputs(self):
        return [self._input(p) for i, p in enumerate(self.kernel.params)
                if i not in self.kernel.outputs]

    def run_once(self, func=None):
        inputs = self._inputs()
        return (func or self.kernel)(*inputs)

    def assert_allclose(self, reference_program, atol=1e-2, rtol=1e-2,
                        max_mismatched_ratio=0.01):
        """The kernel's outputs on random inputs agree with
        `reference_program(*inputs)` (|a - b| <= atol + rtol |b| on all but
        `max_mismatched_ratio` of the elements)."""
        inputs = self._inputs()
        outputs = self.kernel(*inputs)
        expected = reference_program(*inputs)
        outputs = outputs if isinstance(outputs, (tuple, list)) else [outputs]
        expected = expected if isinstance(expected, (tuple, list)) else [expected]
        for index, (got, want) in enumerate(zip(outputs, expected)):
            if getattr(self.kernel, "target", None) == "cpu":  # NumPy arrays
                import numpy as np
                got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
                bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
                ratio = float(bad.mean()) if bad.size else 0.0
                worst = float(np.abs(got - want).max()) if bad.size else 0.0
            else:
                import torch
                got, want = got.double(), torch.as_tensor(want).to(got.device).double()
                bad = ~torch.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
                ratio = bad.float().mean().item() if bad.numel() else 0.0
                worst = (got - want).abs().max().item() if bad.numel() else 0.0
            if ratio > max_mismatched_ratio:
                raise AssertionError(f"output {index}: {ratio:.2%} of the elements differ from "
                                     f"the reference (largest difference {worst:.3g})")

    def do_bench(self, func=None, warmup=25, rep=100, n_warmup=0, n_repeat=0,
                 input_tensors=None, **_ignored):
        """Milliseconds a call of the kernel (or of `func`) takes on random
        inputs (or `input_tensors`)."""
        inputs = input_tensors if input_tensors is not None else self._inputs()
        target = func or self.kernel
        if getattr(self.kernel, "target", None) == "cpu":  # the wall clock
            from ._bench import bench
            return bench(lambda: target(*inputs), warmup, rep, return_mode="mean", device="cpu")
        return do_bench(lambda: target(*inputs), warmup=warmup, rep=rep,
                        _n_warmup=n_warmup, _n_repeat=n_repeat)
