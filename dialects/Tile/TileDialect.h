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

// Dialect attributes: facts the tile dialect attaches to other dialects'
// operations (functions, their arguments, scf loops and branches, GPU
// kernels). Each is checked by TileDialect::verifyOperationAttribute or
// verifyRegionArgAttribute; the facts on tile operations themselves are
// their ODS attributes (tile.alloc's layout in its type, staged, mbarriers,
// arrivals, shared_offset; tile.parallel's layout and vector; tile.load and
// tile.store's contiguous).

/// `func.func` (unit): the function is a tile kernel.
inline constexpr llvm::StringLiteral kKernelAttrName = "tile.kernel";
/// `func.func` (dictionary): the compile-time constants the kernel was
/// built with.
inline constexpr llvm::StringLiteral kConstantsAttrName = "tile.constants";
/// Kernel argument (string): the DSL name of the parameter.
inline constexpr llvm::StringLiteral kParamNameAttrName = "tile.name";
/// Tensor argument (array of strings, one per dimension): the symbol each
/// dimension is bound to, or "" for a constant extent.
inline constexpr llvm::StringLiteral kDimNamesAttrName = "tile.dims";
/// Tensor argument (unit): an output the kernel's caller receives (an eager
/// kernel's `T.empty`), which bindings allocate and return.
inline constexpr llvm::StringLiteral kOutputAttrName = "tile.output";
/// `gpu.func` or `llvm.func` (i32 array): the parameters (TMA tensor maps)
/// to pass as 128-byte NVVM grid constants, so that their address is the
/// parameter's own (applied by tile-nvvm-grid-constants).
inline constexpr llvm::StringLiteral kGridConstantsAttrName = "tile.grid_constants";
/// `scf.if` (unit) in a `vector` tile.parallel: a guard whose condition
/// holds on an interval of the innermost loop variable, so that it holds
/// for a whole vector of iterations when it holds at the vector's two ends.
inline constexpr llvm::StringLiteral kVectorGuardAttrName = "tile.vector_guard";
/// `scf.for` (unit): the loop came from `T.unroll`.
inline constexpr llvm::StringLiteral kUnrollAttrName = "tile.unroll";

/// Writes `shape` as a type writes it: extents joined by 'x', '?' for one
/// bound at launch.
void printShape(llvm::raw_ostream &os, llvm::ArrayRef<int64_t> shape);

/// A shape without its unit dimensions: tiles that differ only in those
/// match (copies, atomic adds, reduction targets).
llvm::SmallVector<int64_t> withoutUnitDims(llvm::ArrayRef<int64_t> shape);

/// The buffer a view (`tile.region`, possibly nested) is a window of.
mlir::Value viewedBuffer(mlir::Value buffer);

/// Whether `index` lies in [0, extent) where `at` runs (wherever it is
/// used, if null), as tile::rangeOf bounds it (IndexRanges.h): e.g. a
/// constant in range, a T.Parallel index whose loop is no longer than a
/// constant `extent`, or its counterpart in the loop's partition.
bool isInsideExtent(mlir::Value index, int64_t extent, mlir::Operation *at = nullptr);

/// The layout of the buffer `alloc` makes: held in its `!tile.buffer` type
/// (#tile.swizzle, #tile.cyclic, #tile.wgmma, #tile.wgmma_rows), null
/// until tile-infer-layouts or an annotation gives it one.
mlir::Attribute getLayout(AllocOp alloc);
/// Gives `alloc`'s buffer `layout` by changing its type and those of its
/// views (`tile.region`, nested).
void setLayout(AllocOp alloc, mlir::Attribute layout);
/// Recomputes the types of the views (`tile.region`, nested) of `buffer`
/// after its type changed: their layout and window follow from it.
void retypeViewsOf(mlir::Value buffer);

/// Whether `op` is a `tile.load` or `tile.store` marked `contiguous`.
bool isContiguousAccess(mlir::Operation *op);

/// The layout of `buffer` (the layout of the buffer it views), or null.
mlir::Attribute viewedLayout(mlir::Value buffer);

/// The elements of a fragment of `type` each thread holds in registers (its
/// register slots), or nullopt where its layout does not keep it in
/// registers (#tile.cyclic, #tile.wgmma and #tile.wgmma_rows do).
std::optional<int64_t> registerSlots(BufferType type);

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

/// What `user` does to the buffer it takes as `operand`: views, shape
/// queries, loads and mbarrier waits read; stores, fills and mbarrier
/// arrivals write; a copy reads its source and writes its target, an
/// asynchronous copy also its barriers; a gemm reads A and B and updates
/// C, a reduction and an atomic add their target; any other op does both.
BufferUses operandUses(mlir::Operation *user, mlir::Value operand);

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
/// (lib/ABI/KernelSignature.h): names, dtypes, constant extents, the
/// names of symbolic dimensions and which tensors the body never writes
/// (`usesOf`). Written to the metadata, declared by the
/// GPU lowering, checked by the cpu target.
std::vector<abi::ParamSpec> getKernelParams(mlir::func::FuncOp kernel);
/// The kernel's T.alloc_global workspaces in program order (the order of
/// the launch ABI's workspace slots).
llvm::SmallVector<AllocGlobalOp> getKernelWorkspaces(mlir::func::FuncOp kernel);

/// The type of a buffer element as a scalar value: the element type, but
/// unsigned integers (uint8 buffers hold `ui8`) read as their value in a
/// signless i32, zero-extended, and are stored from one, truncated. Scalar
/// arithmetic is signless; this keeps 200 in a uint8 tensor 200.
mlir::Type scalarTypeOf(mlir::Type element);

} // namespace tilec::tile

#endif // TILEC_DIALECTS_TILE_TILEDIALECT_H
