//===- LowerCopy.cpp - copies of tile-lower-to-gpu ------------------------===//
//
// tile.copy between every pair of scopes (clipped at tensor edges, 16-byte
// vectors where the rows allow, element pairs out of accumulators),
// cp.async and TMA (tensor maps, loads into stages, stores of staged tiles).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"

#define DEBUG_TYPE "tile-lower-to-gpu"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

LogicalResult KernelLowering::lowerCopy(Operation *op, Value source, Value target) {
  const BufferRef &src = buffers[source];
  const BufferRef &dst = buffers[target];
  SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
  // tile-partition-parallel wrote copies of accumulator rows as loops.
  if (src.wgmmaRowGroups || dst.wgmmaRowGroups)
    return notPartitioned(op);
  if (src.wgmmaGroups || dst.wgmmaGroups) {
    // Each thread moves the accumulator elements it holds.
    const BufferRef &owner = src.wgmmaGroups ? src : dst;
    // Slots 2c and 2c + 1 hold neighbouring columns: to global memory
    // whose rows are the last storage dimension they go as one 2-element
    // store where both are inside and the address is aligned.
    bool pairs = src.wgmmaGroups && dst.scope == tile::MemoryScope::Global &&
                 dst.elementType.isIntOrFloat() && dst.shape.size() == 2 &&
                 dst.kept.back() == dst.storageDims.size() - 1;
    // Into a whole on-chip tile with rows of an even length a pair is
    // always aligned and inside (swizzles move 16-byte chunks, which keep
    // a pair together): one store (attention's probabilities).
    auto isZero = [](Value v) {
      std::optional<int64_t> c = getConstantIntValue(v);
      return c && *c == 0;
    };
    std::optional<int64_t> rowLength =
        dst.storageDims.empty() ? std::nullopt : getConstantIntValue(dst.storageDims.back());
    // stmatrix (sm_90) where every 8-element row of a piece is 16 aligned
    // bytes: a whole tile of the accumulator's shape in 16-bit elements.
    if (stmatrix && src.wgmmaGroups && dst.elementType.isIntOrFloat() &&
        dst.elementType.getIntOrFloatBitWidth() == 16 && dst.shape == src.shape &&
        src.shape.size() == 2 && src.shape[1] % 8 == 0 && rowsOf16Bytes(dst) &&
        llvm::all_of(dst.offsets, [](Value v) { return isConstantIntValue(v, 0); })) {
      stmatrixFromAccumulator(src, dst);
      return success();
    }
    bool onChipPairs = src.wgmmaGroups && !dst.inRegisters() &&
                       dst.scope != tile::MemoryScope::Global &&
                       dst.scope != tile::MemoryScope::Local && dst.elementType.isIntOrFloat() &&
                       dst.elementType.getIntOrFloatBitWidth() >= 8 && dst.shape.size() == 2 &&
                       dst.storageDims.size() == 2 && dst.kept.back() == 1 && rowLength &&
                       *rowLength % 2 == 0 && llvm::all_of(dst.offsets, isZero);
    forEachOwned(owner, [&](ArrayRef<Value> ij, Value slot) {
      SmallVector<Value> si = fromSqueezed(src, ij), di = fromSqueezed(dst, ij);
      if (onChipPairs) {
        int64_t s = *getConstantIntValue(slot);
        if (s % 2 == 1)
          return; // stored with its even neighbour
        Value first = toMemory(dst, castFor(loadAt(src, si, slot), dst));
        Value second = toMemory(dst, castFor(loadAt(src, si, index(s + 1)), dst));
        int64_t pairBytes = 2 * dst.elementType.getIntOrFloatBitWidth() / 8;
        Value pair = vector::FromElementsOp::create(
            b, loc(), VectorType::get({2}, dst.elementType), ValueRange{first, second});
        LLVM::StoreOp::create(b, loc(), pair, address(dst, di), /*alignment=*/pairBytes);
        return;
      }
      if (pairs) {
        int64_t s = *getConstantIntValue(slot);
        if (s % 2 == 1)
          return; // stored with its even neighbour
        SmallVector<Value> next(di);
        next[1] = arith::AddIOp::create(b, loc(), next[1], index(1));
        Value first = toMemory(dst, castFor(loadAt(src, si, slot), dst));
        Value second = toMemory(dst, castFor(loadAt(src, si, index(s + 1)), dst));
        Value at = address(dst, di);
        int64_t pairBytes = 2 * dst.elementType.getIntOrFloatBitWidth() / 8;
        auto ifOp = scf::IfOp::create(b, loc(), insideAndAligned(dst, di, next, at, pairBytes),
                                      /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value pair = vector::FromElementsOp::create(
            b, loc(), VectorType::get({2}, dst.elementType), ValueRange{first, second});
        LLVM::StoreOp::create(b, loc(), pair, at, /*alignment=*/pairBytes);
        b.setInsertionPointToStart(ifOp.elseBlock());
        for (auto [where, value] : {std::make_pair(di, first), std::make_pair(next, second)}) {
          auto inside = scf::IfOp::create(b, loc(), inBounds(dst, where), false);
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(inside.thenBlock());
          store(dst, where, value);
        }
        return;
      }
      auto move = [&]() {
        Value value = src.wgmmaGroups ? loadAt(src, si, slot) : load(src, si);
        value = castFor(value, dst);
        if (dst.wgmmaGroups)
          storeAt(dst, di, slot, value);
        else
          store(dst, di, value);
      };
      Value inside;
      if (src.scope == tile::MemoryScope::Global)
        inside = inBounds(src, si);
      if (dst.scope == tile::MemoryScope::Global)
        inside = inBounds(dst, di);
      if (!inside) {
        move();
        return;
      }
      auto ifOp = scf::IfOp::create(b, loc(), inside, false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      move();
    });
    return success();
  }
  if (lowerVectorCopyToShared(source, target, /*async=*/false))
    return success();
  auto copyElement = [&](Value flat, Value slot) {
    SmallVector<Value> n = delinearize(flat, shape);
    SmallVector<Value> si = fromSqueezed(src, n), di = fromSqueezed(dst, n);
    // 8-bit floats (and uint8) of one type move as their stored bytes.
    bool raw = src.valueType && src.valueType == dst.valueType && !src.inRegisters() &&
               !dst.inRegisters();
    auto write = [&]() {
      Value value;
      if (raw) {
        Value bytes = src.scope == tile::MemoryScope::Global ? loadStoredOrZero(src, si)
                                                             : loadStored(src, si);
        LLVM::StoreOp::create(b, loc(), bytes, address(dst, di));
        return;
      }
      if (src.scope == tile::MemoryScope::Global) {
        value = fromMemory(src, loadStoredOrZero(src, si)); // zero outside the tensor
      } else {
        value = loadAt(src, si, slot);
      }
      storeAt(dst, di, slot, castFor(value, dst));
    };
    if (dst.scope == tile::MemoryScope::Global) {
      auto ifOp = scf::IfOp::create(b, loc(), inBounds(dst, di), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      write();
    } else {
      write();
    }
  };
  // Into a local buffer every thread copies all of it (its own copy); out
  // of one too where the threads' copies differ (a per-thread launch).
  if (wholePerThread(dst) && copyVectorToLocal(src, dst, shape, copyElement))
    return success();
  if (wholePerThread(dst) || (perThreadLaunch && wholePerThread(src)))
    eachThreadAll(product(shape), copyElement, /*unrolled=*/product(shape) <= 64);
  else
    cooperative(product(shape), copyElement, src.inRegisters() || dst.inRegisters());
  return success();
}

bool KernelLowering::isVectorRow(const BufferRef &src, const BufferRef &dst, int64_t total) {
  // A row of 4, 8 or 16 bytes of a tensor, contiguous in memory, into a
  // local buffer of its element type.
  int64_t bytes = vectorBytes(src, total);
  if (src.scope != tile::MemoryScope::Global || !wholePerThread(dst) || src.valueType ||
      dst.valueType || src.indexElements || src.elementType != dst.elementType ||
      src.elementType.getIntOrFloatBitWidth() < 8 || (bytes != 4 && bytes != 8 && bytes != 16))
    return false;
  auto varying = llvm::find_if(src.shape, [](int64_t extent) { return extent != 1; });
  if (varying == src.shape.end())
    return false;
  std::optional<int64_t> stride =
      getConstantIntValue(src.strides[src.kept[varying - src.shape.begin()]]);
  return stride && *stride == 1;
}

bool KernelLowering::copyVectorToLocal(const BufferRef &src, const BufferRef &dst,
                                       ArrayRef<int64_t> shape,
                                       function_ref<void(Value, Value)> copyElement) {
  if (shape.size() != 1 || !isVectorRow(src, dst, shape[0]))
    return false;
  int64_t total = shape[0];
  int64_t bytes = vectorBytes(src, total);
  SmallVector<Value> first = fromSqueezed(src, {index(0)});
  // Both ends inside the tensor and the start aligned: one vector load;
  // otherwise element by element, each clipped.
  SmallVector<Value> last = fromSqueezed(src, {index(total - 1)});
  Value start = address(src, first);
  auto ifOp = scf::IfOp::create(b, loc(), insideAndAligned(src, first, last, start, bytes),
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  Value vector = LLVM::LoadOp::create(b, loc(), VectorType::get({total}, src.elementType), start,
                                      /*alignment=*/bytes);
  for (int64_t i = 0; i < total; ++i)
    store(dst, fromSqueezed(dst, {index(i)}),
          vector::ExtractOp::create(b, loc(), vector, ArrayRef<int64_t>{i}));
  b.setInsertionPointToStart(ifOp.elseBlock());
  eachThreadAll(total, copyElement, /*unrolled=*/true);
  return true;
}

std::optional<unsigned> KernelLowering::tensorMapFor(Value window, Value tile) {
  // The global side: a 2-D window of a tensor parameter whose last
  // dimension is the tensor's (contiguous) last one.
  auto region = window.getDefiningOp<tile::RegionOp>();
  if (!region)
    return std::nullopt;
  auto param = dyn_cast<BlockArgument>(region.getSource());
  if (!param || param.getOwner() != &func.getBody().front())
    return std::nullopt;
  auto tensorType = llvm::cast<tile::BufferType>(param.getType());
  SmallVector<unsigned> kept = region.getType().getStorageDims();
  unsigned rank = tensorType.getShape().size();
  if (kept.size() != 2 || kept[1] != rank - 1 || rank > 5)
    return std::nullopt;
  // The shared side: a whole (stage of a) swizzled buffer of the same shape.
  auto stage = tile.getDefiningOp<tile::RegionOp>();
  auto alloc = (stage ? stage.getSource() : tile).getDefiningOp<tile::AllocOp>();
  if (!alloc)
    return std::nullopt;
  auto swizzle = dyn_cast_or_null<tile::SwizzleLayoutAttr>(tile::getLayout(alloc));
  Type element = tensorType.getElementType();
  if (!swizzle || !element.isIntOrFloat() || element != alloc.getType().getElementType())
    return std::nullopt;
  ArrayRef<int64_t> allocShape = alloc.getType().getShape();
  ArrayRef<int64_t> view = llvm::cast<tile::BufferType>(tile.getType()).getShape();
  if (view.size() != 2 || view != allocShape.take_back(2) ||
      llvm::cast<tile::BufferType>(window.getType()).getShape() != view)
    return std::nullopt;
  if (stage) {
    // Only the leading (stage) offsets may be non-zero.
    for (auto [d, offset] : llvm::enumerate(stage.getOffsets()))
      if (d + 2 >= allocShape.size() && !matchPattern(offset, m_Zero()))
        return std::nullopt;
  }
  int64_t bytes = element.getIntOrFloatBitWidth() / 8;
  int64_t chunkColumns = swizzle.getBytes() / bytes;
  if (view[0] > 256 || view[0] % 8 != 0 || chunkColumns > 256 || view[1] % chunkColumns != 0)
    return std::nullopt;
  SmallVector<int64_t> box(rank, 1);
  box[kept[0]] = view[0];
  box[rank - 1] = chunkColumns;
  unsigned paramIndex = param.getArgNumber();
  auto it = llvm::find_if(tensorMaps, [&](const TensorMap &map) {
    return map.param == paramIndex && map.box == box && map.swizzle == swizzle.getBytes();
  });
  if (it == tensorMaps.end()) {
    if (tensorMaps.size() == kMaxTensorMaps)
      return std::nullopt;
    tensorMaps.push_back({paramIndex, box, swizzle.getBytes(), Value()});
    it = std::prev(tensorMaps.end());
  }
  return it - tensorMaps.begin();
}

void KernelLowering::planTensorMaps(tile::LaunchOp launch) {
  launch.walk([&](tile::CopyAsyncOp copy) {
    if (std::optional<unsigned> map = tensorMapFor(copy.getSource(), copy.getTarget()))
      tmaCopies[copy] = *map;
  });
  // Stores of a whole swizzled shared tile (an epilogue staged on chip).
  launch.walk([&](tile::CopyOp copy) {
    auto source = copy.getSource().getDefiningOp<tile::AllocOp>();
    if (source && source.getType().getScope() == tile::MemoryScope::Shared)
      if (std::optional<unsigned> map = tensorMapFor(copy.getTarget(), copy.getSource()))
        tmaStores[copy] = *map;
  });
  DenseSet<Value> mixed;
  launch.walk([&](tile::CopyAsyncOp copy) {
    if (tmaCopies.count(copy))
      return;
    mixed.insert(copy.getBarriers());
    if (Operation *alloc = tile::viewedBuffer(copy.getTarget()).getDefiningOp())
      filledWithoutTma.insert(alloc);
  });
  launch.walk([&](tile::CopyAsyncOp copy) {
    if (!mixed.count(copy.getBarriers()))
      tmaOnlyBarriers.insert(copy.getBarriers());
  });
  LLVM_DEBUG(llvm::dbgs() << tmaCopies.size() << " copies and " << tmaStores.size()
                          << " stores through " << tensorMaps.size()
                          << " tensor maps\n");
}

SmallVector<Value> KernelLowering::boxCoordinates(const BufferRef &window, int64_t columns) {
  SmallVector<Value> coordinates; // innermost first
  for (int d = static_cast<int>(window.offsets.size()) - 1; d >= 0; --d) {
    Value at = window.offsets[d];
    if (d == static_cast<int>(window.offsets.size()) - 1)
      at = arith::AddIOp::create(b, loc(), at, index(columns));
    coordinates.push_back(arith::IndexCastOp::create(b, loc(), b.getI32Type(), at));
  }
  return coordinates;
}

LogicalResult KernelLowering::lowerTensorStore(tile::CopyOp copy, unsigned mapIndex) {
  const TensorMap &map = tensorMaps[mapIndex];
  const BufferRef &src = buffers[copy.getSource()], &dst = buffers[copy.getTarget()];
  // This store's own map: the others may have failed TMA's rules.
  Value bit = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 1u << mapIndex);
  Value ready = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::ne,
                                      arith::AndIOp::create(b, loc(), tensorMapFlags, bit),
                                      arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 0));
  auto ifOp = scf::IfOp::create(b, loc(), ready, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // The writers fenced their stores for the async proxy at the barrier
  // before this copy (tile-insert-barriers); rows and columns past the
  // tensor's edge are not written.
  int64_t columns = src.shape[1];
  int64_t chunkColumns = map.swizzle / (src.elementType.getIntOrFloatBitWidth() / 8);
  inFirstThread([&] {
    for (int64_t chunk = 0; chunk < columns / chunkColumns; ++chunk) {
      SmallVector<Value> coordinates = boxCoordinates(dst, chunk * chunkColumns);
      targetInfo.tensorStore(b, loc(), map.descriptor,
                         address(src, {index(0), index(chunk * chunkColumns)}), coordinates);
    }
    targetInfo.tensorStoreCommitGroup(b, loc());
    if (!tile::usesOf(tile::viewedBuffer(copy.getTarget())).read) {
      // The tile may be written again (or the block end) once it has been
      // read; the global writes complete on their own.
      targetInfo.tensorStoreWaitAll(b, loc(), /*sourcesRead=*/true);
      return;
    }
    // The kernel reads the tensor too: the writes must have landed, and be
    // ordered with the generic proxy's reads (the barrier after this copy
    // then publishes them to the other threads).
    targetInfo.tensorStoreWaitAll(b, loc(), /*sourcesRead=*/false);
    targetInfo.fenceGlobalFromAsyncProxy(b, loc());
  });
  b.setInsertionPointToStart(ifOp.elseBlock());
  return lowerCopy(copy, copy.getSource(), copy.getTarget());
}

LogicalResult KernelLowering::lowerCopyAsync(tile::CopyAsyncOp copy) {
  auto viaCpAsync = [&]() -> LogicalResult {
    // cp.async where 16-byte vectors apply; otherwise the copy waits.
    if (asyncCopies &&
        lowerVectorCopyToShared(copy.getSource(), copy.getTarget(), /*async=*/true))
      return success();
    return lowerCopy(copy, copy.getSource(), copy.getTarget());
  };
  auto found = tmaCopies.find(copy);
  if (found == tmaCopies.end() || !tmaReady)
    return viaCpAsync();
  const TensorMap &map = tensorMaps[found->second];
  const BufferRef &src = buffers[copy.getSource()], &dst = buffers[copy.getTarget()];
  auto ifOp = scf::IfOp::create(b, loc(), tmaReady, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value bar = barrierAddress(copy.getBarriers(), mapping.lookup(copy.getSlot()));
    int64_t rows = dst.shape[0], columns = dst.shape[1];
    int64_t bytes = src.elementType.getIntOrFloatBitWidth() / 8;
    int64_t chunkColumns = map.swizzle / bytes;
    inFirstThread([&] {
      targetInfo.mbarrierExpectBytes(
          b, loc(), bar,
          arith::ConstantIntOp::create(b, loc(), b.getI32Type(), rows * columns * bytes));
      // One box per swizzle-wide column chunk; each lands as rows x span.
      for (int64_t chunk = 0; chunk < columns / chunkColumns; ++chunk) {
        SmallVector<Value> coordinates = boxCoordinates(src, chunk * chunkColumns);
        targetInfo.tensorLoad(b, loc(), address(dst, {index(0), index(chunk * chunkColumns)}),
                          map.descriptor, coordinates, bar);
      }
    });
    b.setInsertionPointToStart(ifOp.elseBlock());
    if (failed(viaCpAsync()))
      return failure();
  }
  return success();
}

bool KernelLowering::lowerVectorCopyToShared(Value source, Value target, bool async) {
  const BufferRef &src = buffers[source], &dst = buffers[target];
  if (src.scope != tile::MemoryScope::Global || dst.scope != tile::MemoryScope::Shared ||
      src.elementType != dst.elementType || !src.elementType.isIntOrFloat() ||
      parallelDepth > 0)
    return false;
  unsigned bits = src.elementType.getIntOrFloatBitWidth();
  if (bits != 8 && bits != 16 && bits != 32)
    return false;
  int64_t vec = 128 / bits;
  SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
  if (shape.empty() || shape.back() % vec != 0 || llvm::any_of(shape, ShapedType::isDynamic))
    return false;
  // The vectors run along the last storage dimension of both sides.
  auto lastKept = [](const BufferRef &ref) {
    for (int d = static_cast<int>(ref.shape.size()) - 1; d >= 0; --d)
      if (ref.shape[d] != 1)
        return static_cast<int64_t>(ref.kept[d]);
    return int64_t(-1);
  };
  if (lastKept(src) != static_cast<int64_t>(src.storageDims.size()) - 1 ||
      lastKept(dst) != static_cast<int64_t>(dst.storageDims.size()) - 1)
    return false;
  // Shared side: whole rows of a buffer, or of one slab (a pipeline stage)
  // of it, 16-byte aligned (swizzles keep 16-byte chunks whole).
  {
    int64_t slabElements = 1;
    for (int d = static_cast<int>(dst.storageDims.size()) - 1; d >= 0; --d) {
      bool kept = llvm::is_contained(dst.kept, static_cast<unsigned>(d));
      if (kept && !matchPattern(dst.offsets[d], m_Zero()))
        return false;
      if (!kept && (slabElements * bits / 8) % 16 != 0)
        return false;
      std::optional<int64_t> extent = getConstantIntValue(dst.storageDims[d]);
      if (!extent)
        return false;
      slabElements *= *extent;
    }
    if (!dst.swizzle && dst.shape.back() % vec != 0)
      return false;
  }
  LLVM_DEBUG(llvm::dbgs() << "vector copy to shared, " << vec << " elements a vector\n");
  SmallVector<int64_t> vectors(shape);
  vectors.back() /= vec;
  cooperative(product(vectors), [&](Value flat, Value) {
    SmallVector<Value> n = delinearize(flat, vectors);
    n.back() = arith::MulIOp::create(b, loc(), n.back(), index(vec));
    SmallVector<Value> si = fromSqueezed(src, n), di = fromSqueezed(dst, n);
    SmallVector<Value> lastSi(si);
    lastSi.back() = arith::AddIOp::create(b, loc(), lastSi.back(), index(vec - 1));
    // Whole vector inside the tensor and 16-byte aligned in memory.
    Value from = address(src, si);
    Value aligned = isAligned(from, 16);
    Value inside = arith::AndIOp::create(b, loc(), inBounds(src, si), inBounds(src, lastSi));
    Value fast = arith::AndIOp::create(b, loc(), inside, aligned);
    auto ifOp = scf::IfOp::create(b, loc(), fast, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    // `bytes` at a time (both addresses aligned to it). A vector lies in
    // one 16-byte chunk of the shared buffer, which a swizzle moves whole:
    // its pieces are byte offsets from the vector's two addresses.
    auto copyPieces = [&](int64_t bytes) {
      int64_t elements = bytes * 8 / bits;
      Value to = address(dst, di);
      for (int64_t first = 0; first < vec; first += elements) {
        auto offset = [&](Value pointer) {
          if (first == 0)
            return pointer;
          return Value(LLVM::GEPOp::create(
              b, loc(), pointer.getType(), b.getI8Type(), pointer,
              ValueRange{arith::ConstantIntOp::create(b, loc(), b.getI64Type(),
                                                       first * bits / 8)}));
        };
        Value piece = offset(from), into = offset(to);
        if (async) {
          targetInfo.asyncCopy(b, loc(), into, piece, bytes);
          continue;
        }
        auto pieceType = VectorType::get({elements}, src.elementType);
        Value v = LLVM::LoadOp::create(b, loc(), pieceType, piece, /*alignment=*/bytes);
        LLVM::StoreOp::create(b, loc(), v, into, /*alignment=*/bytes);
      }
    };
    copyPieces(16);
    // Rows whose length is not a multiple of 16 bytes (an fp16 tensor of
    // 6146 columns) start at other alignments: vectors of 8 or 4 bytes
    // where the whole 16 are inside the tensor, so that such tensors still
    // load asynchronously and wide (the shared side is 16-byte aligned).
    b.setInsertionPointToStart(ifOp.elseBlock());
    for (int64_t bytes : {8, 4}) {
      if (bytes * 8 < static_cast<int64_t>(bits))
        break;
      auto narrower = scf::IfOp::create(
          b, loc(), arith::AndIOp::create(b, loc(), inside, isAligned(from, bytes)),
          /*withElseRegion=*/true);
      b.setInsertionPointToStart(narrower.thenBlock());
      copyPieces(bytes);
      b.setInsertionPointToStart(narrower.elseBlock());
    }
    // At the tensor's edges (or 2-byte aligned rows) element by element,
    // zero outside.
    Value zero = zeroOf(src.elementType);
    for (int64_t e = 0; e < vec; ++e) {
      SmallVector<Value> se(si), de(di);
      se.back() = arith::AddIOp::create(b, loc(), se.back(), index(e));
      de.back() = arith::AddIOp::create(b, loc(), de.back(), index(e));
      auto select = scf::IfOp::create(b, loc(), TypeRange{src.elementType}, inBounds(src, se),
                                      true, true);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(select.thenBlock());
        scf::YieldOp::create(b, loc(), loadStored(src, se));
        b.setInsertionPointToStart(select.elseBlock());
        scf::YieldOp::create(b, loc(), zero);
      }
      LLVM::StoreOp::create(b, loc(), select.getResult(0), address(dst, de));
    }
  });
  return true;
}
