//===- TileOps.cpp - tile dialect operations ------------------------------===//
//
// Verifiers, folders and custom assembly of the tile operations.
//
//===----------------------------------------------------------------------===//

#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/ADT/STLExtras.h"

#include <numeric>

using namespace mlir;
using namespace tilec::tile;

/// Prints a shape as `128x64` (or `scalar` for rank 0) in diagnostics.
static std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  llvm::raw_string_ostream os(text);
  printShape(os, shape);
  return text;
}


static LogicalResult verifyIndexCount(Operation *op, BufferType type,
                                      size_t count) {
  if (count != type.getShape().size())
    return op->emitOpError("expects ")
           << type.getShape().size() << " indices for a rank-"
           << type.getShape().size() << " buffer, got " << count;
  return success();
}

//===----------------------------------------------------------------------===//
// LaunchOp
//===----------------------------------------------------------------------===//

LogicalResult LaunchOp::verify() {
  if (getGrid().empty() || getGrid().size() > 3)
    return emitOpError("expects 1 to 3 grid dimensions, got ")
           << getGrid().size();
  if (getThreads() <= 0 || getThreads() > 1024)
    return emitOpError("threads per block must be in [1, 1024], got ")
           << getThreads();
  Block &body = getBody().front();
  if (body.getNumArguments() != 3 ||
      !llvm::all_of(body.getArgumentTypes(),
                    [](Type type) { return type.isIndex(); }))
    return emitOpError("body must take three index block indices");
  if (std::optional<int64_t> blockThreads = getBlockThreads();
      blockThreads && (*blockThreads < static_cast<int64_t>(getThreads()) ||
                       *blockThreads > 1024 + 128))
    return emitOpError("block_threads must be at least the launch's threads, got ")
           << *blockThreads;
  if (std::optional<int64_t> shared = getSharedBytes(); shared && *shared < 0)
    return emitOpError("shared_bytes must not be negative, got ") << *shared;
  if (std::optional<ArrayAttr> maps = getTensorMaps())
    for (auto map : maps->getAsRange<DictionaryAttr>())
      if (!map.getAs<IntegerAttr>("param") || !map.getAs<ArrayAttr>("box") ||
          !map.getAs<IntegerAttr>("swizzle"))
        return emitOpError("each tensor map needs integer 'param', array 'box' and "
                           "integer 'swizzle' entries, got ")
               << map;
  return verifyPerThreadBody();
}

/// The ops a per-thread launch (one that reads tile.thread_id) holds: each
/// thread runs them on its own values, which block-wide tile operations,
/// spread over all the block's threads, cannot follow.
bool LaunchOp::isPerThread() {
  // (One inside a T.Parallel is an error of its own: ThreadIdOp::verify.)
  return getBody()
      .walk([](ThreadIdOp thread) {
        // tile.per_thread reads it to partition a loop, not the program.
        return thread->getParentOfType<ParallelOp>() || thread->getParentOfType<PerThreadOp>()
                   ? WalkResult::advance()
                   : WalkResult::interrupt();
      })
      .wasInterrupted();
}

