//===- LaunchPlan.h - from metadata and arguments to a launch ---*- C++ -*-===//
//
// The part of launching that needs no GPU and no vendor: check the
// arguments against a kernel's signature (lib/ABI/KernelSignature.h: dtypes,
// ranks, constant and symbolic dimensions, contiguity, alignment), evaluate
// each launch's conditions and grid and fill its parameter slots. Shared by
// the CUDA and HIP runtimes; builds with a C++ compiler and nlohmann/json
// only: no MLIR, no CUDA, no HIP.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_LAUNCH_LAUNCHPLAN_H
#define TILEC_RUNTIME_LAUNCH_LAUNCHPLAN_H

#include "lib/ABI/KernelSignature.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tilec::gpu {

using abi::KernelSpec;
using abi::LaunchSpec;
using abi::ParamSpec;
using abi::TensorMapSpec;

/// An argument at launch: a device tensor (pointer, dtype, shape, strides in
/// elements; empty strides = contiguous) or a scalar.
struct Argument {
  bool isTensor = false;
  uint64_t pointer = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  double floatValue = 0;
  int64_t intValue = 0;
  bool scalarIsFloat = false;
};

/// A tensor map to encode (cuTensorMapEncodeTiled) into the plan's
/// parameters before launching.
struct TensorMapRequest {
  size_t offset = 0;            // where its 128 bytes start in `storage`
  uint64_t pointer = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;   // C order
  std::vector<int64_t> box;     // C order
  int64_t swizzle = 0;
  bool usable = false;          // meets TMA's rules (then encoded)
  /// Where the map describes a padded copy of the tensor (the plan's
  /// `alignedCopies[alignedCopy]`): its rows are `rowPitch` bytes apart
  /// and `pointer` is set once the copy is made, at launch; -1 otherwise.
  int alignedCopy = -1;
  uint64_t rowPitch = 0;
};

/// The byte stride of each dimension (C order) of a C-order tensor of
/// `shape`, its rows `rowPitch` bytes apart where that is not 0 (an
/// aligned copy's padded rows); the innermost stride is the element size.
/// What the launch planner checks against TMA's rules and what the
/// tensor-map encoder passes on.
std::vector<uint64_t> byteStrides(DType dtype, const std::vector<int64_t> &shape,
                                  uint64_t rowPitch);

/// A read-only tensor whose rows TMA cannot address (a row of an odd
/// number of 16-bit elements leaves the next one off 16-byte alignment),
/// copied for each call into rows padded to 16 bytes: the kernel's tensor
/// maps read the copy, so it keeps its TMA path instead of falling back to
/// element-wise loads. The copy costs one read and one write of the
/// tensor, once per call; a kernel that tiles it reads it many times.
struct AlignedCopy {
  size_t param = 0;      // the tensor parameter copied
  uint64_t source = 0;   // its address
  uint64_t rowBytes = 0; // innermost extent times the element size
  uint64_t pitch = 0;    // rowBytes rounded up to 16
  uint64_t rows = 0;     // the product of the outer extents
};

/// What cuLaunchKernel needs for one launch.
struct LaunchPlan {
  /// The launch of the kernel's spec this plan runs.
  size_t launch = 0;
  std::array<uint32_t, 3> grid{1, 1, 1};
  uint32_t threads = 0;
  uint32_t sharedBytes = 0;
  /// Parameter values, each 8-byte aligned; `offsets` point into it.
  std::vector<uint64_t> storage;
  std::vector<size_t> offsets;
  /// The tensor maps to encode and the flags that say which are valid: bit
  /// i when map i's tensor meets TMA's rules (16-byte aligned base and
  /// strides, at most 5 dimensions); the kernel copies another way where
  /// its maps are missing. `tensorMapsUsable`: all of them are.
  std::vector<TensorMapRequest> tensorMaps;
  size_t tensorMapFlagOffset = 0;
  bool tensorMapsUsable = false;
  /// Where workspace i's address goes in `storage` (the runtime writes it
  /// once it has allocated the workspaces of a call).
  std::vector<size_t> workspaceOffsets;
};

/// The launches one call of a kernel makes, in order: those whose
/// conditions hold and whose grids are not empty.
struct KernelPlan {
  std::map<std::string, int64_t> symbols;
  std::vector<LaunchPlan> launches;
  /// The bytes of each workspace (T.alloc_global) a call allocates before
  /// its first launch and releases after its last, and whether the
  /// allocation is zero-filled (the kernel may read before it writes).
  std::vector<uint64_t> workspaceBytes;
  std::vector<bool> workspaceZeroFill;
  /// The padded copies the call makes before its first launch (one per
  /// parameter, shared by every launch and map that reads it).
  std::vector<AlignedCopy> alignedCopies;
};

/// The launches of `plan` with the workspaces at `addresses` (one per
/// workspace): copies of their parameter storage, ready to launch.
std::vector<LaunchPlan> withWorkspaces(const KernelPlan &plan,
                                       const std::vector<uint64_t> &addresses);

/// Runs a plan's launches with its call's workspaces, all of them in one
/// allocation (each at a 256-byte boundary): `allocate` gives it (a
/// non-zero `address` left by a failed call is released too), `zero` clears
/// each run of consecutive workspaces that need the zero fill (one call a
/// run), `launch` runs the launches with their addresses, and `release`
/// frees the allocation, whatever failed. The vendor runtimes pass their
/// stream-ordered allocator and memset: three calls for any number of
/// workspaces, where each costs the host a driver call per step.
bool runWithWorkspaces(
    const KernelPlan &plan,
    const std::function<bool(uint64_t bytes, uint64_t &address, std::string &error)> &allocate,
    const std::function<bool(uint64_t address, uint64_t bytes, std::string &error)> &zero,
    const std::function<bool(const std::vector<LaunchPlan> &launches, std::string &error)>
        &launch,
    const std::function<void(uint64_t address)> &release, std::string &error);

/// Checks `args` against `spec` and builds the plan; returns false and sets
/// `error` (naming the parameter and what is wrong) on a mismatch.
bool planKernel(const KernelSpec &spec, const std::vector<Argument> &args, KernelPlan &plan,
                std::string &error);

} // namespace tilec::gpu

#endif // TILEC_RUNTIME_LAUNCH_LAUNCHPLAN_H
