//===- KernelSignature.h - the launch ABI of a compiled kernel --*- C++ -*-===//
//
// The one description of how a compiled kernel is called, shared by the
// compiler (which writes it as the metadata JSON beside the binary) and by
// every runtime that reads it (CUDA, HIP, the JIT, Python):
//
//   - the parameters, in order: tensors (dtype, constant extents and
//     symbolic dimension names) and scalars;
//   - the workspaces (T.alloc_global): dtype and extents as host
//     expressions; the runtime allocates them for each call, zero-filled
//     unless "zero_fill" is false;
//   - the launches, in program order: GPU kernel symbol, grid and the
//     conditions it runs under (host expressions over dimensions and integer
//     scalars), threads, dynamic shared memory, TMA tensor maps;
//   - the GPU kernel's parameter slots (`kernelParameterSlots`): for each
//     tensor a pointer then one int64 per symbolic dimension, each scalar as
//     itself, a pointer per workspace, and, when a launch takes tensor maps,
//     an int32 of flags then
//     one 128-byte map each. The lowering declares its gpu.func from these
//     slots and the launch planner fills them, so the two cannot disagree.
//
// Plain C++17 plus nlohmann/json: no LLVM, MLIR or GPU toolkit.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_ABI_KERNELSIGNATURE_H
#define TILEC_LIB_ABI_KERNELSIGNATURE_H

#include "lib/ABI/DTypes.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tilec::abi {

/// One parameter of a kernel function.
struct ParamSpec {
  std::string name;
  bool isTensor = false;
  /// The tensor's element type or the scalar's type (index scalars: int64).
  DType dtype = DType::F32;
  /// Tensors, per dimension: the extent, or -1 where symbolic ...
  std::vector<int64_t> extents;
  /// ... and then the symbol's name ("" where the extent is constant).
  std::vector<std::string> dimNames;
  /// A tensor the kernel writes for its caller (an eager kernel's
  /// `T.empty`): bindings allocate it and return it.
  bool output = false;
  /// A tensor the kernel only reads ("read_only": true in the metadata):
  /// a runtime may hand the kernel a copy of it (a launch planner copies a
  /// tensor whose rows TMA cannot address into padded rows).
  bool readOnly = false;

  bool isFloatScalar() const { return !isTensor && isFloatDType(dtype); }
};

/// A global-memory workspace (T.alloc_global) the launches of one call
/// share: C order, allocated by the runtime, zero-filled unless the kernel
/// writes it before reading it (`zeroFill` false; "zero_fill": false in
/// the metadata).
struct WorkspaceSpec {
  std::string name;
  DType dtype = DType::F32;
  /// Extents as JSON expressions (see `evaluateExpression`).
  std::vector<std::string> extents;
  bool zeroFill = true;
};

/// A TMA tensor map a launch takes after the parameters.
struct TensorMapSpec {
  size_t param = 0;         // the tensor parameter it describes
  std::vector<int64_t> box; // the box, C order, one extent per dimension
  int64_t swizzle = 0;      // shared-memory swizzle in bytes (0, 32, 64, 128)
};

/// One launch of a kernel: a GPU kernel run over a grid.
struct LaunchSpec {
  /// The GPU kernel's symbol (empty on the cpu target, which runs the tile
  /// IR itself).
  std::string symbol;
  int64_t threads = 0;
  int64_t sharedBytes = 0;
  std::vector<TensorMapSpec> tensorMaps;
  /// Grid expressions as JSON text (see `evaluateExpression`); "1" where a
  /// launch has fewer than three grid dimensions. On the cpu target, which
  /// runs the tile IR itself, "null" where the host cannot compute one.
  std::array<std::string, 3> grid{"1", "1", "1"};
  /// Conditions (JSON expressions, outermost first): the launch runs only
  /// when each is non-zero.
  std::vector<std::string> when;
};

