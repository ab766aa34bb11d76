"""TileLang's Python API over tilec: TileLang programs run unchanged.

    python3 -m tilec.tilelang example_gemm.py [arguments]

runs a TileLang program as `python3 example_gemm.py` would, with `tilelang`
(and `tilelang.language`, `.profiler`, `.autotuner`, `.testing`, ...) being
this package: `@tilelang.jit` kernels are compiled by tilec and run on
PyTorch tensors. In a program, `import tilec.tilelang as tilelang` and
`import tilec.language as T` do the same for one module, and `install()`
makes `import tilelang` find this package.

The GPU target is the current device's (sm_90a on Hopper, sm_80 on Ampere),
or $TILEC_TARGET. TileLang's pass configurations that have a tilec meaning
are applied (fast math, no TMA, no warp specialization); the others are
TileLang's own and change nothing here.
"""

import os
import sys

from .. import language
from .._jit import KernelFactory, JITKernel
from .._profiler import TensorSupplyType
from . import (autotuner, carver, contrib, cuda, engine, env, layout, math, profiler, testing,
               tileop, tvm, utils)
from .autotuner import autotune
from .math import next_power_of_2
from .tvm import DataType

__all__ = ["jit", "autotune", "cdiv", "next_power_of_2", "language", "profiler", "testing",
           "autotuner", "carver", "contrib", "cuda", "engine", "env", "layout", "tileop",
           "PassConfigKey",
           "TensorSupplyType", "JITKernel", "DataType", "tvm", "disable_cache", "install"]


class _PassConfigKeys(type):
    """Every TileLang key, `TL_NAME`, is "tl.name" (TileLang's spelling)."""

    def __getattr__(cls, name):
        if name.startswith("TL_"):
            return "tl." + name[3:].lower()
        raise AttributeError(name)


class PassConfigKey(metaclass=_PassConfigKeys):
    """TileLang's pass configuration keys (their values are TileLang's);
    tilec applies the ones _pass_config_options knows."""
    TL_ENABLE_FAST_MATH = "tl.enable_fast_math"
    TL_DISABLE_TMA_LOWER = "tl.disable_tma_lower"
    TL_DISABLE_WARP_SPECIALIZED = "tl.disable_warp_specialized"
    TL_DISABLE_FAST_MATH = "tl.disable_fast_math"

    def __class_getitem__(cls, name):
        return f"tl.{name.lower()}"


def _pass_config_options(configs):
    """tilec options for TileLang pass configurations."""
    options = {"disable": []}
    for key, value in (configs or {}).items():
        key = str(getattr(key, "value", key)).lower()
        if key.endswith("enable_fast_math") and value:
            options["fast_math"] = True
        elif key.endswith("disable_tma_lower") and value:
            options["disable"].append("tma")
        elif key.endswith("disable_warp_specialized") and value:
            options["disable"].append("warp-specialize")
    if not options["disable"]:
        del options["disable"]
    return options


def default_target():
    """$TILEC_TARGET, else the current CUDA device's chip, else cpu."""
    if os.environ.get("TILEC_TARGET"):
        return os.environ["TILEC_TARGET"]
    try:
        import torch
        if torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability()
            if major == 9:
                return "sm_90a"
            if major >= 8:
                return "sm_80"
    except ImportError:
        pass
    return "cpu"


def jit(func=None, *, out_idx=None, target="auto", pass_configs=None, **_ignored):
    """TileLang's @tilelang.jit: a kernel factory (or eager kernel) that
    tilec compiles for the target; execution_backend, verbose and the like
    are TileLang's and ignored."""
    def wrap(factory):
        chosen = default_target() if target in (None, "auto", "cuda") else target
        return KernelFactory(factory, out_idx, chosen, _pass_config_options(pass_configs))
    return wrap(func) if func is not None else wrap


def cdiv(a, b):
    """Ceiling division of integers."""
    return -(-a // b)


def disable_cache():
    """TileLang's switch for its kernel cache; tilec's cache keys cover
    everything a kernel is built from, so it stays on."""


def install():
    """Makes `import tilelang` (and its submodules) give this package, and
    `import tvm` the parts of TVM its programs import (tilec.tilelang.tvm)."""
    package = sys.modules[__name__]
    sys.modules["tilelang"] = package
    sys.modules["tilelang.language"] = language
    from . import language_dtypes, language_fp8, transform
    sys.modules["tilelang.language.fp8"] = language_fp8
    sys.modules["tilelang.language.dtypes"] = language_dtypes
    for name, module in list(sys.modules.items()):
        if name.startswith(__name__ + ".") and not name.startswith(__name__ + ".language_"):
            sys.modules["tilelang." + name[len(__name__) + 1:]] = module
    sys.modules.setdefault("tvm", tvm)
    sys.modules.setdefault("tvm.tirx", tvm.tirx)
    sys.modules.setdefault("tvm.tir", tvm.tirx)
