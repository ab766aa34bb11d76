//===- LowerToGPU.cpp - tile kernels to gpu.func --------------------------===//
//
// The reference GPU schedule (see the pass description in Passes.td). Each
// kernel's launch body is rebuilt inside a gpu.func: scalar code is cloned,
// tile ops become cooperative loops over the block's threads, buffers become
// pointers into global, shared (one extern array) or private memory. This
// file holds the pass, the kernel and the dispatch over tile ops; copies,
// gemms and reductions have files of their own (KernelLowering.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"
#include "dialects/Tile/IndexRanges.h"

#include "compiler/Metadata.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/SaveAndRestore.h"

#define DEBUG_TYPE "tile-lower-to-gpu"

namespace tilec {
#define GEN_PASS_DEF_TILELOWERTOGPU
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

void KernelLowering::cooperative(int64_t total, function_ref<void(Value, Value)> body,
                                 bool unrolled) {
  // A constant trip count per thread (flat = tid + k * threads), so that the
  // loop unrolls and each thread keeps several memory accesses in flight; a
  // guard only when the threads do not divide the iteration space.
  int64_t threads = partThreads;
  int64_t trips = (total + threads - 1) / threads;
  OpBuilder::InsertionGuard guard(b);
  // Outside its own region the producer warpgroup sits out.
  if (partBarrierId == 0)
    onlyThreadsBelow(partThreads);
  auto trip = [&](Value k) {
    OpBuilder::InsertionGuard tripGuard(b);
    Value flat = arith::AddIOp::create(b, loc(), partThreadId,
                                       arith::MulIOp::create(b, loc(), k, index(threads)));
    if (total % threads != 0) {
      Value inside =
          arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::ult, flat, index(total));
      auto ifOp = scf::IfOp::create(b, loc(), inside, /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    body(flat, k);
  };
  if (unrolled) {
    for (int64_t k = 0; k < trips; ++k)
      trip(index(k));
    return;
  }
  auto loop = scf::ForOp::create(b, loc(), index(0), index(trips), index(1));
  b.setInsertionPointToStart(loop.getBody());
  trip(loop.getInductionVar());
}

void KernelLowering::eachThreadAll(int64_t total, function_ref<void(Value, Value)> body,
                                   bool unrolled) {
  OpBuilder::InsertionGuard guard(b);
  if (partBarrierId == 0)
    onlyThreadsBelow(partThreads);
  if (unrolled) {
    for (int64_t k = 0; k < total; ++k)
      body(index(k), index(k));
    return;
  }
  auto loop = scf::ForOp::create(b, loc(), index(0), index(total), index(1));
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar(), loop.getInductionVar());
}

bool KernelLowering::isSpeculatable(scf::IfOp ifOp) {
  for (Region &region : ifOp->getRegions()) {
    if (region.empty())
      return false;
    for (Operation &op : region.front().without_terminator()) {
      if (auto load = dyn_cast<tile::LoadOp>(op)) {
        // Loads of on-chip buffers at indices inside them; not tensors,
        // whose guard may be what keeps the access inside.
        auto type = load.getBuffer().getType();
        if (type.getScope() == tile::MemoryScope::Global)
          return false;
        for (auto [index, extent] : llvm::zip(load.getIndices(), type.getShape()))
          if (!tile::isInsideExtent(index, extent, load))
            return false;
        continue;
      }
      if (isa<tile::LoadSlotOp>(op)) // a register of the thread's own
        continue;
      if (op.getNumRegions() != 0 || !isPure(&op) || isa<tile::TileDialect>(op.getDialect()))
        return false;
    }
  }
  return true;
}

SmallVector<Value> KernelLowering::delinearize(Value flat, ArrayRef<int64_t> shape) {
  SmallVector<Value> result(shape.size());
  Value rest = flat;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    if (d == 0) {
      result[d] = rest;
      break;
    }
    Value extent = index(shape[d]);
    result[d] = arith::RemUIOp::create(b, loc(), rest, extent);
    rest = arith::DivUIOp::create(b, loc(), rest, extent);
  }
  return result;
}

BufferRef KernelLowering::allocate(tile::AllocOp alloc) {
  tile::BufferType type = alloc.getType();
  int64_t count = 0;
  BufferRef ref = describe(type, &count);
  if (ref.wgmmaGroups)
    accumulatorRegisters =
        std::max(accumulatorRegisters,
                 (count * type.getElementType().getIntOrFloatBitWidth() + 31) / 32);
  if (isPrivateBuffer(type)) {
    // Each thread's private copy, allocated once at kernel entry.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value n = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), count);
    int64_t bytes = count * std::max<int64_t>(1, ref.elementType.getIntOrFloatBitWidth() / 8);
    privateBytes += bytes;
    if (bytes > largestPrivateBytes) {
      largestPrivateBytes = bytes;
      largestPrivate = alloc;
    }
    if (ref.packedPairs)
      n = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), count / 2);
    ref.base = LLVM::AllocaOp::create(
        b, loc(), LLVM::LLVMPointerType::get(b.getContext(), privateSpace),
        ref.packedPairs ? Type(pairType(ref)) : ref.elementType, n, /*alignment=*/16);
  } else {
    // Shared and fragment buffers: a slice of the extern shared array, at
    // the offset tile-plan-shared-memory chose.
    auto planned = alloc.getSharedOffsetAttr();
    Value byteOffset = arith::ConstantIntOp::create(b, loc(), b.getI64Type(),
                                                    planned ? planned.getInt() : 0);
    ref.base = LLVM::GEPOp::create(b, loc(), sharedBase.getType(), b.getI8Type(), sharedBase,
                                   ValueRange{byteOffset});
  }
  int64_t stride = 1;
  ref.strides.resize(ref.shape.size());
  for (int d = static_cast<int>(ref.shape.size()) - 1; d >= 0; --d) {
    ref.strides[d] = index(stride);
    stride *= ref.shape[d];
  }
  for (size_t d = 0; d < ref.shape.size(); ++d) {
    ref.storageDims.push_back(index(ref.shape[d]));
    ref.offsets.push_back(index(0));
  }
  return ref;
}

Value KernelLowering::materialize(Value v) {
  if (Value mapped = mapping.lookupOrNull(v))
    return mapped;
  Operation *def = v.getDefiningOp();
  if (!def || isa<tile::AllocGlobalOp>(def)) // a workspace is a buffer, not a scalar
    return {};
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(entry->getTerminator());
  if (auto dim = dyn_cast<tile::DimOp>(def)) {
    const BufferRef &ref = buffers[dim.getSource()];
    mapping.map(v, ref.storageDims[dim.getIndex()]);
    return ref.storageDims[dim.getIndex()];
  }
  for (Value operand : def->getOperands())
    if (!materialize(operand))
      return {};
  Operation *clone = b.clone(*def, mapping);
  return clone->getResult(llvm::cast<OpResult>(v).getResultNumber());
}

