"""TileLang's autotuner: `@autotune(configs=...)` over a `@tilelang.jit`
factory tries each configuration a call leaves open and keeps the fastest."""

import itertools

__all__ = ["autotune", "AutoTuner", "AutotuneResult", "set_autotune_inputs"]

# The inputs `set_autotune_inputs` gives the autotuned calls inside it.
_inputs = None


class set_autotune_inputs:
    """`with set_autotune_inputs(a, b, ...):` autotuned kernels created
    inside time their configurations on these inputs (the kernel's
    arguments other than its outputs) instead of random ones."""

    def __init__(self, *inputs):
        if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
            inputs = tuple(inputs[0])
        self.inputs, self.saved = list(inputs), None

    def __enter__(self):
        global _inputs
        self.saved, _inputs = _inputs, self.inputs
        return self

    def __exit__(self, *exc):
        global _inputs
        _inputs = self.saved


class AutoTuner:
    """A kernel factory with configurations to choose from."""

    def __init__(self, factory, configs, warmup=25, rep=100):
        self.factory, self.configs, self.warmup, self.rep = factory, configs, warmup, rep
        self.best = {}
        self.__name__ = getattr(factory, "__name__", "kernel")

    def _configs(self, args, kwargs):
        configs = self.configs(*args, **kwargs) if callable(self.configs) else self.configs
        if isinstance(configs, dict):  # {name: [values]}
            keys = list(configs)
            configs = [dict(zip(keys, values)) for values in itertools.product(*configs.values())]
        return list(configs)

    def _fastest(self, key, configs, time_one):
        """(config, milliseconds) of the fastest configuration, timed by
        `time_one(config)` once per key; those that do not compile or fit
        are passed over."""
        if key not in self.best:
            best = None
            for config in configs:
                try:
                    latency = time_one(config)
                except Exception:  # a configuration that does not compile or fit
                    continue
                if best is None or latency < best[1]:
                    best = (config, latency)
            if best is None:
                raise RuntimeError(f"{self.__name__}: no configuration compiled and ran")
            self.best[key] = best
        return self.best[key]

    def __call__(self, *args, **kwargs):
        from .._profiler import do_bench
        signature = self.factory.signature
        given = set(signature.bind_partial(*args, **kwargs).arguments)
        configs = [c for c in self._configs(args, kwargs) if not (set(c) & given)]
        if not configs:
            return self.factory(*args, **kwargs)

        def time_one(config):
            if self.factory.eager:
                return do_bench(lambda: self.factory(*args, **kwargs, **config),
                                warmup=self.warmup, rep=self.rep)
            kernel = self.factory(*args, **kwargs, **config)
            return kernel.get_profiler().do_bench(warmup=self.warmup, rep=self.rep,
                                                  input_tensors=_inputs)
        config, latency = self._fastest(repr((args, sorted(kwargs.items()))), configs, time_one)
        result = self.factory(*args, **kwargs, **config)
        if not self.factory.eager:
            result.config, result.latency = config, latency
        return result

    def compile(self, **values):
        """The kernel for these values (an eager kernel's sizes among them),
        compiled for each configuration they leave open and timed on
        generated inputs (or set_autotune_inputs'); the fastest, with its
        `config` and `latency`."""
        configs = [c for c in self._configs((), values) if not (set(c) & set(values))]
        if not configs:
            return self.factory.compile(**values)

        def time_one(config):
            kernel = self.factory.compile(**values, **config)
            return kernel.get_profiler().do_bench(warmup=self.warmup, rep=self.rep,
                                                  input_tensors=_inputs)
        config, latency = self._fastest(("compile", repr(sorted(values.items()))), configs,
                                        time_one)
        kernel = self.factory.compile(**values, **config)
        kernel.config, kernel.latency = config, latency
        return kernel

    @classmethod
    def from_kernel(cls, kernel, configs):
        """TileLang's API form: `AutoTuner.from_kernel(kernel=factory,
        configs=[...]).set_compile_args(...).set_profile_args(...).run(...)`,
        `factory` a plain function giving a @T.prim_func for a configuration
        (a configuration may hold "pass_configs")."""
        tuner = cls(kernel, configs)
        tuner.compile_args, tuner.profile_args = {}, {}
        return tuner

    def set_compile_args(self, out_idx=None, target="auto", **_ignored):
        self.compile_args = {"out_idx": out_idx, "target": target}
        return self

    def set_profile_args(self, supply_type=None, ref_prog=None, skip_check=False, rtol=1e-2,
                         atol=1e-2, **_ignored):
        self.profile_args = {"supply_type": supply_type, "ref_prog": ref_prog,
                             "skip_check": skip_check, "rtol": rtol, "atol": atol}
        return self

    def run(self, warmup=25, rep=100, **_ignored):
        """Compiles, checks (against ref_prog, unless skip_check) and times
        each configuration; the fastest as an AutotuneResult. (early_stop and
        grouped compilation are TileLang's options: every configuration
        runs.)"""
        from . import jit
        profile = getattr(self, "profile_args", {})
        best, failures = None, []
        for config in self._configs((), {}):
            config = dict(config)
            pass_configs = config.pop("pass_configs", None)
            try:
                factory = jit(self.factory, pass_configs=pass_configs,
                              **getattr(self, "compile_args", {}))
                kernel = factory(**config)
                profiler = kernel.get_profiler(profile.get("supply_type"))
                if profile.get("ref_prog") is not None and not profile.get("skip_check"):
                    profiler.assert_allclose(profile["ref_prog"], atol=profile["atol"],
                                             rtol=profile["rtol"])
                latency = profiler.do_bench(warmup=warmup, rep=rep, input_tensors=_inputs)
            except Exception as error:  # a configuration that does not compile, fit or agree
                failures.append(f"{config}: {error}")
                continue
            if best is None or latency < best.latency:
                chosen = {**config, **({"pass_configs": pass_configs} if pass_configs else {})}
                best = AutotuneResult(chosen, latency, kernel)
        if best is None:
            raise RuntimeError("no configuration compiled and ran:\n" + "\n".join(failures))
        return best


class AutotuneResult:
    """What AutoTuner.run found: the fastest configuration, its time in
    milliseconds and its compiled kernel."""

    def __init__(self, config, latency, kernel, ref_latency=None):
        self.config, self.latency, self.kernel = config, latency, kernel
        self.func, self.ref_latency = kernel, ref_latency


def autotune(configs=None, warmup=25, rep=100, **_ignored):
    """Decorates a @tilelang.jit factory with the configurations (a list of
    dicts of its parameters, or a function of the call's arguments giving
    one) to choose from by timing."""
    def wrap(factory):
        return AutoTuner(factory, configs or [], warmup, rep)
    return wrap
