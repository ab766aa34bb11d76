//===- LaunchPlan.h - from metadata and arguments to a launch ---*- C++ -*-===//
//
// The part of launching that needs no GPU: read a kernel's metadata (the
// JSON tilec writes beside the PTX), check the arguments against it (dtypes,
// ranks, constant and symbolic dimensions, contiguity, alignment), evaluate
// each launch's conditions and grid and lay out its parameters. Builds with a C++ compiler and
// nlohmann/json only: no MLIR, no CUDA.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_CUDA_LAUNCHPLAN_H
#define TILEC_RUNTIME_CUDA_LAUNCHPLAN_H

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tilec::gpu {

/// One parameter as the metadata describes it.
struct ParamSpec {
  std::string name;
  bool isTensor = false;
  std::string dtype;
  /// Per dimension: a symbol name, or empty with `extent` set.
  std::vector<std::string> dimNames;
  std::vector<int64_t> extents;
};

/// A TMA tensor map the kernel takes after its parameters.
struct TensorMapSpec {
  size_t param = 0;           // the tensor parameter it describes
  std::vector<int64_t> box;   // the box, C order, one extent per dimension
  int64_t swizzle = 0;        // shared-memory swizzle in bytes (32, 64, 128)
};

/// One launch of a kernel: a GPU kernel run over a grid.
struct LaunchSpec {
  std::string symbol;
  int64_t threads = 0;
  int64_t sharedBytes = 0;
  /// When not empty, the GPU kernel takes i32 flags (bit i: map i is valid)
  /// and then one 128-byte tensor map per entry after the parameters.
  std::vector<TensorMapSpec> tensorMaps;
  /// Grid expressions kept as JSON text, evaluated per launch.
  std::array<std::string, 3> grid;
  /// Conditions (JSON expressions, outermost first): the launch runs only
  /// when each is non-zero.
  std::vector<std::string> when;
};

/// A kernel's metadata: its parameters and its launches in program order,
/// which run one after the other on one stream.
struct KernelSpec {
  std::string kernel, target, compiler, hash;
  std::vector<ParamSpec> params;
  std::vector<LaunchSpec> launches;

  /// Parses tilec's metadata; on error returns null and sets `error`.
  static std::unique_ptr<KernelSpec> parse(const std::string &json, std::string &error);
};

/// An argument at launch: a device tensor (pointer, dtype, shape, strides in
/// elements; empty strides = contiguous) or a scalar.
struct Argument {
  bool isTensor = false;
  uint64_t pointer = 0;
  std::string dtype;
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
  std::string dtype;
  std::vector<int64_t> shape;   // C order
  std::vector<int64_t> box;     // C order
  int64_t swizzle = 0;
  bool usable = false;          // meets TMA's rules (then encoded)
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
};

/// The launches one call of a kernel makes, in order: those whose
/// conditions hold and whose grids are not empty.
struct KernelPlan {
  std::map<std::string, int64_t> symbols;
  std::vector<LaunchPlan> launches;
};

/// Checks `args` against `spec` and builds the plan; returns false and sets
/// `error` (naming the parameter and what is wrong) on a mismatch.
bool planKernel(const KernelSpec &spec, const std::vector<Argument> &args, KernelPlan &plan,
                std::string &error);

/// Bytes per element of a dtype name (0 if unknown).
size_t dtypeBytes(const std::string &dtype);

} // namespace tilec::gpu

#endif // TILEC_RUNTIME_CUDA_LAUNCHPLAN_H