std::pair<Value, Value> tilec::rasterizePanels(OpBuilder &b, Location loc, Value linear,
                                               Value columns, Value rows, Value panel) {
  Value panelBlocks = arith::MulIOp::create(b, loc, panel, rows);
  Value first =
      arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, linear, panelBlocks), panel);
  Value within = arith::RemUIOp::create(b, loc, linear, panelBlocks);
  Value width =
      arith::MinUIOp::create(b, loc, arith::SubIOp::create(b, loc, columns, first), panel);
  Value x = arith::AddIOp::create(b, loc, first, arith::RemUIOp::create(b, loc, within, width));
  Value y = arith::DivUIOp::create(b, loc, within, width);
  return {x, y};
}

LogicalResult KernelLowering::run() {
  launchRegion = &launch.getBody();
  MLIRContext *ctx = func.getContext();

  // TMA: the copies that go through tensor maps, which the kernel takes
  // after its parameters.
  if (tma)
    planTensorMaps(launch);
  perThreadLaunch = launch.isPerThread();
  // The GPU kernel's parameters are the launch ABI's slots
  // (lib/ABI/KernelSignature.h), which the runtimes fill: per tensor a
  // global pointer and one i64 per symbolic dimension, scalars as they are,
  // a global pointer per workspace, then the tensor-map flags and the maps
  // (each a 128-byte __grid_constant__ parameter).
  std::vector<abi::ParamSpec> params = tile::getKernelParams(func);
  SmallVector<tile::AllocGlobalOp> workspaces = tile::getKernelWorkspaces(func);
  SmallVector<Type> argTypes;
  SmallVector<unsigned> paramSlot(params.size());
  SmallVector<SmallVector<unsigned>> dimSlots(params.size());
  SmallVector<unsigned> workspaceSlots;
  SmallVector<unsigned> mapSlots;
  unsigned flagSlot = 0;
  auto globalPtr = LLVM::LLVMPointerType::get(ctx, kGlobalSpace);
  for (const abi::ParameterSlot &slot :
       abi::kernelParameterSlots(params, workspaces.size(), tensorMaps.size())) {
    unsigned at = argTypes.size();
    switch (slot.kind) {
    case abi::SlotKind::TensorPointer:
      paramSlot[slot.index] = at;
      dimSlots[slot.index].assign(params[slot.index].extents.size(), 0);
      argTypes.push_back(globalPtr);
      break;
    case abi::SlotKind::DimExtent:
      dimSlots[slot.index][slot.dim] = at;
      argTypes.push_back(b.getI64Type());
      break;
    case abi::SlotKind::Scalar:
      paramSlot[slot.index] = at;
      argTypes.push_back(func.getArgument(slot.index).getType());
      break;
    case abi::SlotKind::Workspace:
      workspaceSlots.push_back(at);
      argTypes.push_back(globalPtr);
      break;
    case abi::SlotKind::TensorMapFlags:
      flagSlot = at;
      argTypes.push_back(b.getI32Type());
      break;
    case abi::SlotKind::TensorMap:
      mapSlots.push_back(at);
      argTypes.push_back(LLVM::LLVMPointerType::get(ctx));
      break;
    }
  }
  b.setInsertionPointToEnd(gpuModule.getBody());
  auto kernel = gpu::GPUFuncOp::create(b, launch.getLoc(), symbol,
                                       b.getFunctionType(argTypes, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  launch.walk([&](tile::WarpSpecializeOp) { warpSpecialized = true; });
  blockThreads = launch.getThreads() + (warpSpecialized ? 128 : 0);
  kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({static_cast<int32_t>(blockThreads), 1, 1}));
  // A grid known at compile time bounds the block indices, so that
  // tile-narrow-compares can run their compares on 32 bits.
  SmallVector<int32_t, 3> grid;
  for (Value extent : launch.getGrid()) {
    std::optional<int64_t> known = getConstantIntValue(extent);
    if (!known || *known < 1 || *known > std::numeric_limits<int32_t>::max())
      break;
    grid.push_back(static_cast<int32_t>(*known));
  }
  if (!launch.getGrid().empty() && grid.size() == launch.getGrid().size()) {
    grid.resize(3, 1);
    kernel.setKnownGridSizeAttr(b.getDenseI32ArrayAttr(grid));
  }
  launch.setBlockThreads(blockThreads);
  entry = &kernel.getBody().front();
  b.setInsertionPointToStart(entry);
  gpu::ReturnOp::create(b, func.getLoc());
  b.setInsertionPoint(entry->getTerminator());
  currentLoc = func.getLoc();

  // A tensor in global memory, C order with no gaps: strides from its
  // extents, the whole of it in view.
  auto addDenseTensor = [&](Value tensor, BufferRef &ref) {
    ref.strides.resize(ref.shape.size());
    Value stride = index(1);
    for (int d = static_cast<int>(ref.shape.size()) - 1; d >= 0; --d) {
      ref.strides[d] = stride;
      // Constant where the extents are (what lowerings test strides for).
      std::optional<int64_t> known = getConstantIntValue(stride),
                             extent = getConstantIntValue(ref.storageDims[d]);
      stride = known && extent ? index(*known * *extent)
                               : Value(arith::MulIOp::create(b, loc(), stride, ref.storageDims[d]));
    }
    ref.offsets.assign(ref.shape.size(), index(0));
    bindBuffer(tensor, ref);
  };
  for (BlockArgument arg : func.getArguments()) {
    unsigned slot = paramSlot[arg.getArgNumber()];
    auto buffer = dyn_cast<tile::BufferType>(arg.getType());
    if (!buffer) {
      mapping.map(arg, entry->getArgument(slot));
      continue;
    }
    // Tensors of one launch do not overlap (as in TileLang and Triton): the
    // backend may reorder and batch their accesses.
    kernel.setArgAttr(slot, LLVM::LLVMDialect::getNoAliasAttrName(), b.getUnitAttr());
    BufferRef ref = describe(buffer);
    ref.base = entry->getArgument(slot);
    for (auto [d, extent] : llvm::enumerate(buffer.getShape())) {
      ref.storageDims.push_back(
          ShapedType::isDynamic(extent)
              ? arith::IndexCastOp::create(
                    b, loc(), b.getIndexType(),
                    entry->getArgument(dimSlots[arg.getArgNumber()][d]))
                    .getResult()
              : index(extent));
    }
    addDenseTensor(arg, ref);
  }
  // Workspaces: C-order buffers at the runtime's allocation, their extents
  // computed in the kernel from the host values they were allocated with.
  for (auto [workspace, slot] : llvm::zip_equal(workspaces, workspaceSlots)) {
    kernel.setArgAttr(slot, LLVM::LLVMDialect::getNoAliasAttrName(), b.getUnitAttr());
    tile::BufferType type = workspace.getType();
    BufferRef ref = describe(type);
    ref.base = entry->getArgument(slot);
    unsigned next = 0;
    for (int64_t extent : type.getShape()) {
      if (!ShapedType::isDynamic(extent)) {
        ref.storageDims.push_back(index(extent));
        continue;
      }
      Value value = materialize(workspace.getDynamicSizes()[next++]);
      if (!value)
        return workspace.emitError("a workspace's extents must be computable from the "
                                   "tensors' dimensions and scalar parameters");
      ref.storageDims.push_back(value);
    }
    addDenseTensor(workspace.getResult(), ref);
  }

  if (!tensorMaps.empty()) {
    SmallVector<Attribute> maps;
    SmallVector<int32_t> gridConstants;
    for (auto [i, map] : llvm::enumerate(tensorMaps)) {
      gridConstants.push_back(mapSlots[i]);
      map.descriptor = entry->getArgument(mapSlots[i]);
      maps.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("param", b.getI64IntegerAttr(map.param)),
           b.getNamedAttr("box", b.getI64ArrayAttr(map.box)),
           b.getNamedAttr("swizzle", b.getI64IntegerAttr(map.swizzle))}));
    }
    // Bit i of the flag: the runtime built map i. Loads go through TMA when
    // all of theirs are there (they share barriers), each store when its own is.
    tensorMapFlags = entry->getArgument(flagSlot);
    uint32_t loadMaps = 0;
    for (const auto &[copy, map] : tmaCopies)
      loadMaps |= 1u << map;
    if (loadMaps) {
      Value mask = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), loadMaps);
      tmaReady = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq,
                                       arith::AndIOp::create(b, loc(), tensorMapFlags, mask),
                                       mask);
    }
    launch.setTensorMapsAttr(b.getArrayAttr(maps));
    // By-value grid constants are only legal once the kernel is an
    // llvm.func: tile-nvvm-grid-constants applies this mark.
    kernel->setAttr(tile::kGridConstantsAttrName, b.getDenseI32ArrayAttr(gridConstants));
  }
  threadId = gpu::ThreadIdOp::create(b, loc(), gpu::Dimension::x);
  numThreads = index(launch.getThreads());
  numThreadsValue = launch.getThreads();
  partThreadId = threadId;
  partThreads = numThreadsValue;
  auto sharedPtr = LLVM::LLVMPointerType::get(ctx, kSharedSpace);
  sharedBase = LLVM::AddressOfOp::create(b, loc(), sharedPtr, kSharedSymbol);
  Block &body = launch.getBody().front();
  Value blockX = gpu::BlockIdOp::create(b, loc(), gpu::Dimension::x);
  Value blockY = gpu::BlockIdOp::create(b, loc(), gpu::Dimension::y);
  tile::UseSwizzleOp rasterization;
  for (Operation &op : body)
    if (auto swizzle = dyn_cast<tile::UseSwizzleOp>(op))
      rasterization = swizzle;
  if (rasterization && launch.getGrid().size() >= 2) {
    // T.use_swizzle(panel): blocks launched in order go down panels.
    currentLoc = rasterization.getLoc();
    Value columns = gpu::GridDimOp::create(b, loc(), gpu::Dimension::x);
    Value rows = gpu::GridDimOp::create(b, loc(), gpu::Dimension::y);
    Value panel = index(rasterization.getPanel());
    Value linear = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), blockY, columns),
                                         blockX);
    std::tie(blockX, blockY) = rasterizePanels(b, loc(), linear, columns, rows, panel);
    currentLoc = func.getLoc();
  }
  mapping.map(body.getArgument(0), blockX);
  mapping.map(body.getArgument(1), blockY);
  mapping.map(body.getArgument(2), gpu::BlockIdOp::create(b, loc(), gpu::Dimension::z));

  // Values the body uses but the host function defines (constants, symbolic
  // dimensions, expressions of them) are recomputed in the kernel.
  WalkResult walk = launch.getBody().walk([&](Operation *op) {
    for (Value operand : op->getOperands()) {
      if (isa<tile::BufferType>(operand.getType()))
        continue;
      Region *defRegion = operand.getParentRegion();
      if (launchRegion->isAncestor(defRegion))
        continue;
      if (!materialize(operand)) {
        op->emitError("the GPU lowering cannot recompute a value defined "
                      "before the launch");
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  // Offsets from tile-plan-shared-memory; planned here when it did not run.
  bool planned = true;
  body.walk([&](tile::AllocOp alloc) {
    if (isOnChip(alloc) && !alloc.getSharedOffsetAttr())
      planned = false;
  });
  if (!planned)
    planSharedMemory(body);
  body.walk([&](tile::AllocOp alloc) {
    if (auto offset = alloc.getSharedOffsetAttr())
      sharedBytes = std::max(sharedBytes, offset.getInt() + bufferBytes(alloc.getType()));
  });
  if (failed(lowerBlock(body)))
    return failure();
  // A barrier followed by nothing but computation and the return orders
  // nothing.
  for (Operation *op = entry->getTerminator()->getPrevNode(); op;) {
    Operation *previous = op->getPrevNode();
    if (isa<gpu::BarrierOp>(op))
      op->erase();
    else if (op->getNumRegions() != 0 || !isPure(op))
      break;
    op = previous;
  }
  launch.setGpuKernel(kernel.getName());
  launch.setSharedBytes(sharedBytes);
  return success();
}

LogicalResult KernelLowering::lowerBlock(Block &source, Block::iterator first) {
  // wgmma groups in flight are waited for before what depends on them and
  // at the block's end (per-thread code of T.Parallel issues none).
  // Groups issued before the block (an scf.if's branch among ops that do
  // not depend on them) stay in flight past its end.
  bool blockLevel = parallelDepth == 0;
  size_t pendingBefore = pendingWgmmas.size();
  for (Operation &op : llvm::make_range(first == Block::iterator() ? source.begin() : first,
                                        source.end())) {
    if (blockLevel && !pendingWgmmas.empty()) {
      currentLoc = op.getLoc();
      if (&source == carryingBody && op.hasTrait<OpTrait::IsTerminator>()) {
        // The iteration's gemm stays in flight into the next one.
        if (!carryIntoNextIteration())
          waitForAllWgmmas();
      } else if (isa<tile::WarpSpecializeOp>(op) ||
                 (op.hasTrait<OpTrait::IsTerminator>() && pendingWgmmas.size() > pendingBefore)) {
        waitForAllWgmmas();
      } else if (&source == carryingBody && isPreviousIterationRelease(&op)) {
        lowerPreviousIterationRelease(&op);
        continue;
      } else if (isRelease(&op) && pendingBefore == 0) {
        // Held until the gemms reading what it releases are waited for;
        // at once where none in flight does.
        if (!deferRelease(&op))
          lowerHeldRelease(&op);
        continue;
      } else if (!op.hasTrait<OpTrait::IsTerminator>()) {
        waitForWgmmasBefore(&op);
      }
    }
    if (op.hasTrait<OpTrait::IsTerminator>() && isa<tile::TileDialect>(op.getDialect()))
      continue;
    if (auto specialize = dyn_cast<tile::WarpSpecializeOp>(op)) {
      currentLoc = op.getLoc();
      return lowerWarpSpecialize(specialize); // with the rest of the block
    }
    if (failed(lowerOp(&op)))
      return failure();
  }
  if (blockLevel && pendingWgmmas.size() > pendingBefore)
    waitForAllWgmmas();
  return success();
}

LogicalResult KernelLowering::lowerWarpSpecialize(tile::WarpSpecializeOp specialize) {
  // Threads past the launch's are the producer warpgroup.
  Value producer = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::uge, threadId,
                                         index(numThreadsValue));
  auto ifOp = scf::IfOp::create(b, loc(), producer, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // With two or three consumer warpgroups the producer hands registers to
  // the consumers (registerSplit: 56 + 2 x 224 a lane of a warpgroup is
  // what 3 x 168 was). It issues copies only; the accumulators are the
  // consumers'. Pinning the kernel's registers at the even split leaves
  // one block an SM: only where shared memory or the fragments already do
  // (a smaller kernel keeps its blocks side by side instead).
  std::optional<RegisterSplit> split;
  if (setmaxnreg)
    split = consumerRegisterSplit(launch, sharedBytes);
  if (split) {
    // setmaxnreg moves registers within the block's allocation, which is
    // what the kernel's register count says: pinned at the even split
    // (ptxas would otherwise allocate what the code needs, maybe fewer,
    // and the consumers' increase would wait forever).
    targetInfo.setKernelRegisters(entry->getParentOp(), split->launch);
    targetInfo.setWarpgroupRegisters(b, loc(), split->producer, /*increase=*/false);
  }
  partThreadId = arith::SubIOp::create(b, loc(), threadId, index(numThreadsValue));
  partThreads = 128;
  partBarrierId = 2;
  inProducer = true;
  producerIssuesAlone = tmaReady && onlyIssuesTmaCopies(specialize.getProducer().front());
  LogicalResult result = lowerBlock(specialize.getProducer().front());
  inProducer = false;
  producerIssuesAlone = false;
  b.setInsertionPointToStart(ifOp.elseBlock());
  if (split)
    targetInfo.setWarpgroupRegisters(b, loc(), split->consumer, /*increase=*/true);
  partThreadId = threadId;
  partThreads = numThreadsValue;
  partBarrierId = 1;
  if (succeeded(result))
    result = lowerBlock(specialize.getConsumers().front());
  // The rest of the launch: only consumer threads take part (every
  // cooperative op runs on the launch's threads), synchronized by the
  // consumers' named barrier.
  if (succeeded(result))
    result = lowerBlock(*specialize->getBlock(), std::next(specialize->getIterator()));
  partBarrierId = 0;
  return result;
}

std::optional<LogicalResult> KernelLowering::lowerRowLoads(scf::ForOp loop) {
  // `for v in T.vectorized(n): a[v] = A[..., k + v]` (and more such
  // statements): each a contiguous row of a tensor into a local buffer.
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()),
                         upper = getConstantIntValue(loop.getUpperBound()),
                         step = getConstantIntValue(loop.getStep());
  if (!lower || *lower != 0 || !upper || !step || *step != 1 || loop.getNumResults() != 0)
    return std::nullopt;
  Value iv = loop.getInductionVar();
  Block *body = loop.getBody();
  // Values the same in every iteration: from outside the loop, or pure
  // computations of such values inside it (emitted once, before the rows).
  DenseMap<Value, bool> invariant;
  std::function<bool(Value)> isInvariant = [&](Value v) -> bool {
    if (v == iv)
      return false;
    if (loop.isDefinedOutsideOfLoop(v))
      return true;
    if (auto known = invariant.find(v); known != invariant.end())
      return known->second;
    Operation *def = v.getDefiningOp();
    bool result = def && def->getNumRegions() == 0 && isPure(def) &&
                  llvm::all_of(def->getOperands(), isInvariant);
    invariant[v] = result;
    return result;
  };
  struct Row {
    tile::LoadOp load;
    tile::StoreOp store;
    Value start; // of the row along the tensor's last dimension
  };
  SmallVector<Row> rows;
  SmallVector<Operation *> hoisted;
  DenseSet<Operation *> rowOps;
  for (Operation &inner : body->without_terminator()) {
    auto store = dyn_cast<tile::StoreOp>(inner);
    if (!store) {
      if (inner.getNumResults() == 1 && isInvariant(inner.getResult(0)))
        hoisted.push_back(&inner);
      else if (!isa<tile::LoadOp, arith::AddIOp>(inner))
        return std::nullopt; // checked below as parts of a row
      continue;
    }
    auto load = store.getValue().getDefiningOp<tile::LoadOp>();
    auto localType = llvm::cast<tile::BufferType>(store.getBuffer().getType());
    if (!load || !load->hasOneUse() || load->getBlock() != body ||
        localType.getScope() != tile::MemoryScope::Local || localType.getShape().size() != 1 ||
        store.getIndices().size() != 1 || store.getIndices()[0] != iv ||
        llvm::cast<tile::BufferType>(load.getBuffer().getType()).getScope() !=
            tile::MemoryScope::Global)
      return std::nullopt;
    ValueRange indices = load.getIndices();
    if (indices.empty() || !llvm::all_of(indices.drop_back(), isInvariant))
      return std::nullopt;
    auto add = indices.back().getDefiningOp<arith::AddIOp>();
    if (!add || add->getBlock() != body)
      return std::nullopt;
    Value start = add.getLhs() == iv ? add.getRhs() : add.getRhs() == iv ? add.getLhs() : Value();
    if (!start || !isInvariant(start))
      return std::nullopt;
    rows.push_back({load, store, start});
    rowOps.insert(load.getOperation());
    rowOps.insert(add.getOperation());
  }
  // Every load and add left over must belong to a row.
  for (Operation &inner : body->without_terminator())
    if (isa<tile::LoadOp, arith::AddIOp>(inner) && !rowOps.count(&inner) &&
        !llvm::is_contained(hoisted, &inner))
      return std::nullopt;
  // The row as a 1-D window of the tensor along its last dimension (its
  // offsets set once the indices are emitted).
  auto rowOf = [&](Row &row) {
    BufferRef window = buffers[row.load.getBuffer()];
    window.kept = {window.kept.back()};
    window.shape = {*upper};
    return window;
  };
  if (rows.empty() || llvm::any_of(rows, [&](Row &row) {
        const BufferRef &local = buffers[row.store.getBuffer()];
        return local.shape[0] < *upper || !isVectorRow(rowOf(row), local, *upper);
      }))
    return std::nullopt;
  for (Operation *op : hoisted) // tile ops among them (tile.dim) lower as any
    if (failed(lowerOp(op)))
      return failure();
  for (Row &row : rows) {
    const BufferRef &tensor = buffers[row.load.getBuffer()];
    const BufferRef &local = buffers[row.store.getBuffer()];
    // Every index fixed but the last, which starts the row.
    BufferRef window = rowOf(row);
    ValueRange indices = row.load.getIndices();
    for (auto [d, idx] : llvm::enumerate(indices)) {
      unsigned storageDim = tensor.kept[d];
      Value at = d + 1 == indices.size() ? row.start : idx;
      window.offsets[storageDim] =
          b.createOrFold<arith::AddIOp>(loc(), window.offsets[storageDim], mapping.lookup(at));
    }
    BufferRef target = local;
    target.shape = {*upper};
    auto element = [&](Value flat, Value) {
      SmallVector<Value> i{flat};
      Value value = fromMemory(window, loadStoredOrZero(window, i));
      storeAt(target, i, Value(), value);
    };
    bool copied = copyVectorToLocal(window, target, {*upper}, element);
    assert(copied && "isVectorRow said the row qualifies");
    (void)copied;
  }
  return success();
}

bool KernelLowering::onlyIssuesTmaCopies(Block &producer) {
  WalkResult walk = producer.walk([&](Operation *op) {
    if (auto copy = dyn_cast<tile::CopyAsyncOp>(op))
      return tmaCopies.count(copy) && tmaOnlyBarriers.count(copy.getBarriers())
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    if (auto commit = dyn_cast<tile::AsyncCommitOp>(op))
      return tmaOnlyBarriers.count(commit.getBarriers()) ? WalkResult::advance()
                                                         : WalkResult::interrupt();
    if (isa<tile::BarrierWaitOp, tile::RegionOp, tile::DimOp>(op) ||
        op->getDialect() != op->getContext()->getLoadedDialect<tile::TileDialect>())
      return WalkResult::advance();
    return WalkResult::interrupt(); // any other tile op may involve every thread
  });
  return !walk.wasInterrupted();
}

tile::GemmOp KernelLowering::gemmTakingTurn(tile::WarpgroupTurnOp turn) {
  Operation *neighbour = turn.getKind() == tile::TurnKind::Wait   ? turn->getNextNode()
                         : turn.getKind() == tile::TurnKind::Pass ? turn->getPrevNode()
                                                                  : nullptr;
  auto gemm = dyn_cast_or_null<tile::GemmOp>(neighbour);
  if (!gemm)
    return {};
  if (!tile::runsOnWgmma(gemm.getC()) || !buffers.count(gemm.getC()) ||
      128 * buffers[gemm.getC()].wgmmaWarpgroups() < numThreadsValue)
    return {};
  return gemm;
}

LogicalResult KernelLowering::lowerWarpgroupTurn(tile::WarpgroupTurnOp turn) {
  if (partBarrierId != 1 || numThreadsValue % 128 != 0)
    return turn.emitOpError("needs the consumers of a warp-specialized block");
  int64_t warpgroups = numThreadsValue / 128;
  // Barriers 4 to 4 + warpgroups (the producer's included) are the
  // warpgroups' own; the turns' start at 8, and there are 16.
  if (kFirstWarpgroupBarrier + warpgroups >= kFirstTurnBarrier)
    return turn.emitOpError("takes turns among at most three consumer warpgroups");
  // Warpgroup w waits on turn barrier w for the hand-over of w - 1 (mod n):
  // 128 threads arrive, 128 wait, so each barrier counts 256. Waits and
  // hand-overs in the loop are one instruction with the id in a register
  // (a branch per warpgroup would let LLVM move the work around it into
  // the turn); start and finish, once each, are branches.
  auto i32 = [&](Value v) { return arith::IndexCastOp::create(b, loc(), b.getI32Type(), v); };
  Value warpgroup = arith::DivUIOp::create(b, loc(), threadId, index(128));
  Value threads = i32(index(256));
  auto barrierOf = [&](Value w) {
    return i32(arith::AddIOp::create(b, loc(), w, index(kFirstTurnBarrier)));
  };
  auto sync = [&](Value w) { targetInfo.namedBarrierSync(b, loc(), barrierOf(w), threads); };
  auto arrive = [&](Value w) { targetInfo.namedBarrierArrive(b, loc(), barrierOf(w), threads); };
  auto inWarpgroup = [&](int64_t which, function_ref<void()> body) {
    Value is = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq, warpgroup, index(which));
    auto ifOp = scf::IfOp::create(b, loc(), is, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  };
  switch (turn.getKind()) {
  case tile::TurnKind::Start: // the last warpgroup hands warpgroup 0 its first turn
    inWarpgroup(warpgroups - 1, [&] { arrive(index(0)); });
    break;
  case tile::TurnKind::Wait:
    sync(warpgroup);
    break;
  case tile::TurnKind::Pass:
    arrive(arith::RemUIOp::create(b, loc(), arith::AddIOp::create(b, loc(), warpgroup, index(1)),
                                  index(warpgroups)));
    break;
  case tile::TurnKind::Finish: // warpgroup 0 takes the last hand-over back
    inWarpgroup(0, [&] { sync(index(0)); });
    break;
  }
  return success();
}

LogicalResult KernelLowering::lowerOp(Operation *op) {
  currentLoc = op->getLoc();
  if (isa<tile::TileDialect>(op->getDialect()))
    return lowerTileOp(op);
  if (auto ifOp = dyn_cast<scf::IfOp>(op);
      ifOp && parallelDepth > 0 && ifOp.getNumResults() > 0 && isSpeculatable(ifOp)) {
    // Both sides are cheap and safe to compute: a select, no branch, so
    // that the loads of the iterations around it are not held up by it.
    SmallVector<Value> sides[2];
    for (auto [side, region] : llvm::enumerate(ifOp->getRegions())) {
      Block &block = region.front();
      for (Operation &inner : block.without_terminator())
        if (failed(lowerOp(&inner)))
          return failure();
      for (Value yielded : block.getTerminator()->getOperands())
        sides[side].push_back(mapping.lookup(yielded));
    }
    currentLoc = op->getLoc();
    Value cond = mapping.lookup(ifOp.getCondition());
    for (auto [result, then, otherwise] : llvm::zip(ifOp.getResults(), sides[0], sides[1]))
      mapping.map(result, arith::SelectOp::create(b, loc(), cond, then, otherwise));
    return success();
  }
  if (op->getNumRegions() == 0) {
    b.clone(*op, mapping);
    return success();
  }
  if (auto loop = dyn_cast<scf::ForOp>(op))
    if (std::optional<LogicalResult> rows = lowerRowLoads(loop))
      return *rows;
  // Structured control flow: rebuild the op and lower its regions.
  Operation *clone = b.cloneWithoutRegions(*op, mapping);
  // A loop whose gemm stays in flight from each iteration into the next
  // (LowerGemmWaits.cpp).
  auto loop = dyn_cast<scf::ForOp>(op);
  tile::GemmOp carried = loop ? carriedGemm(loop) : tile::GemmOp();
  llvm::SaveAndRestore<Block *> outerCarryingBody(carryingBody);
  if (carried)
    beginCarryingLoop(loop, carried);
  for (auto [oldRegion, newRegion] : llvm::zip(op->getRegions(), clone->getRegions())) {
    for (Block &oldBlock : oldRegion) {
      Block *newBlock = b.createBlock(&newRegion);
      for (BlockArgument arg : oldBlock.getArguments())
        mapping.map(arg, newBlock->addArgument(arg.getType(), arg.getLoc()));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(newBlock);
      if (failed(lowerBlock(oldBlock)))
        return failure();
    }
  }
  b.setInsertionPointAfter(clone);
  if (carried)
    endCarryingLoop(loop, carried);
  for (auto [oldResult, newResult] : llvm::zip(op->getResults(), clone->getResults()))
    mapping.map(oldResult, newResult);
  return success();
}

LogicalResult KernelLowering::lowerTileOp(Operation *op) {
  if (parallelDepth > 0 &&
      isa<tile::CopyOp, tile::ConvertLayoutOp, tile::FillOp, tile::GemmOp, tile::ReduceOp,
          tile::CumsumOp, tile::ParallelOp, tile::PipelinedOp, tile::AllocOp>(op))
    return op->emitError("the GPU target does not support '")
           << op->getName() << "' inside a T.Parallel loop";
  // Each family's lowering lives in its file: buffers, views and element
  // accesses in LowerMemory.cpp, copies in LowerCopy.cpp, synchronization in
  // LowerSync.cpp, gemms in LowerGemm.cpp, reductions in LowerReduce.cpp;
  // allocation, loops and the rest here.
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tile::AllocOp alloc) { return lowerAlloc(alloc); })
      .Case([&](tile::RegionOp region) { return lowerRegion(region); })
      .Case([&](tile::ViewOp view) { return lowerView(view); })
      // Per-thread ops: tile-convert-to-llvm's.
      .Case<tile::LoadOp, tile::StoreOp, tile::LoadSlotOp, tile::StoreSlotOp, tile::LoadVectorOp,
            tile::StoreVectorOp, tile::AlignedOp, tile::InBoundsOp, tile::DimOp,
            tile::ThreadIdOp, tile::ShuffleOp, tile::AssertOp>(
          [&](Operation *perThread) { return keepForConversion(perThread); })
      .Case([&](tile::ParallelOp parallel) { return lowerParallel(parallel); })
      .Case([&](tile::PerThreadOp perThread) { return lowerPerThread(perThread); })
      .Case([&](tile::PipelinedOp pipelined) { return lowerPipelined(pipelined); })
      .Case([&](tile::CopyOp copy) {
        if (auto store = tmaStores.find(op); store != tmaStores.end() && tensorMapFlags)
          return lowerTensorStore(copy, store->second);
        return lowerCopy(op, copy.getSource(), copy.getTarget());
      })
      // Copies decide from both layouts which thread moves which element.
      .Case([&](tile::ConvertLayoutOp convert) {
        return lowerCopy(op, convert.getSource(), convert.getTarget());
      })
      .Case([&](tile::CopyAsyncOp copy) { return lowerCopyAsync(copy); })
      .Case([&](tile::AsyncCommitOp commit) { return lowerAsyncCommit(commit); })
      .Case([&](tile::AsyncWaitOp wait) { return lowerAsyncWait(wait); })
      .Case([&](tile::BarrierOp barrierOp) { return lowerBarrier(barrierOp); })
      .Case([&](tile::WarpgroupTurnOp turn) {
        return gemmTakingTurn(turn) ? success() : lowerWarpgroupTurn(turn);
      })
      .Case([&](tile::BarrierWaitOp wait) { return lowerBarrierWait(wait); })
      .Case<tile::SignalOp, tile::WaitSignalOp>(
          [&](Operation *flag) { return keepOnItsThread(flag); })
      .Case([&](tile::BarrierArriveOp arrive) {
        lowerBarrierArrive(arrive);
        return success();
      })
      .Case<tile::FillOp, tile::CumsumOp>([&](Operation *op) { return notPartitioned(op); })
      .Case([&](tile::GemmOp gemm) { return lowerGemm(gemm); })
      .Case([&](tile::ReduceOp reduce) { return lowerReduce(reduce); })
      .Case([&](tile::AtomicAddOp atomic) { return lowerAtomicAdd(atomic); })
      // Applied to the block indices at kernel entry.
      .Case<tile::UseSwizzleOp, tile::AnnotateLayoutOp>([&](Operation *) { return success(); })
      .Case([&](tile::PrintOp print) { return lowerPrint(print); })
      .Default([&](Operation *) {
        return op->emitError("the GPU target cannot lower '") << op->getName() << "' yet";
      });
}

