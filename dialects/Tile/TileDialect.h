//===- TileDialect.h - the tile dialect -------------------------*- C++ -*-===//
//
// Declares the tile dialect, its types, attributes and operations.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_DIALECTS_TILE_TILEDIALECT_H
#define TILEC_DIALECTS_TILE_TILEDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "lib/ABI/KernelSignature.h"

#include "dialects/Tile/TileEnums.h.inc"
#include "dialects/Tile/TileDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Tile/TileAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Tile/TileTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/Tile/TileOps.h.inc"

namespace tilec::tile {

/// The function attribute that marks a `func.func` as a tile kernel.
inline constexpr llvm::StringLiteral kKernelAttrName = "tile.kernel";
/// On a shared i64 `tile.alloc`: its elements are the completion barriers of
/// asynchronous copies (mbarriers on NVIDIA).
inline constexpr llvm::StringLiteral kMBarriersAttrName = "tile.mbarriers";
/// On a `tile.mbarriers` buffer: the threads that arrive per phase. Without
/// it the barriers complete copies (one arrival with TMA, one per copying
/// thread with cp.async).
inline constexpr llvm::StringLiteral kArrivalsAttrName = "tile.arrivals";
/// On a shared `tile.alloc` made by tile-software-pipeline: the stages of a
/// pipelined tile, written only by `tile.copy_async` and handed over through
/// its barriers.
inline constexpr llvm::StringLiteral kStagedAttrName = "tile.staged";
/// On an on-chip `tile.alloc`: its byte offset in the kernel's dynamic
/// shared memory (tile-plan-shared-memory).
inline constexpr llvm::StringLiteral kSharedOffsetAttrName = "tile.shared_offset";
/// On a GPU kernel: the parameters (TMA tensor maps) to pass as 128-byte
/// NVVM grid constants, so that their address is the parameter's own.
inline constexpr llvm::StringLiteral kGridConstantsAttrName = "tile.grid_constants";
/// Argument attribute: the DSL name of each dimension of a tensor argument
/// (a symbol name, or the empty string for a constant extent).
inline constexpr llvm::StringLiteral kDimNamesAttrName = "tile.dims";
/// Argument attribute: the DSL name of a kernel parameter.
inline constexpr llvm::StringLiteral kParamNameAttrName = "tile.name";
/// Function attribute: the compile-time constants the kernel was built with.
inline constexpr llvm::StringLiteral kConstantsAttrName = "tile.constants";
/// On a fragment or shared `tile.alloc` (and a `tile.parallel` that follows a
/// fragment's layout): its layout attribute (#tile.cyclic, #tile.wgmma,
/// #tile.wgmma_rows, #tile.swizzle), set by tile-infer-layouts or
/// T.annotate_layout.
inline constexpr llvm::StringLiteral kLayoutAttrName = "tile.layout";
/// On a `tile.parallel`: each thread runs this many consecutive iterations
/// (tile-vectorize-parallel), so that its global accesses can be vectors.
inline constexpr llvm::StringLiteral kVectorAttrName = "tile.vector";
/// On an `scf.if` in a `tile.vector` loop: a guard whose condition holds on
/// an interval of the innermost loop variable, so that it holds for a whole
/// vector of iterations when it holds at the vector's two ends.
inline constexpr llvm::StringLiteral kVectorGuardAttrName = "tile.vector_guard";
/// On a `tile.load`/`tile.store` of a tensor in a `tile.vector` loop: the
/// index moves by one element per lane, and is aligned to the vector at a
/// vector's first lane.
inline constexpr llvm::StringLiteral kContiguousAttrName = "tile.contiguous";
/// `scf.for` attribute: the loop came from `T.unroll`.
inline constexpr llvm::StringLiteral kUnrollAttrName = "tile.unroll";

/// Whether a copy from `from` to `to` is a legal tile copy.
bool isLegalCopy(MemoryScope from, MemoryScope to);

/// A shape without its unit dimensions: tiles that differ only in those
/// match (copies, atomic adds, reduction targets).
llvm::SmallVector<int64_t> withoutUnitDims(llvm::ArrayRef<int64_t> shape);

/// The buffer a view (`tile.region`, possibly nested) is a window of.
mlir::Value viewedBuffer(mlir::Value buffer);

/// The `tile.layout` of the allocation `buffer` views, or null.
mlir::Attribute viewedLayout(mlir::Value buffer);

/// Whether a gemm into the accumulator `c` runs on wgmma: `c` holds the
/// wgmma layout without `mma_sync`.
bool runsOnWgmma(mlir::Value c);

/// What the ops of a kernel may do to `buffer` through any view of it
/// (loads and copies out read, stores and copies in write; any other use
/// counts as both).
struct BufferUses {
  bool read = false;
  bool written = false;
};
BufferUses usesOf(mlir::Value buffer);

/// The XOR swizzle span for a 2-D shared buffer whose rows hold
/// `rowBytes`: the widest of 128, 64 and 32 bytes that tiles the row, or 0.
inline int64_t widestSwizzle(int64_t rowBytes) {
  for (int64_t span : {128, 64, 32})
    if (rowBytes % span == 0)
      return span;
  return 0;
}

/// The DSL name of an element type ("float16", "bfloat16", "int32",
/// "uint8", ...; "index" for index).
std::string getDTypeName(mlir::Type type);

/// The dtype (lib/ABI/DTypes.h) of an element or scalar type; index is
/// int64, as the launch ABI passes it. None for other types.
std::optional<DType> getDType(mlir::Type type);
/// The type that holds elements of `dtype` (uint8: `ui8`).
mlir::Type getElementType(mlir::MLIRContext *context, DType dtype);

/// A kernel function's parameters as its launch ABI describes them
/// (lib/ABI/KernelSignature.h): names, dtypes, constant extents and the
/// names of symbolic dimensions. Written to the metadata, declared by the
/// GPU lowering, checked by the cpu target.
std::vector<abi::ParamSpec> getKernelParams(mlir::func::FuncOp kernel);

/// The type of a buffer element as a scalar value: the element type, but
/// unsigned integers (uint8 buffers hold `ui8`) read as their value in a
/// signless i32, zero-extended, and are stored from one, truncated. Scalar
/// arithmetic is signless; this keeps 200 in a uint8 tensor 200.
mlir::Type scalarTypeOf(mlir::Type element);

} // namespace tilec::tile

#endif // TILEC_DIALECTS_TILE_TILEDIALECT_H