LogicalResult LaunchOp::verifyPerThreadBody() {
  if (!isPerThread())
    return success();
  auto isLocal = [](Value buffer) {
    return cast<BufferType>(buffer.getType()).getScope() == MemoryScope::Local;
  };
  WalkResult walk = getBody().walk([&](Operation *op) -> WalkResult {
    if (auto alloc = dyn_cast<AllocOp>(op)) {
      if (alloc.getType().getScope() != MemoryScope::Fragment)
        return WalkResult::advance();
      op->emitOpError("is a fragment, spread over the block's threads; code that reads "
                      "the thread index (T.get_thread_binding) keeps each thread's "
                      "values in local buffers (T.alloc_local)");
      return WalkResult::interrupt();
    }
    if (auto fill = dyn_cast<FillOp>(op)) {
      if (isLocal(fill.getBuffer()))
        return WalkResult::advance();
      op->emitOpError("fills a ")
          << stringifyMemoryScope(fill.getBuffer().getType().getScope())
          << " buffer; code that reads the thread index (T.get_thread_binding) fills "
             "local buffers only (each thread its own) and stores into others element "
             "by element";
      return WalkResult::interrupt();
    }
    if (auto copy = dyn_cast<CopyOp>(op)) {
      if (isLocal(copy.getSource()) || isLocal(copy.getTarget()))
        return WalkResult::advance();
      op->emitOpError("copies between ")
          << stringifyMemoryScope(copy.getSource().getType().getScope()) << " and "
          << stringifyMemoryScope(copy.getTarget().getType().getScope())
          << " buffers; code that reads the thread index (T.get_thread_binding) copies "
             "into or out of a thread's local buffers only";
      return WalkResult::interrupt();
    }
    if (auto atomic = dyn_cast<AtomicAddOp>(op)) {
      if (!atomic.getIndices().empty() || isLocal(atomic.getValue()))
        return WalkResult::advance();
      op->emitOpError("adds a tile; code that reads the thread index "
                      "(T.get_thread_binding) adds single elements or a thread's local "
                      "buffer");
      return WalkResult::interrupt();
    }
    if (isa<ParallelOp, PipelinedOp, GemmOp, ReduceOp, CumsumOp, ConvertLayoutOp, CopyAsyncOp,
            AsyncCommitOp, AsyncWaitOp, WarpSpecializeOp, WarpgroupTurnOp, BarrierWaitOp,
            BarrierArriveOp>(op)) {
      op->emitOpError("is a block-wide tile operation, spread over all the block's "
                      "threads; a launch whose code reads the thread index "
                      "(T.get_thread_binding) runs that code on each thread and takes "
                      "none");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// ThreadIdOp
//===----------------------------------------------------------------------===//

/// Per-thread code (the thread index, shuffles) lies in a launch, outside
/// the operations that spread their work over the threads themselves.
static LogicalResult verifyPerThreadPlacement(Operation *op, StringRef why) {
  for (Operation *parent = op->getParentOp(); parent; parent = parent->getParentOp()) {
    // After tile-lower-to-gpu, a GPU kernel's code is one thread's.
    if (isa<LaunchOp, PerThreadOp, gpu::GPUFuncOp>(parent))
      return success();
    if (isa<ParallelOp, PipelinedOp, WarpSpecializeOp>(parent))
      return op->emitOpError("must not be inside a ") << parent->getName() << ": " << why;
  }
  return op->emitOpError("must be inside a tile.launch");
}

LogicalResult ThreadIdOp::verify() {
  return verifyPerThreadPlacement(*this, "those spread their work over the threads themselves");
}

//===----------------------------------------------------------------------===//
// ShuffleOp
//===----------------------------------------------------------------------===//

LogicalResult ShuffleOp::verify() {
  Type type = getValue().getType();
  if (!type.isIntOrFloat() || type.getIntOrFloatBitWidth() < 8 ||
      type.getIntOrFloatBitWidth() > 64)
    return emitOpError("moves an integer or float of 8 to 64 bits, got ") << type;
  return verifyPerThreadPlacement(*this, "a shuffle is per-thread code");
}

//===----------------------------------------------------------------------===//
// ParallelOp
//===----------------------------------------------------------------------===//

LogicalResult ParallelOp::verify() {
  ArrayRef<int64_t> extents = getExtents();
  if (extents.empty())
    return emitOpError("expects at least one loop extent");
  for (int64_t extent : extents)
    if (extent <= 0)
      return emitOpError("loop extents must be positive, got ") << extent;
  Block &body = getBody().front();
  if (body.getNumArguments() != extents.size() ||
      !llvm::all_of(body.getArgumentTypes(),
                    [](Type type) { return type.isIndex(); }))
    return emitOpError("body must take one index argument per extent (")
           << extents.size() << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// PipelinedOp
//===----------------------------------------------------------------------===//

ParseResult PipelinedOp::parse(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::Argument inductionVar;
  OpAsmParser::UnresolvedOperand lower, upper, step;
  int64_t numStages;
  Type indexType = parser.getBuilder().getIndexType();
  if (parser.parseArgument(inductionVar) || parser.parseEqual() ||
      parser.parseOperand(lower) || parser.parseKeyword("to") ||
      parser.parseOperand(upper) || parser.parseKeyword("step") ||
      parser.parseOperand(step) || parser.parseKeyword("num_stages") ||
      parser.parseLParen() || parser.parseInteger(numStages) ||
      parser.parseRParen())
    return failure();
  if (parser.resolveOperand(lower, indexType, result.operands) ||
      parser.resolveOperand(upper, indexType, result.operands) ||
      parser.resolveOperand(step, indexType, result.operands))
    return failure();
  result.addAttribute(getNumStagesAttrName(result.name),
                      parser.getBuilder().getI64IntegerAttr(numStages));
  if (parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  inductionVar.type = indexType;
  Region *body = result.addRegion();
  return parser.parseRegion(*body, {inductionVar});
}

void PipelinedOp::print(OpAsmPrinter &p) {
  p << ' ' << getInductionVar() << " = " << getLowerBound() << " to "
    << getUpperBound() << " step " << getStep() << " num_stages("
    << getNumStages() << ")";
  p.printOptionalAttrDictWithKeyword((*this)->getAttrs(),
                                     {getNumStagesAttrName()});
  p << ' ';
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false);
}

LogicalResult PipelinedOp::verify() {
  // The attribute is read unsigned: a negative value shows as its int64.
  if (static_cast<int64_t>(getNumStages()) < 0)
    return emitOpError("num_stages must not be negative, got ")
           << static_cast<int64_t>(getNumStages());
  Block &body = getBody().front();
  if (body.getNumArguments() != 1 || !body.getArgument(0).getType().isIndex())
    return emitOpError("body must take one index induction variable");
  std::optional<ArrayRef<int64_t>> order = getOrder();
  std::optional<ArrayRef<int64_t>> stage = getStage();
  if (order) {
    SmallVector<int64_t> sorted(order->begin(), order->end());
    llvm::sort(sorted);
    for (auto [position, value] : llvm::enumerate(sorted))
      if (value != static_cast<int64_t>(position))
        return emitOpError("order must be a permutation of 0..")
               << order->size() - 1;
  }
  if (stage) {
    for (int64_t value : *stage)
      if (value < 0 || value >= std::max<int64_t>(getNumStages(), 1))
        return emitOpError("stage entries must be in [0, num_stages), got ")
               << value;
  }
  if (order && stage && order->size() != stage->size())
    return emitOpError("order and stage must have the same length");
  return success();
}

//===----------------------------------------------------------------------===//
// AllocOp, DimOp, RegionOp
//===----------------------------------------------------------------------===//

LogicalResult AllocOp::verify() {
  if (getType().getScope() == MemoryScope::Global)
    return emitOpError("cannot allocate a global buffer inside a kernel");
  if (getType().getWindow())
    return emitOpError("allocates a whole buffer; its type has no window");
  // On-chip memory is kilobytes; a byte count past 2^31 (or one that
  // overflows) is a mistake, and would wrap in the shared-memory plan.
  int64_t bytes = std::max<int64_t>(
      1, getType().getElementType().isIntOrFloat()
             ? getType().getElementType().getIntOrFloatBitWidth() / 8
             : 8);
  for (int64_t extent : getType().getShape())
    if (__builtin_mul_overflow(bytes, extent, &bytes) || bytes > (int64_t(1) << 31))
      return emitOpError("an on-chip buffer of ")
             << getType() << " is larger than the 2 GiB any target could hold";
  return success();
}

LogicalResult AllocGlobalOp::verify() {
  BufferType type = getType();
  if (type.getScope() != MemoryScope::Global)
    return emitOpError("allocates global memory; the result type's scope is ")
           << stringifyMemoryScope(type.getScope());
  if (type.getLayout() || type.getWindow())
    return emitOpError("a workspace has no layout or window");
  int64_t dynamic = llvm::count_if(type.getShape(), ShapedType::isDynamic);
  if (static_cast<int64_t>(getDynamicSizes().size()) != dynamic)
    return emitOpError("takes one extent per '?' of its type: ")
           << dynamic << ", got " << getDynamicSizes().size();
  // One allocation per call of the kernel: at the function's top level,
  // where the runtime computes its size before the launches.
  if (!isa_and_nonnull<func::FuncOp>((*this)->getParentOp()))
    return emitOpError("must be at the top level of a kernel function (outside launches, "
                       "loops and conditions)");
  return success();
}

LogicalResult DimOp::verify() {
  int64_t rank = getSource().getType().getShape().size();
  int64_t index = static_cast<int64_t>(getIndex());
  if (index < 0 || index >= rank)
    return emitOpError("dimension ")
           << index << " is out of range for a rank-" << rank
           << " buffer";
  return success();
}

OpFoldResult DimOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> shape = getSource().getType().getShape();
  int64_t extent = shape[getIndex()];
  if (ShapedType::isDynamic(extent)) {
    // A workspace's extent is the operand it was allocated with.
    if (auto workspace = getSource().getDefiningOp<AllocGlobalOp>())
      return workspace.getDynamicSizes()[llvm::count_if(shape.take_front(getIndex()),
                                                        ShapedType::isDynamic)];
    return {};
  }
  return IntegerAttr::get(IndexType::get(getContext()), extent);
}

LogicalResult ViewOp::verify() {
  BufferType source = getSource().getType();
  BufferType result = getResult().getType();
  if (source.getScope() != MemoryScope::Global || result.getScope() != MemoryScope::Global)
    return emitOpError("views a global tensor as a global tensor");
  if (result.getShape().empty() || source.getShape().empty())
    return emitOpError("views a tensor of at least one dimension as another");
  if (result.getElementType() != source.getElementType())
    return emitOpError("keeps the element type: ")
           << source.getElementType() << " viewed as " << result.getElementType();
  if (!isa_and_nonnull<BlockArgument>(getSource()) && !getSource().getDefiningOp<ViewOp>())
    return emitOpError("views a whole tensor (a kernel parameter or a view of one)");
  if (source.getWindow() || result.getWindow())
    return emitOpError("views whole tensors; their types have no window");
  int64_t dynamic = llvm::count_if(result.getShape(), ShapedType::isDynamic);
  if (static_cast<int64_t>(getDynamicExtents().size()) != dynamic)
    return emitOpError("expects one extent per dynamic dimension of the result (")
           << dynamic << "), got " << getDynamicExtents().size();
  auto elements = [](ArrayRef<int64_t> shape) {
    return std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<int64_t>());
  };
  if (source.hasStaticShape() && result.hasStaticShape() &&
      elements(source.getShape()) != elements(result.getShape()))
    return emitOpError("views ") << elements(source.getShape()) << " elements as "
                                 << elements(result.getShape());
  return success();
}

LogicalResult RegionOp::verify() {
  BufferType source = getSource().getType();
  BufferType result = getResult().getType();
  ArrayRef<int64_t> sizes = getSizes();
  size_t rank = source.getShape().size();
  if (getOffsets().size() != rank || sizes.size() != rank)
    return emitOpError("expects one offset and one size per source dimension (")
           << rank << "), got " << getOffsets().size() << " and "
           << sizes.size();
  for (auto [dim, size] : llvm::enumerate(sizes)) {
    if (size <= 0)
      return emitOpError("region sizes must be positive, got ") << size;
    // A window of a tensor may reach past its end (copies clip it, element
    // accesses are guarded); one of an on-chip buffer stays inside.
    int64_t extent = source.getShape()[dim];
    if (source.getScope() != MemoryScope::Global && !ShapedType::isDynamic(extent) &&
        size > extent)
      return emitOpError("region size ")
             << size << " exceeds extent " << extent << " of dimension "
             << dim;
  }
  if (result.getElementType() != source.getElementType() ||
      result.getScope() != source.getScope())
    return emitOpError(
        "result must keep the source's element type and memory scope");
  // The result shape is `sizes` with some unit dimensions dropped.
  ArrayRef<int64_t> resultShape = result.getShape();
  size_t next = 0;
  for (int64_t size : sizes) {
    if (next < resultShape.size() && resultShape[next] == size) {
      ++next;
      continue;
    }
    if (size != 1)
      break;
  }
  if (next != resultShape.size() ||
      withoutUnitDims(resultShape) != withoutUnitDims(sizes))
    return emitOpError("result shape ")
           << shapeString(resultShape) << " is not the region sizes "
           << shapeString(sizes) << " with unit dimensions dropped";
  BufferType expected = viewType(source, sizes, resultShape);
  if (result != expected)
    return emitOpError("result type must be ")
           << expected << ": a view keeps the viewed buffer's layout, and its window places "
           << "it in the storage";
  return success();
}

BufferType RegionOp::viewType(BufferType source, ArrayRef<int64_t> sizes,
                              ArrayRef<int64_t> viewShape) {
  SmallVector<unsigned> sourceDims = source.getStorageDims();
  SmallVector<int64_t> dims;
  for (unsigned kept : keptDims(sizes, viewShape))
    dims.push_back(sourceDims[kept]);
  auto view = BufferType::get(source.getContext(), viewShape, source.getElementType(),
                              source.getScope(), source.getLayout());
  return view.withWindow(WindowAttr::get(source.getContext(), source.getStorageShape(), dims));
}

void RegionOp::build(OpBuilder &builder, OperationState &state, Value source, ValueRange offsets,
                     ArrayRef<int64_t> sizes, ArrayRef<int64_t> viewShape) {
  build(builder, state, viewType(cast<BufferType>(source.getType()), sizes, viewShape), source,
        offsets, builder.getDenseI64ArrayAttr(sizes));
}

SmallVector<unsigned> RegionOp::keptDims(ArrayRef<int64_t> sizes,
                                         ArrayRef<int64_t> resultShape) {
  SmallVector<unsigned> kept;
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t laterNonUnit = 0;
    for (size_t e = d + 1; e < sizes.size(); ++e)
      laterNonUnit += sizes[e] != 1;
    size_t next = kept.size();
    if (sizes[d] != 1 ||
        (next < resultShape.size() && resultShape[next] == 1 &&
         static_cast<int64_t>(resultShape.size() - next - 1) >= laterNonUnit))
      kept.push_back(d);
  }
  return kept;
}

//===----------------------------------------------------------------------===//
// LoadOp, StoreOp
//===----------------------------------------------------------------------===//

/// A slot access: a fragment held in registers, at a slot the calling
/// thread has (where the slot is a constant).
static LogicalResult verifySlotAccess(Operation *op, BufferType type, Value slot) {
  std::optional<int64_t> slots = registerSlots(type);
  if (!slots)
    return op->emitOpError("reads and writes register slots of a fragment with a register "
                           "layout (#tile.cyclic, #tile.wgmma, #tile.wgmma_rows), not ")
           << type;
  // In a launch, the tile.per_thread around it says which thread runs it;
  // outside one it is already a GPU kernel's code, each thread's own.
  if (op->getParentOfType<LaunchOp>() && !op->getParentOfType<PerThreadOp>())
    return op->emitOpError("must be inside a tile.per_thread (which says what thread runs it)");
  if (std::optional<int64_t> constant = getConstantIntValue(slot);
      constant && (*constant < 0 || *constant >= *slots))
    return op->emitOpError("slot ") << *constant << " is outside the " << *slots
                                    << " each thread holds";
  return success();
}

LogicalResult LoadOp::verify() {
  if (getSpeculative() && getBuffer().getType().getScope() == MemoryScope::Shared)
    return emitOpError("cannot read shared memory speculatively (an address outside "
                       "the allocation faults)");
  return verifyIndexCount(*this, getBuffer().getType(), getIndices().size());
}

LogicalResult StoreOp::verify() {
  return verifyIndexCount(*this, getBuffer().getType(), getIndices().size());
}

/// A vector access: at least two lanes of the buffer's values, at most 16
/// bytes, a power of two of them.
static LogicalResult verifyVectorAccess(Operation *op, BufferType type, TypeRange lanes,
                                        size_t indices) {
  Type value = scalarTypeOf(type.getElementType());
  if (lanes.size() < 2 || !llvm::isPowerOf2_64(lanes.size()))
    return op->emitOpError("moves a power of two of at least 2 elements, got ") << lanes.size();
  for (Type lane : lanes)
    if (lane != value)
      return op->emitOpError("lanes must be the buffer's element type ") << value << ", got "
                                                                          << lane;
  // As stored: uint8 is read as i32, 8-bit floats are bytes.
  Type stored = type.getElementType();
  int64_t bits = stored.isIndex() ? 64 : stored.getIntOrFloatBitWidth();
  if (static_cast<int64_t>(lanes.size()) * bits > 128)
    return op->emitOpError("moves at most 16 bytes, got ")
           << lanes.size() << " elements of " << bits / 8 << " bytes";
  return verifyIndexCount(op, type, indices);
}

LogicalResult LoadVectorOp::verify() {
  return verifyVectorAccess(*this, getBuffer().getType(), getLanes().getTypes(),
                            getIndices().size());
}

LogicalResult StoreVectorOp::verify() {
  return verifyVectorAccess(*this, getBuffer().getType(), getLanes().getTypes(),
                            getIndices().size());
}

LogicalResult InBoundsOp::verify() {
  return verifyIndexCount(*this, getBuffer().getType(), getIndices().size());
}

LogicalResult LoadSlotOp::verify() {
  return verifySlotAccess(*this, getBuffer().getType(), getSlot());
}

LogicalResult StoreSlotOp::verify() {
  return verifySlotAccess(*this, getBuffer().getType(), getSlot());
}

//===----------------------------------------------------------------------===//
// PerThreadOp
//===----------------------------------------------------------------------===//

LogicalResult PerThreadOp::verify() {
  if (!(*this)->getParentOfType<LaunchOp>())
    return emitOpError("must be inside a tile.launch");
  WalkResult walk = getBody().walk([&](Operation *inner) {
    if (isa<ParallelOp, PipelinedOp, PerThreadOp, WarpSpecializeOp, AllocOp, CopyOp,
            ConvertLayoutOp, CopyAsyncOp, FillOp, GemmOp, ReduceOp, CumsumOp, BarrierOp,
            AsyncCommitOp, AsyncWaitOp, WarpgroupTurnOp>(inner)) {
      emitOpError("holds each thread's own code; '")
          << inner->getName() << "' works on a whole tile with the block's threads";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// CopyOp, FillOp
//===----------------------------------------------------------------------===//

LogicalResult CopyOp::verify() {
  BufferType source = getSource().getType();
  BufferType target = getTarget().getType();
  if (!source.hasStaticShape() || !target.hasStaticShape())
    return emitOpError("copies need static shapes; copy a region of a buffer "
                       "whose shape is bound at launch");
  if (withoutUnitDims(source.getShape()) != withoutUnitDims(target.getShape()))
    return emitOpError("source shape ")
           << shapeString(source.getShape())
           << " does not match target shape "
           << shapeString(target.getShape());
  Attribute from = viewedLayout(getSource()), to = viewedLayout(getTarget());
  if (source.getScope() == MemoryScope::Fragment && target.getScope() == MemoryScope::Fragment &&
      from && to && from != to)
    return emitOpError("copies between fragments of layouts ")
           << from << " and " << to << "; a change of layout is a tile.convert_layout";
  return success();
}

LogicalResult ConvertLayoutOp::verify() {
  BufferType source = getSource().getType();
  BufferType target = getTarget().getType();
  if (source.getScope() != MemoryScope::Fragment || target.getScope() != MemoryScope::Fragment)
    return emitOpError("converts between fragments, got a ")
           << stringifyMemoryScope(source.getScope()) << " and a "
           << stringifyMemoryScope(target.getScope()) << " buffer";
  if (withoutUnitDims(source.getShape()) != withoutUnitDims(target.getShape()))
    return emitOpError("source shape ")
           << shapeString(source.getShape()) << " does not match target shape "
           << shapeString(target.getShape());
  if (viewedLayout(getSource()) == viewedLayout(getTarget()))
    return emitOpError("converts between two fragments of one layout; that is a tile.copy");
  return success();
}

/// The completion barriers of asynchronous copies: a shared buffer of i64.
static LogicalResult verifyBarriers(Operation *op, BufferType barriers) {
  if (barriers.getScope() != MemoryScope::Shared || barriers.getShape().size() != 1 ||
      !barriers.getElementType().isInteger(64))
    return op->emitOpError("expects the barriers in a 1-D shared buffer of i64");
  return success();
}

LogicalResult CopyAsyncOp::verify() {
  BufferType source = getSource().getType();
  BufferType target = getTarget().getType();
  if (source.getScope() != MemoryScope::Global || target.getScope() != MemoryScope::Shared)
    return emitOpError("copies from a global to a shared buffer only, got ")
           << stringifyMemoryScope(source.getScope()) << " to "
           << stringifyMemoryScope(target.getScope());
  if (!source.hasStaticShape() || !target.hasStaticShape() ||
      withoutUnitDims(source.getShape()) != withoutUnitDims(target.getShape()))
    return emitOpError("source shape ")
           << shapeString(source.getShape()) << " does not match target shape "
           << shapeString(target.getShape());
  return verifyBarriers(*this, getBarriers().getType());
}

LogicalResult AsyncCommitOp::verify() {
  return verifyBarriers(*this, getBarriers().getType());
}

LogicalResult AsyncWaitOp::verify() {
  return verifyBarriers(*this, getBarriers().getType());
}

LogicalResult BarrierWaitOp::verify() {
  return verifyBarriers(*this, getBarriers().getType());
}

LogicalResult BarrierArriveOp::verify() {
  if (getOfPreviousIteration() && !(*this)->getParentOfType<LoopLikeOpInterface>())
    return emitOpError("of_previous_iteration: the release must lie in a loop");
  return verifyBarriers(*this, getBarriers().getType());
}

/// Flags of tile.signal and tile.wait_signal: a 1-D global buffer of i32.
static LogicalResult verifyFlags(Operation *op, BufferType flags) {
  if (flags.getScope() != MemoryScope::Global || flags.getShape().size() != 1 ||
      !flags.getElementType().isInteger(32))
    return op->emitOpError("expects the flags in a 1-D global buffer of i32");
  return success();
}

LogicalResult SignalOp::verify() { return verifyFlags(*this, getFlags().getType()); }

LogicalResult WaitSignalOp::verify() { return verifyFlags(*this, getFlags().getType()); }

LogicalResult WarpSpecializeOp::verify() {
  if (!getPersistent())
    return success();
  // Each side loops over the block's tiles, carrying the iteration count,
  // after the scalar code that computes the loop's bounds.
  for (Region *region : {&getProducer(), &getConsumers()}) {
    Block &block = region->front();
    auto loop = block.empty() ? nullptr : dyn_cast<LoopLikeOpInterface>(block.back());
    bool scalarBefore = llvm::all_of(block.without_terminator(), [&](Operation &op) {
      return &op == &block.back() || op.getNumRegions() == 0;
    });
    if (!loop || block.back().getNumResults() == 0 || !scalarBefore)
      return emitOpError("persistent: each region must end in a loop over the block's tiles "
                         "that carries the pipelined iterations, after scalar code only");
  }
  return success();
}

LogicalResult WarpgroupTurnOp::verify() {
  // Only the consumers of a warp-specialized block take turns.
  Operation *child = getOperation();
  for (Operation *parent = child->getParentOp(); parent;
       child = parent, parent = parent->getParentOp()) {
    auto specialize = dyn_cast<WarpSpecializeOp>(parent);
    if (!specialize)
      continue;
    if (child->getParentRegion() == &specialize.getConsumers())
      return success();
    break;
  }
  return emitOpError("must be in the consumers region of a tile.warp_specialize");
}

LogicalResult FillOp::verify() { return success(); }

//===----------------------------------------------------------------------===//
// GemmOp
//===----------------------------------------------------------------------===//

LogicalResult GemmOp::verify() {
  BufferType a = getA().getType(), b = getB().getType(), c = getC().getType();
  if (a.getShape().size() != 2 || b.getShape().size() != 2 ||
      c.getShape().size() != 2)
    return emitOpError("operands must be rank-2 tiles");
  if (!a.hasStaticShape() || !b.hasStaticShape() || !c.hasStaticShape())
    return emitOpError("operands must have static shapes");
  if (a.getScope() == MemoryScope::Global ||
      b.getScope() == MemoryScope::Global)
    return emitOpError("A and B must be in shared memory or fragments, not "
                       "global memory");
  if (c.getScope() != MemoryScope::Fragment &&
      c.getScope() != MemoryScope::Local)
    return emitOpError("the accumulator C must be a fragment, got a ")
           << stringifyMemoryScope(c.getScope()) << " buffer";
  int64_t m = getTransposeA() ? a.getShape()[1] : a.getShape()[0];
  int64_t kA = getTransposeA() ? a.getShape()[0] : a.getShape()[1];
  int64_t kB = getTransposeB() ? b.getShape()[1] : b.getShape()[0];
  int64_t n = getTransposeB() ? b.getShape()[0] : b.getShape()[1];
  if (kA != kB)
    return emitOpError("reduction extents differ: A has K = ")
           << kA << ", B has K = " << kB;
  if (c.getShape()[0] != m || c.getShape()[1] != n)
    return emitOpError("accumulator shape ")
           << shapeString(c.getShape()) << " does not match M x N = " << m
           << "x" << n;
  Type elemA = a.getElementType(), elemB = b.getElementType();
  // Floats throughout, or integers throughout (an int8 GEMM into int32).
  bool floats = isa<FloatType>(elemA) && isa<FloatType>(elemB) &&
                isa<FloatType>(c.getElementType());
  bool integers = isa<IntegerType>(elemA) && isa<IntegerType>(elemB) &&
                  isa<IntegerType>(c.getElementType());
  if (!floats && !integers)
    return emitOpError("operands must hold floating-point elements, or all integers");
  bool bothFp8 = isa<Float8E4M3FNType, Float8E5M2Type>(elemA) &&
                 isa<Float8E4M3FNType, Float8E5M2Type>(elemB);
  if (elemA != elemB && !bothFp8)
    return emitOpError("A and B element types differ: ")
           << elemA << " and " << elemB;
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

/// An error unless `dim` names a dimension of `op`'s rank-`rank` source.
static LogicalResult verifyDimOf(Operation *op, uint64_t dim, int64_t rank) {
  if (dim >= static_cast<uint64_t>(rank))
    return op->emitOpError("dim ") << dim << " is out of range for a rank-" << rank
                                   << " source";
  return success();
}

LogicalResult ReduceOp::verify() {
  BufferType source = getSource().getType();
  BufferType target = getTarget().getType();
  int64_t rank = source.getShape().size();
  if (rank == 0)
    return emitOpError("cannot reduce a scalar");
  if (failed(verifyDimOf(*this, getDim(), rank)))
    return failure();
  SmallVector<int64_t> expected(source.getShape());
  expected.erase(expected.begin() + getDim());
  if (withoutUnitDims(expected) != withoutUnitDims(target.getShape()))
    return emitOpError("target shape ")
           << shapeString(target.getShape())
           << " must be the source shape without dimension " << getDim()
           << " (" << shapeString(expected) << ")";
  if (source.getScope() == MemoryScope::Global ||
      target.getScope() == MemoryScope::Global)
    return emitOpError("reductions work on shared buffers and fragments");
  return success();
}

//===----------------------------------------------------------------------===//
// CumsumOp
//===----------------------------------------------------------------------===//

LogicalResult CumsumOp::verify() {
  BufferType source = getSource().getType();
  BufferType target = getTarget().getType();
  int64_t rank = source.getShape().size();
  if (rank == 0)
    return emitOpError("cannot take prefix sums of a scalar");
  if (failed(verifyDimOf(*this, getDim(), rank)))
    return failure();
  if (source.getShape() != target.getShape())
    return emitOpError("target shape ")
           << shapeString(target.getShape()) << " must be the source shape "
           << shapeString(source.getShape());
  if (source.getScope() == MemoryScope::Global || target.getScope() == MemoryScope::Global)
    return emitOpError("prefix sums work on shared buffers and fragments");
  for (Type element : {source.getElementType(), target.getElementType()})
    if (!isa<FloatType>(element) && !(element.isInteger() && !element.isInteger(1)))
      return emitOpError("prefix sums need float or integer elements, got ") << element;
  return success();
}

//===----------------------------------------------------------------------===//
// AtomicAddOp
//===----------------------------------------------------------------------===//

LogicalResult AtomicAddOp::verify() {
  BufferType target = getTarget().getType();
  // Sums of numbers: no bool or 8-bit float targets (no hardware atomic).
  Type element = target.getElementType();
  if (element.isInteger(1) || isa<Float8E4M3FNType, Float8E5M2Type>(element))
    return emitOpError("atomic adds need an integer or a 16/32/64-bit float target, got ")
           << element;
  if (auto tile = dyn_cast<BufferType>(getValue().getType())) {
    if (!getIndices().empty())
      return emitOpError("a tile value takes no indices");
    if (withoutUnitDims(tile.getShape()) != withoutUnitDims(target.getShape()))
      return emitOpError("value shape ")
             << shapeString(tile.getShape())
             << " does not match target shape "
             << shapeString(target.getShape());
    return success();
  }
  if (getValue().getType() != scalarTypeOf(target.getElementType()))
    return emitOpError("value type ")
           << getValue().getType() << " is not the element type "
           << target.getElementType();
  return verifyIndexCount(*this, target, getIndices().size());
}

//===----------------------------------------------------------------------===//
// UseSwizzleOp, AnnotateLayoutOp
//===----------------------------------------------------------------------===//

LogicalResult UseSwizzleOp::verify() {
  if (getPanel() <= 0)
    return emitOpError("panel size must be positive, got ") << getPanel();
  if (!(*this)->getParentOfType<LaunchOp>())
    return emitOpError("must be inside a tile.launch");
  return success();
}

LogicalResult AnnotateLayoutOp::verify() {
  BufferType type = getBuffer().getType();
  auto swizzle = dyn_cast<SwizzleLayoutAttr>(getLayout());
  if (!swizzle)
    return success();
  if (type.getScope() != MemoryScope::Shared)
    return emitOpError("a swizzled layout applies to shared buffers, not ")
           << stringifyMemoryScope(type.getScope()) << " buffers";
  // The swizzle permutes 16-byte chunks within rows of `bytes` bytes.
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 2)
    return emitOpError("a swizzled layout needs a buffer of two or more dimensions, got ")
           << shapeString(shape);
  Type element = type.getElementType();
  if (swizzle.getBytes() != 0 && element.isIntOrFloat() && !ShapedType::isDynamic(shape.back())) {
    int64_t rowBytes = shape.back() * std::max<int64_t>(element.getIntOrFloatBitWidth() / 8, 1);
    if (rowBytes % swizzle.getBytes() != 0)
      return emitOpError("a ") << swizzle.getBytes() << "-byte swizzle needs rows of a multiple of "
                               << swizzle.getBytes() << " bytes; the buffer's rows have "
                               << rowBytes << " bytes";
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Tile/TileOps.cpp.inc"