LogicalResult KernelLowering::lowerAlloc(tile::AllocOp alloc) {
  bindBuffer(alloc.getResult(), allocate(alloc));
  if (alloc.getMbarriers() && (tmaReady || warpSpecialized)) {
    // Arrivals per phase: as the allocation says, or for copy barriers
    // thread 0's commit with TMA and each producer thread's cp.async
    // arrival without.
    Value count;
    if (auto arrivals = alloc.getArrivalsAttr()) {
      count = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), arrivals.getInt());
    } else {
      count = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 128);
      // A group mixing TMA and cp.async copies in a producer warpgroup
      // completes on every producer thread's arrival (and the TMA bytes).
      bool mixed = warpSpecialized && !tmaOnlyBarriers.count(alloc.getResult());
      if (tmaReady && !mixed)
        count = arith::SelectOp::create(
            b, loc(), tmaReady, arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 1), count);
    }
    // The fence makes the initializations visible to the async proxy
    // (TMA's complete_tx) before the block barrier publishes them; the
    // memory model gives no such order through the barrier alone.
    inFirstThread([&] {
      for (int64_t i = 0; i < alloc.getType().getShape()[0]; ++i)
        targetInfo.mbarrierInit(b, loc(), barrierAddress(alloc.getResult(), index(i)), count);
      targetInfo.mbarrierInitFence(b, loc());
    });
    barrier();
  }
  return success();
}

