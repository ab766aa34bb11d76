# lit configuration for tilec: tests under tests/lit (FileCheck) and
# tests/diagnostics (malformed programs checked with --verify-diagnostics).
import importlib.util
import os
import shutil
import sys

import lit.formats

config.name = "tilec"
config.test_format = lit.formats.ShTest(not lit_config.noExecute)
config.suffixes = [".mlir", ".tl", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tilec_obj_root, "tests")
config.excludes = ["CMakeLists.txt", "unit", "fuzz", "lit.cfg.py", "Inputs", "python", "gpu"]

config.environment["PATH"] = os.pathsep.join(
    [config.tilec_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%kernels", os.path.join(config.tilec_src_root, "kernels")))
config.substitutions.append(("%tilec_src", config.tilec_src_root))
config.substitutions.append(("%tilec_build", config.tilec_obj_root))

# ptxas checks the PTX tilec writes, where the CUDA toolkit is installed.
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# The AMD back end needs the ROCm device libraries and ld.lld the build links.
if os.path.exists(os.path.join(config.tilec_obj_root, "rocm", "amdgcn", "bitcode", "ocml.bc")):
    config.available_features.add("amdgpu")

# The Python binding's tests run on this interpreter, with NumPy.
config.substitutions.append(("%python", sys.executable))
if importlib.util.find_spec("numpy"):
    config.available_features.add("numpy")
