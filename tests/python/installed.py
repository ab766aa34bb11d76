"""After `pip install .`: the package works from any folder with no
environment variables — its own tilec tool and kernels/, a kernel compiled
and run on the cpu target. Prints "installed: ok"."""

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
print(f"installed: ok ({tilec.tool_version()})")