LogicalResult KernelLowering::lowerParallel(tile::ParallelOp parallel) {
  return parallel.emitError("a T.Parallel loop is lowered once tile-partition-parallel has "
                            "assigned its iterations to threads");
}

LogicalResult KernelLowering::lowerPerThread(tile::PerThreadOp perThread) {
  ++parallelDepth;
  LogicalResult result = lowerBlock(perThread.getBody().front());
  --parallelDepth;
  return result;
}

LogicalResult KernelLowering::lowerPipelined(tile::PipelinedOp pipelined) {
  auto loop = scf::ForOp::create(b, loc(), mapping.lookup(pipelined.getLowerBound()),
                                 mapping.lookup(pipelined.getUpperBound()),
                                 mapping.lookup(pipelined.getStep()));
  mapping.map(pipelined.getInductionVar(), loop.getInductionVar());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  return lowerBlock(pipelined.getBody().front());
}

LogicalResult KernelLowering::lowerPrint(tile::PrintOp print) {
  if (isa<tile::BufferType>(print.getValue().getType()))
    return print.emitError("the GPU target prints scalars only");
  return keepOnItsThread(print);
}

LogicalResult KernelLowering::keepOnItsThread(Operation *op) {
  if (parallelDepth == 0 && !perThreadLaunch)
    return op->emitError("the block's '")
           << op->getName()
           << "' runs on one of its threads, which tile-partition-parallel picks first";
  return keepForConversion(op);
}

