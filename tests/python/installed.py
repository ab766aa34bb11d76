"""After `pip install .`: the package works from any folder with no
environment variables — its own tilec tool and kernels/, a kernel compiled
and run on the cpu target, the C call path (tilec._launcher) and, where the
CUDA toolkit was found at build time, the CUDA runtime library inside the
package. Prints "installed: ok"."""

import os

import numpy as np
import tilec
from tilec import _tool

assert _tool._tool().startswith(os.path.dirname(tilec.__file__)), _tool._tool()
kernel = tilec.compile(os.path.join(_tool.KERNELS, "elementwise.tl"), "vector_add",
                       target="cpu", defines={"block": 128})
a = np.arange(300, dtype=np.float32)
c = np.zeros(300, np.float32)
kernel(a, a, C=c)
assert np.array_equal(c, 2 * a), "vector_add from the installed package"
from tilec import _cuda, _launcher  # noqa: E402,F401 - built for this interpreter

assert _cuda._launcher_module() is not None
if os.path.isdir("/usr/local/cuda/include"):
    assert os.path.dirname(_cuda._library_path()) == os.path.dirname(tilec.__file__), \
        _cuda._library_path()
print(f"installed: ok ({tilec.tool_version()})")