/// A condition the arguments must meet before anything runs: an `assert`
/// outside T.Kernel over the tensors' dimensions and integer scalars.
struct RequirementSpec {
  /// Conditions it applies under (JSON expressions, outermost first).
  std::vector<std::string> when;
  /// The JSON expression that is non-zero when the arguments meet it.
  std::string holds;
  /// The assert's message, and where it is ("file:line:col").
  std::string message, location;
};

/// A kernel's launch ABI: its parameters, the requirements its arguments
/// must meet, and its launches in program order, which run one after the
/// other on one stream.
struct KernelSpec {
  std::string kernel, target, compiler, hash;
  std::vector<ParamSpec> params;
  std::vector<WorkspaceSpec> workspaces;
  std::vector<RequirementSpec> requirements;
  std::vector<LaunchSpec> launches;
  /// The compile-time parameters the kernel was built with, as a JSON
  /// object's text ("{}" when none).
  std::string constants = "{}";

  /// Parses tilec's metadata; on error returns null and sets `error`.
  static std::unique_ptr<KernelSpec> parse(const std::string &json, std::string &error);
  /// The metadata JSON (indented, ending in a newline).
  std::string toJSON() const;
};

/// What one parameter slot of a GPU kernel holds.
enum class SlotKind {
  TensorPointer,  // a tensor's global address (8 bytes)
  DimExtent,      // one symbolic dimension of the tensor before it (int64)
  Scalar,         // a scalar parameter, in its dtype
  Workspace,      // a workspace's global address (8 bytes)
  TensorMapFlags, // int32: bit i when tensor map i was built
  TensorMap,      // a 128-byte CUtensorMap passed by value
};

struct ParameterSlot {
  SlotKind kind;
  /// TensorPointer, DimExtent, Scalar: the parameter; Workspace: the
  /// workspace; TensorMap: the map.
  size_t index = 0;
  /// DimExtent: the dimension.
  size_t dim = 0;
};

/// The GPU kernel parameters of a launch of a kernel with `workspaces`
/// workspaces taking `tensorMaps` tensor maps, in order.
std::vector<ParameterSlot> kernelParameterSlots(const std::vector<ParamSpec> &params,
                                                size_t workspaces, size_t tensorMaps);

/// The bytes of each workspace for the given dimensions and integer
/// scalars; false with `error` when an extent cannot be evaluated, is
/// negative, or the total passes 2^48 bytes.
bool workspaceBytes(const KernelSpec &spec, const std::map<std::string, int64_t> &dims,
                    const std::map<std::string, int64_t> &scalars,
                    std::vector<uint64_t> &bytes, std::string &error);

/// Whether every condition of `when` (JSON expressions, outermost first)
/// is non-zero; a later condition is evaluated only where the earlier ones
/// hold (it may assume them, as a guarded division does). False with
/// `error` where one cannot be evaluated.
bool conditionsHold(const std::vector<std::string> &when,
                    const std::map<std::string, int64_t> &dims,
                    const std::map<std::string, int64_t> &scalars, bool &holds,
                    std::string &error);

/// Checks the kernel's requirements against the bound dimensions and
/// integer scalars; false with `error` (the assert's message, its location
/// and the dimensions) at the first one they fail.
bool checkRequirements(const KernelSpec &spec, const std::map<std::string, int64_t> &dims,
                       const std::map<std::string, int64_t> &scalars, std::string &error);

/// Evaluates a host expression of the metadata: an integer,
/// {"dim": name} (a symbolic dimension), {"param": name} (an integer scalar)
/// or [op, lhs, rhs] with op one of add sub mul div rem floordiv ceildiv
/// min max and or xor eq ne lt le gt ge ult ule ugt uge, in wrapping int64
/// arithmetic as the kernel computes it. False (with `error`) on an unknown
/// name, an unknown op or a division by zero.
bool evaluateExpression(const std::string &expression,
                        const std::map<std::string, int64_t> &dims,
                        const std::map<std::string, int64_t> &scalars, int64_t &value,
                        std::string &error);

} // namespace tilec::abi

#endif // TILEC_LIB_ABI_KERNELSIGNATURE_H