void KernelLowering::forEachOwned(const BufferRef &ref,
                                  function_ref<void(ArrayRef<Value>, Value)> body) {
  OpBuilder::InsertionGuard guard(b);
  // Warpgroups past the accumulator's own hold nothing.
  onlyThreadsBelow(128 * ref.wgmmaWarpgroups());
  layouts::forEachWgmmaElement(b, loc(), threadId, ref.shape[0], ref.shape[1], ref.wgmmaGroups,
                               ref.wgmmaColumnGroups,
                               [&](Value i, Value j, Value slot) { body({i, j}, slot); });
}

/// The launches of `kernel` in program order, after checking that the code
/// around them can run on the host: scalar computation of parameters and
/// tensor dimensions, and `scf.if`s whose conditions the runtime can
/// evaluate before it launches, and asserts (the kernel's requirements).
/// Loops around a launch and memory accesses outside one run only on the
/// cpu target.
static LogicalResult collectLaunches(func::FuncOp kernel,
                                     SmallVectorImpl<tile::LaunchOp> &launches) {
  WalkResult walk = kernel.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto launch = dyn_cast<tile::LaunchOp>(op)) {
      launches.push_back(launch);
      return WalkResult::skip();
    }
    if (isa<func::ReturnOp, scf::YieldOp>(op))
      return WalkResult::advance();
    bool holdsLaunch = false;
    op->walk([&](tile::LaunchOp) { holdsLaunch = true; });
    if (auto ifOp = dyn_cast<scf::IfOp>(op); ifOp && holdsLaunch) {
      if (ifOp.getNumResults() != 0) {
        op->emitError("an 'if' around T.Kernel cannot also compute values on GPU targets");
        return WalkResult::interrupt();
      }
      if (!compiler::isHostComputable(ifOp.getCondition(), kernel)) {
        op->emitError("on GPU targets the condition around T.Kernel must be computable "
                      "on the host from integer scalar parameters and tensor dimensions");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    if (holdsLaunch) {
      op->emitError("T.Kernel inside a loop runs only on the cpu target; on GPU targets "
                    "launches stand at the kernel's top level or inside 'if'");
      return WalkResult::interrupt();
    }
    // Asserts outside T.Kernel are the kernel's requirements, which the
    // runtime checks (the metadata lists them).
    if (!isMemoryEffectFree(op) && !isa<tile::DimOp, tile::AllocGlobalOp, tile::AssertOp>(op)) {
      op->emitError("on GPU targets only scalar computation may stand outside T.Kernel "
                    "(the cpu target runs this)");
      return WalkResult::interrupt();
    }
    return WalkResult::skip();
  });
  if (walk.wasInterrupted())
    return failure();
  if (launches.empty())
    return kernel.emitError("kernel has no 'with T.Kernel(...)'");
  return success();
}

