"""TileLang's autotuner: `@autotune(configs=...)` over a `@tilelang.jit`
factory tries each configuration a call leaves open and keeps the fastest."""

import itertools

__all__ = ["autotune", "AutoTuner", "set_autotune_inputs"]

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

    def __call__(self, *args, **kwargs):
        from .._profiler import do_bench
        signature = self.factory.signature
        given = set(signature.bind_partial(*args, **kwargs).arguments)
        configs = [c for c in self._configs(args, kwargs) if not (set(c) & given)]
        if not configs:
            return self.factory(*args, **kwargs)
        key = repr((args, sorted(kwargs.items())))
        if key not in self.best:
            best = None
            for config in configs:
                try:
                    if self.factory.eager:
                        latency = do_bench(lambda: self.factory(*args, **kwargs, **config),
                                           warmup=self.warmup, rep=self.rep)
                    else:
                        kernel = self.factory(*args, **kwargs, **config)
                        latency = kernel.get_profiler().do_bench(
                            warmup=self.warmup, rep=self.rep, input_tensors=_inputs)
                except Exception:  # a configuration that does not compile or fit
                    continue
                if best is None or latency < best[1]:
                    best = (config, latency)
            if best is None:
                raise RuntimeError(f"{self.__name__}: no configuration compiled and ran")
            self.best[key] = best
        config, latency = self.best[key]
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
        key = ("compile", repr(sorted(values.items())))
        if key not in self.best:
            best = None
            for config in configs:
                try:
                    kernel = self.factory.compile(**values, **config)
                    latency = kernel.get_profiler().do_bench(warmup=self.warmup, rep=self.rep,
                                                             input_tensors=_inputs)
                except Exception:  # a configuration that does not compile or fit
                    continue
                if best is None or latency < best[1]:
                    best = (config, latency)
            if best is None:
                raise RuntimeError(f"{self.__name__}: no configuration compiled and ran")
            self.best[key] = best
        config, latency = self.best[key]
        kernel = self.factory.compile(**values, **config)
        kernel.config, kernel.latency = config, latency
        return kernel


def autotune(configs=None, warmup=25, rep=100, **_ignored):
    """Decorates a @tilelang.jit factory with the configurations (a list of
    dicts of its parameters, or a function of the call's arguments giving
    one) to choose from by timing."""
    def wrap(factory):
        return AutoTuner(factory, configs or [], warmup, rep)
    return wrap