/// The located error for a launch whose shared memory does not fit the
/// target: notes at its three largest on-chip buffers, and the
/// compile-time parameters that usually size them.
static void reportSharedMemoryOverflow(func::FuncOp kernel, tile::LaunchOp launch,
                                       int64_t needed, int64_t available) {
  InFlightDiagnostic diag = launch.emitError("kernel '")
                            << kernel.getName() << "' needs " << needed
                            << " bytes of shared memory; the target offers at most "
                            << available << " a block";
  SmallVector<std::pair<int64_t, tile::AllocOp>> buffers;
  launch.walk([&](tile::AllocOp alloc) {
    if (alloc.getType().getScope() == tile::MemoryScope::Shared ||
        (alloc.getType().getScope() == tile::MemoryScope::Fragment &&
         alloc.getSharedOffsetAttr()))
      buffers.push_back({bufferBytes(alloc.getType()), alloc});
  });
  llvm::stable_sort(buffers, [](auto &a, auto &b) { return a.first > b.first; });
  buffers.truncate(std::min<size_t>(3, buffers.size()));
  for (auto &[bytes, alloc] : buffers)
    diag.attachNote(alloc.getLoc()) << "this buffer takes " << bytes << " bytes ("
                                    << alloc.getType() << ")";
  std::string knobs;
  if (auto constants = kernel->getAttrOfType<DictionaryAttr>(tile::kConstantsAttrName))
    for (NamedAttribute constant : constants) {
      StringRef name = constant.getName().getValue();
      if (name.starts_with("block_") || name == "num_stages")
        knobs += (knobs.empty() ? "" : ", ") + ("-D " + name).str();
    }
  diag << (knobs.empty() ? std::string(" (take smaller tiles or fewer pipeline stages)")
                         : " (take smaller tiles or fewer pipeline stages: " + knobs + ")");
}

/// A block's registers are shared by its threads: with more warpgroups each
/// thread gets fewer (65536 / threads, at most 255), and accumulators that
/// need more make ptxas give up. A located error says what fits instead.
static LogicalResult checkRegisters(func::FuncOp kernel, tile::LaunchOp launch,
                                    const KernelLowering &lowering) {
  int64_t launchThreads = launch.getThreads();
  int64_t blockThreads = launch.getBlockThreads().value_or(launchThreads);
  // Two consumer warpgroups with a producer get 224 registers each by
  // setmaxnreg; fewer threads have 255. Only larger blocks are at risk.
  if (blockThreads <= 384 || lowering.accumulatorRegisters == 0)
    return success();
  // The even share, also where setmaxnreg gives the consumers more: ptxas
  // fits each instruction's operands in the kernel's own register count
  // (three consumer warpgroups: a 128-register wgmma accumulator does not
  // compile at 128 although the consumers hold 160).
  int64_t available = evenRegisters(blockThreads);
  // Addresses, indices, loop state and the operands in flight.
  constexpr int64_t kOverhead = 24;
  if (lowering.accumulatorRegisters + kOverhead <= available)
    return success();
  return launch.emitError("with ")
         << blockThreads << " threads a block (threads=" << launchThreads
         << (blockThreads > launchThreads ? " and a producer warpgroup" : "")
         << ") each thread has " << available << " registers, but its share of a "
         << "tensor-core accumulator takes " << lowering.accumulatorRegisters
         << ": take threads=256 (two consumer warpgroups, 224 registers each) or smaller "
            "tiles";
}

namespace {
struct TileLowerToGPUPass : public tilec::impl::TileLowerToGPUBase<TileLowerToGPUPass> {
  using TileLowerToGPUBase::TileLowerToGPUBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> kernels;
    module.walk([&](func::FuncOp f) {
      if (f->hasAttr(tile::kKernelAttrName))
        kernels.push_back(f);
    });
    if (kernels.empty())
      return;
    std::unique_ptr<TargetInfo> target = createTargetInfo(targetName);
    if (!target) {
      kernels.front().emitError("tile-lower-to-gpu: unknown target '")
          << targetName << "' (nvvm or rocdl)";
      return signalPassFailure();
    }
    // An instruction family the options ask for must exist on the target.
    struct Requested {
      bool asked;
      TargetFeature feature;
      StringRef option;
    } requested[] = {{asyncCopies, TargetFeature::AsyncCopies, "async-copies"},
                     {tma, TargetFeature::TensorMemory, "tma"},
                     {stmatrix, TargetFeature::MatrixStores, "stmatrix"},
                     {mmaSync, TargetFeature::MmaSync, "mma-sync"},
                     {setmaxnreg, TargetFeature::RegisterTransfer, "setmaxnreg"},
                     {vectorAtomics, TargetFeature::VectorAtomics, "vector-atomics"}};
    for (const Requested &r : requested)
      if (r.asked && !target->supports(r.feature)) {
        kernels.front().emitError("tile-lower-to-gpu: the ")
            << target->name() << " target has no instructions for option '" << r.option << "'";
        return signalPassFailure();
      }
    OpBuilder b(module.getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), b.getUnitAttr());
    b.setInsertionPointToEnd(module.getBody());
    auto gpuModule = gpu::GPUModuleOp::create(b, module.getLoc(), "tilec_kernels");
    b.setInsertionPointToStart(gpuModule.getBody());
    // One extern dynamic shared array; every buffer is carved out of it
    // (a zero-size internal global would overlap other shared variables).
    LLVM::GlobalOp::create(b, module.getLoc(),
                           LLVM::LLVMArrayType::get(b.getI8Type(), 0),
                           /*isConstant=*/false, LLVM::Linkage::External, kSharedSymbol,
                           Attribute(), /*alignment=*/1024, kSharedSpace);
    for (func::FuncOp kernel : kernels) {
      SmallVector<tile::LaunchOp> launches;
      if (failed(collectLaunches(kernel, launches)))
        return signalPassFailure();
      for (auto [i, launch] : llvm::enumerate(launches)) {
        // One launch keeps the kernel's name; several are numbered in
        // program order.
        std::string symbol = kernel.getName().str();
        if (launches.size() > 1)
          symbol += "_launch" + std::to_string(i);
        if (gpuModule.lookupSymbol(symbol)) {
          launch.emitError("the GPU kernel name '")
              << symbol << "' of this launch is taken by another kernel; rename one";
          return signalPassFailure();
        }
        KernelLowering lowering(kernel, launch, symbol, gpuModule, *target, mmaSync,
                                asyncCopies, tma, stmatrix, setmaxnreg);
        lowering.wgmmaOverlap = wgmmaOverlap;
        lowering.vectorAtomics = vectorAtomics;
        if (failed(lowering.run()) || target->reportedUnsupported())
          return signalPassFailure();
        if (maxSharedBytes > 0 && lowering.sharedBytes > maxSharedBytes) {
          reportSharedMemoryOverflow(kernel, launch, lowering.sharedBytes, maxSharedBytes);
          return signalPassFailure();
        }
        if (failed(checkRegisters(kernel, launch, lowering)))
          return signalPassFailure();
        if (maxPrivateBytes > 0 && lowering.privateBytes > maxPrivateBytes) {
          emitError(lowering.largestPrivate ? lowering.largestPrivate->getLoc() : launch.getLoc())
              << "each thread of kernel '" << kernel.getName() << "' needs "
              << lowering.privateBytes << " bytes of private memory (local buffers and "
              << "register fragments; this one takes " << lowering.largestPrivateBytes
              << "); the target offers at most " << static_cast<int64_t>(maxPrivateBytes)
              << " (use shared memory or smaller tiles)";
          return signalPassFailure();
        }
        LLVM_DEBUG(llvm::dbgs() << symbol << ": " << lowering.sharedBytes
                                << " bytes of shared memory\n");
      }
    }
  }
};
} // namespace
