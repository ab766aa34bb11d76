//===- LowerGemm.cpp - T.gemm in tile-lower-to-gpu ------------------------===//
//
// T.gemm on tensor cores: mma.sync one 16x8 piece at a time, mma.sync with
// the accumulator in registers (#tile.wgmma<g, mma_sync>), wgmma with
// shared-memory descriptors or A from registers; ldmatrix and stmatrix.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"

#define DEBUG_TYPE "tile-lower-to-gpu"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

bool KernelLowering::lowerGemmMmaSync(tile::GemmOp gemm) {
  const BufferRef &a = buffers[gemm.getA()], &bm = buffers[gemm.getB()],
                  &c = buffers[gemm.getC()];
  Type element = a.elementType;
  // nvvm.mma.sync with operands packed two to a 32-bit register (MLIR 22's
  // nvgpu lowering deduces no PTX type for bf16), loaded with ldmatrix where
  // the rows allow, else gathered element by element.
  if (!(element.isF16() || element.isBF16()) || bm.elementType != element ||
      !c.elementType.isF32() || a.inRegisters() || bm.inRegisters() || c.inRegisters() ||
      numThreadsValue % 32 != 0)
    return false;
  bool ta = gemm.getTransposeA(), tb = gemm.getTransposeB();
  int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  int64_t n = tb ? bm.shape[0] : bm.shape[1];
  if (m % 16 || n % 8 || k % 16)
    return false;
  bool ldmatrixA = !ta && rowsOf16Bytes(a), ldmatrixB = rowsOf16Bytes(bm);
  LLVM_DEBUG(llvm::dbgs() << "mma.sync gemm " << m << "x" << n << "x" << k
                          << (ldmatrixA ? ", ldmatrix A" : "") << (ldmatrixB ? ", ldmatrix B" : "")
                          << "\n");
  int64_t warps = numThreadsValue / 32, tilesN = n / 8, tiles = (m / 16) * tilesN;
  Value lane = arith::RemUIOp::create(b, loc(), threadId, index(32));
  Value warp = arith::DivUIOp::create(b, loc(), threadId, index(32));
  Value group = arith::DivUIOp::create(b, loc(), lane, index(4));   // row in a 8-row half
  Value pair = arith::MulIOp::create(b, loc(), arith::RemUIOp::create(b, loc(), lane, index(4)),
                                     index(2));                     // first of two columns
  auto add = [&](Value x, int64_t y) { return arith::AddIOp::create(b, loc(), x, index(y)); };
  auto elementA = [&](Value row, Value col) {
    return ta ? load(a, {col, row}) : load(a, {row, col});
  };
  auto elementB = [&](Value kk, Value col) {
    return tb ? load(bm, {col, kk}) : load(bm, {kk, col});
  };
  auto f32 = b.getF32Type();
  auto accType = VectorType::get({2, 2}, f32);
  {
    OpBuilder::InsertionGuard outer(b);
    // A producer warpgroup outside its region must not take pieces of C.
    if (partBarrierId == 0)
      onlyThreadsBelow(numThreadsValue);
    auto loop = scf::ForOp::create(b, loc(), warp, index(tiles), index(warps));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value tile = loop.getInductionVar();
      Value tileRow = arith::MulIOp::create(
          b, loc(), arith::DivUIOp::create(b, loc(), tile, index(tilesN)), index(16));
      Value tileCol = arith::MulIOp::create(
          b, loc(), arith::RemUIOp::create(b, loc(), tile, index(tilesN)), index(8));
      Value r0 = arith::AddIOp::create(b, loc(), tileRow, group), r1 = add(r0, 8);
      Value c0 = arith::AddIOp::create(b, loc(), tileCol, pair), c1 = add(c0, 1);
      Value bCol = arith::AddIOp::create(b, loc(), tileCol, group);
      // The accumulator fragment: (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1).
      Value init;
      if (gemm.getClearAccum()) {
        init = arith::ConstantOp::create(b, loc(), DenseElementsAttr::get(
                                                       accType, b.getFloatAttr(f32, 0.0)));
      } else {
        init = vector::FromElementsOp::create(
            b, loc(), accType,
            ValueRange{load(c, {r0, c0}), load(c, {r0, c1}), load(c, {r1, c0}), load(c, {r1, c1})});
      }
      auto kLoop = scf::ForOp::create(b, loc(), index(0), index(k), index(16), ValueRange{init});
      {
        OpBuilder::InsertionGuard kGuard(b);
        b.setInsertionPointToStart(kLoop.getBody());
        Value k0 = kLoop.getInductionVar();
        Value ka = arith::AddIOp::create(b, loc(), k0, pair), kb = add(ka, 1);
        Value kc = add(ka, 8), kd = add(ka, 9);
        // Operands as 32-bit registers holding two elements each.
        Type i32 = b.getI32Type();
        auto pack = [&](Value lo, Value hi) -> Value {
          Value pairValue = vector::FromElementsOp::create(
              b, loc(), VectorType::get({2}, element), ValueRange{lo, hi});
          return LLVM::BitcastOp::create(b, loc(), i32, pairValue);
        };
        auto lanePart = [&](int64_t modulo, int64_t divide, int64_t scale) -> Value {
          Value v = arith::RemUIOp::create(b, loc(), lane, index(modulo));
          if (divide > 1)
            v = arith::RemUIOp::create(b, loc(), arith::DivUIOp::create(b, loc(), lane, index(divide)),
                                       index(modulo));
          return arith::MulIOp::create(b, loc(), v, index(scale));
        };
        SmallVector<Value> regsA, regsB;
        if (ldmatrixA) {
          // Four matrices: rows +0/+8, columns +0/+8 of the 16x16 piece.
          regsA = ldmatrix(a, arith::AddIOp::create(b, loc(), tileRow, lanePart(16, 1, 1)),
                           arith::AddIOp::create(b, loc(), k0, lanePart(2, 16, 8)), 4, false);
        } else {
          // Rows g and g+8, columns 2t, 2t+1 and 2t+8, 2t+9 of this k step.
          regsA = {pack(elementA(r0, ka), elementA(r0, kb)), pack(elementA(r1, ka), elementA(r1, kb)),
                   pack(elementA(r0, kc), elementA(r0, kd)), pack(elementA(r1, kc), elementA(r1, kd))};
        }
        if (ldmatrixB && tb) {
          // B stored N x K: rows n of the 8 columns, k +0/+8.
          regsB = ldmatrix(bm, arith::AddIOp::create(b, loc(), tileCol, lanePart(8, 1, 1)),
                           arith::AddIOp::create(b, loc(), k0, lanePart(2, 8, 8)), 2, false);
        } else if (ldmatrixB) {
          // B stored K x N: 16 rows k, transposed.
          regsB = ldmatrix(bm, arith::AddIOp::create(b, loc(), k0, lanePart(16, 1, 1)), tileCol, 2,
                           true);
        } else {
          // Rows (k) 2t, 2t+1 and 2t+8, 2t+9 of column g.
          regsB = {pack(elementB(ka, bCol), elementB(kb, bCol)),
                   pack(elementB(kc, bCol), elementB(kd, bCol))};
        }
        Value acc = kLoop.getRegionIterArgs()[0];
        SmallVector<Value> regsC;
        for (int64_t i = 0; i < 2; ++i)
          for (int64_t j = 0; j < 2; ++j)
            regsC.push_back(vector::ExtractOp::create(b, loc(), acc, ArrayRef<int64_t>{i, j}));
        SmallVector<Value> outs = mmaM16N8K16(element, regsA, regsB, regsC);
        scf::YieldOp::create(b, loc(),
                             ValueRange{vector::FromElementsOp::create(b, loc(), accType, outs)});
      }
      Value result = kLoop.getResult(0);
      auto part = [&](int64_t i, int64_t j) {
        return vector::ExtractOp::create(b, loc(), result, ArrayRef<int64_t>{i, j});
      };
      store(c, {r0, c0}, part(0, 0));
      store(c, {r0, c1}, part(0, 1));
      store(c, {r1, c0}, part(1, 0));
      store(c, {r1, c1}, part(1, 1));
    }
  }
  return true;
}

bool KernelLowering::rowsOf16Bytes(const BufferRef &ref) {
  // The view's last dimension is the storage's, at a column multiple of 8,
  // with rows a multiple of 8 elements apart (swizzles keep 16-byte chunks).
  unsigned last = ref.storageDims.size() - 1;
  if (ref.scope == tile::MemoryScope::Global || ref.inRegisters() || ref.kept.size() != 2 ||
      ref.kept[1] != last)
    return false;
  std::optional<int64_t> column = getConstantIntValue(ref.offsets[last]);
  if (!column || *column % 8 != 0)
    return false;
  if (ref.swizzle)
    return true;
  for (unsigned d = 0; d < last; ++d) {
    std::optional<int64_t> stride = getConstantIntValue(ref.strides[d]);
    if (!stride || *stride % 8 != 0)
      return false;
  }
  return true;
}

void KernelLowering::stmatrixFromAccumulator(const BufferRef &src, const BufferRef &dst) {
  int64_t groups = src.wgmmaGroups;
  int64_t blocksPerGroup = src.shape[0] / 64 / groups;
  int64_t slotsPerBlock = src.wgmmaColumns() / 2, chunks = src.wgmmaColumns() / 8;
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * src.wgmmaWarpgroups());
  auto [lane, warp, group, firstColumn] = wgmmaPlace(src);
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc(), x, y).getResult(); };
  // Lane l addresses row l mod 8 of matrix l / 8: matrices 0 and 1 are the
  // upper and lower 8 rows of a chunk, 2 and 3 those of the next chunk.
  Value laneRow = add(arith::RemUIOp::create(b, loc(), lane, index(8)),
                      arith::MulIOp::create(
                          b, loc(),
                          arith::RemUIOp::create(
                              b, loc(), arith::DivUIOp::create(b, loc(), lane, index(8)), index(2)),
                          index(8)));
  Value nextChunk = arith::MulIOp::create(
      b, loc(), arith::DivUIOp::create(b, loc(), lane, index(16)), index(8));
  Type i32 = b.getI32Type();
  auto pairType = VectorType::get({2}, dst.elementType);
  for (int64_t block = 0; block < blocksPerGroup; ++block) {
    Value row = add(add(arith::MulIOp::create(b, loc(), group, index(blocksPerGroup * 64)),
                        index(block * 64)),
                    add(arith::MulIOp::create(b, loc(), warp, index(16)), laneRow));
    for (int64_t chunk = 0; chunk < chunks; chunk += 2) {
      int count = chunk + 1 < chunks ? 4 : 2;
      SmallVector<Value> registers;
      for (int m = 0; m < count; ++m) {
        // Matrix m: chunk + m / 2, row half m mod 2: slots 4 c + 2 h, + 1.
        int64_t slot = block * slotsPerBlock + 4 * (chunk + m / 2) + 2 * (m % 2);
        Value low = toMemory(dst, castFor(loadAt(src, {}, index(slot)), dst));
        Value high = toMemory(dst, castFor(loadAt(src, {}, index(slot + 1)), dst));
        Value pair = vector::FromElementsOp::create(b, loc(), pairType, ValueRange{low, high});
        registers.push_back(LLVM::BitcastOp::create(b, loc(), i32, pair));
      }
      Value column = add(index(8 * chunk), count == 4 ? nextChunk : index(0));
      if (firstColumn)
        column = add(column, firstColumn);
      targetInfo.storeMatrices(b, loc(), address(dst, {row, column}), registers);
    }
  }
}

SmallVector<Value> KernelLowering::ldmatrix(const BufferRef &ref, Value row, Value col, int count,
                                            bool trans) {
  return targetInfo.loadMatrices(b, loc(), address(ref, {row, col}), count, trans);
}

SmallVector<Value> KernelLowering::mmaM16N8K16(Type element, SmallVector<Value> regsA,
                                               SmallVector<Value> regsB, ArrayRef<Value> regsC) {
  return targetInfo.mmaM16N8K16(b, loc(), element, std::move(regsA), std::move(regsB), regsC);
}

LogicalResult KernelLowering::lowerGemmMmaSyncRows(tile::GemmOp gemm) {
  const BufferRef &a = buffers[gemm.getA()], &bm = buffers[gemm.getB()],
                  &c = buffers[gemm.getC()];
  bool ta = gemm.getTransposeA(), tb = gemm.getTransposeB();
  Type element = a.elementType;
  if ((!a.swizzle && !a.wgmmaGroups) || !bm.swizzle || !(element.isF16() || element.isBF16()) ||
      bm.elementType != element)
    return gemm.emitError("an mma.sync accumulator in registers needs 16-bit A in registers or "
                          "swizzled shared memory and B in swizzled shared memory");
  if (a.wgmmaGroups && (a.wgmmaGroups != c.wgmmaGroups || c.wgmmaColumnGroups != 1 || ta))
    return gemm.emitError("an mma.sync A operand in registers needs the accumulator's layout");
  if ((!a.wgmmaGroups && a.kept.size() != 2) || bm.kept.size() != 2)
    return gemm.emitError("mma.sync operands must be 2-D views");
  int64_t m = c.shape[0], n = c.wgmmaColumns(); // this warpgroup's columns
  SmallVector<int64_t> shapeA = tile::withoutUnitDims(a.shape);
  int64_t k = ta ? shapeA[0] : shapeA[1];
  int64_t groups = c.wgmmaGroups;
  int64_t blocksPerGroup = m / 64 / groups;
  int64_t slotsPerBlock = n / 2, chunks = n / 8;
  LLVM_DEBUG(llvm::dbgs() << "mma.sync rows gemm " << m << "x" << n << "x" << k << "\n");
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * c.wgmmaWarpgroups());
  // firstColumn: the first column of B this warpgroup multiplies by.
  auto [lane, warp, group, firstColumn] = wgmmaPlace(c);
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc(), x, y).getResult(); };
  // ldmatrix lane roles: lane l addresses row l mod 8 of matrix l / 8.
  Value laneRow = arith::RemUIOp::create(b, loc(), lane, index(8));
  Value matrix = arith::DivUIOp::create(b, loc(), lane, index(8));
  Value matrixLow = arith::MulIOp::create(
      b, loc(), arith::RemUIOp::create(b, loc(), matrix, index(2)), index(8)); // 8 (j mod 2)
  Value matrixHigh = arith::MulIOp::create(
      b, loc(), arith::DivUIOp::create(b, loc(), matrix, index(2)), index(8)); // 8 (j / 2)
  Value lane16 = arith::RemUIOp::create(b, loc(), lane, index(16));
  for (int64_t block = 0; block < blocksPerGroup; ++block) {
    // This warp's 16 rows of the row block.
    Value rowStart = add(arith::MulIOp::create(b, loc(), group, index(blocksPerGroup * 64)),
                         add(index(block * 64), arith::MulIOp::create(b, loc(), warp, index(16))));
    SmallVector<Value> acc;
    Value zero = arith::ConstantOp::create(b, loc(), b.getF32FloatAttr(0.0));
    for (int64_t s = 0; s < slotsPerBlock; ++s)
      acc.push_back(gemm.getClearAccum() ? zero
                                         : loadAt(c, {}, index(block * slotsPerBlock + s)));
    for (int64_t kk = 0; kk < k; kk += 16) {
      // A's four registers: rows +0/+8, k +0/+8 (matrices in that order).
      SmallVector<Value> regsA;
      if (a.wgmmaGroups)
        regsA = packWgmmaA(a, block * (k / 2) + kk / 2);
      else if (ta) // stored K x M: transposed 8x8 pieces at (k, m)
        regsA = ldmatrix(a, add(index(kk), add(laneRow, matrixHigh)), add(rowStart, matrixLow), 4,
                         true);
      else
        regsA = ldmatrix(a, add(rowStart, lane16),
                         add(index(kk), arith::MulIOp::create(
                                            b, loc(), arith::DivUIOp::create(b, loc(), lane, index(16)),
                                            index(8))),
                         4, false);
      for (int64_t chunk = 0; chunk < chunks; chunk += 2) {
        // B's two registers (k +0/+8) of 8-column chunks `chunk` and, when
        // there is one, `chunk + 1`.
        int count = chunk + 1 < chunks ? 4 : 2;
        SmallVector<Value> regsB;
        Value chunkColumn = firstColumn ? add(firstColumn, index(8 * chunk)) : index(8 * chunk);
        if (tb) // stored N x K: 8x8 pieces at (n, k) as they are
          regsB = ldmatrix(bm, add(chunkColumn, add(laneRow, count == 4 ? matrixHigh : index(0))),
                           add(index(kk), matrixLow), count, false);
        else // stored K x N: transposed pieces at (k, n)
          regsB = ldmatrix(bm, add(index(kk), lane16),
                           add(chunkColumn,
                               count == 4 ? arith::MulIOp::create(
                                                b, loc(), arith::DivUIOp::create(b, loc(), lane, index(16)),
                                                index(8)).getResult()
                                          : index(0)),
                           count, true);
        for (int64_t half = 0; half * 2 < count; ++half) {
          int64_t at = 4 * (chunk + half);
          SmallVector<Value> outs = mmaM16N8K16(element, regsA, {regsB[2 * half], regsB[2 * half + 1]},
                                                ArrayRef<Value>(acc).slice(at, 4));
          std::copy(outs.begin(), outs.end(), acc.begin() + at);
        }
      }
    }
    for (int64_t s = 0; s < slotsPerBlock; ++s)
      storeAt(c, {}, index(block * slotsPerBlock + s), acc[s]);
  }
  return success();
}

Value KernelLowering::wgmmaDescriptor(const BufferRef &ref, Value row, Value col, bool kMajor) {
  // Matrix descriptor: start address >> 4 in bits 0-13, leading-dimension
  // byte offset >> 4 in bits 16-29, stride byte offset >> 4 in bits 32-45,
  // swizzle mode in bits 62-63 (1: 128 B, 2: 64 B, 3: 32 B). In a
  // `span`-byte swizzle, 8 rows of `span` bytes form one core-matrix group
  // (stride byte offset 8 * span); for a matrix whose M or N dimension is
  // the contiguous one, the leading offset steps from one span-wide column
  // chunk to the next (rows * span); K-major matrices do not use it.
  int64_t span = ref.swizzle;
  SmallVector<Value> storageIndex(ref.offsets);
  storageIndex[ref.kept[0]] = arith::AddIOp::create(b, loc(), storageIndex[ref.kept[0]], row);
  storageIndex[ref.kept[1]] = arith::AddIOp::create(b, loc(), storageIndex[ref.kept[1]], col);
  Value start = swizzledOffset(ref, storageIndex, /*applyXor=*/false);
  Type i64 = b.getI64Type();
  Value base = LLVM::PtrToIntOp::create(b, loc(), i64, ref.base);
  Value address = arith::AddIOp::create(b, loc(), base, toI64(start));
  auto constant = [&](uint64_t v) { return arith::ConstantIntOp::create(b, loc(), i64, v); };
  Value field = arith::ShRUIOp::create(
      b, loc(), arith::AndIOp::create(b, loc(), address, constant(0x3FFFF)), constant(4));
  int64_t leading = kMajor ? 16 : ref.swizzleRows * span;
  int64_t stride = 8 * span;
  uint64_t mode = span == 128 ? 1 : span == 64 ? 2 : 3;
  uint64_t fixed = (static_cast<uint64_t>(leading >> 4) << 16) |
                   (static_cast<uint64_t>(stride >> 4) << 32) | (mode << 62);
  return arith::OrIOp::create(b, loc(), field, constant(fixed));
}

SmallVector<Value> KernelLowering::wgmmaStepDescriptors(const BufferRef &ref, int64_t k,
                                                        int64_t kStep, bool kAlongRows,
                                                        Value other, bool kMajor) {
  auto at = [&](int64_t kk) {
    return kAlongRows ? wgmmaDescriptor(ref, index(kk), other, kMajor)
                      : wgmmaDescriptor(ref, other, index(kk), kMajor);
  };
  // The start address of step kk lies a constant number of bytes past the
  // first step's where K runs along the rows (a row is `swizzle` bytes) or
  // along columns starting at a constant column: each step's descriptor is
  // then the first one plus that offset >> 4. The first is kept in place,
  // so that a loop holds one descriptor an operand, not one 64-bit
  // register a step (all loop-invariant for a tile loaded before the loop,
  // which LLVM would hoist: FlashAttention's backward spilled).
  size_t rank = ref.storageDims.size();
  int64_t elementBytes = ref.elementType.getIntOrFloatBitWidth() / 8;
  std::optional<int64_t> firstColumn;
  if (!kAlongRows)
    firstColumn = getConstantIntValue(ref.offsets[ref.kept[1]]);
  bool stepsByConstants = rank >= 2 && ref.kept.size() == 2 && ref.kept[0] == rank - 2 &&
                          ref.kept[1] == rank - 1 && (kAlongRows || firstColumn);
  if (!stepsByConstants) {
    SmallVector<Value> descriptors;
    for (int64_t kk = 0; kk < k; kk += kStep)
      descriptors.push_back(at(kk));
    return descriptors;
  }
  int64_t span = ref.swizzle;
  auto columnBytes = [&](int64_t column) { // swizzledOffset's column part
    int64_t bytes = column * elementBytes;
    return bytes / span * ref.swizzleRows * span + bytes % span;
  };
  Value first = targetInfo.keepInPlace(b, loc(), at(0));
  SmallVector<Value> descriptors{first};
  for (int64_t kk = kStep; kk < k; kk += kStep) {
    int64_t bytes = kAlongRows ? kk * span
                               : columnBytes(*firstColumn + kk) - columnBytes(*firstColumn);
    descriptors.push_back(arith::AddIOp::create(
        b, loc(), first, arith::ConstantIntOp::create(b, loc(), b.getI64Type(), bytes >> 4)));
  }
  return descriptors;
}

SmallVector<Value> KernelLowering::packWgmmaA(const BufferRef &a, int64_t firstSlot) {
  // The k16 slice's eight A elements of this thread sit in slots
  // firstSlot + 0..7 of the accumulator-layout fragment, in the order of
  // wgmma's A registers: (row r, columns c, c + 1), (r + 8, ...), then the
  // same 8 columns on; two elements a 32-bit register.
  Type i32 = b.getI32Type();
  auto pairType = VectorType::get({2}, a.elementType);
  SmallVector<Value> registers;
  if (a.packedPairs) { // stored as the registers
    for (int64_t pair = 0; pair < 4; ++pair)
      registers.push_back(LLVM::LoadOp::create(b, loc(), i32,
                                               pairAddress(a, index(firstSlot + 2 * pair))));
    return registers;
  }
  for (int64_t pair = 0; pair < 4; ++pair) {
    Value low = loadAt(a, {}, index(firstSlot + 2 * pair));
    Value high = loadAt(a, {}, index(firstSlot + 2 * pair + 1));
    Value packed = vector::FromElementsOp::create(b, loc(), pairType, ValueRange{low, high});
    registers.push_back(LLVM::BitcastOp::create(b, loc(), i32, packed));
  }
  return registers;
}

Value KernelLowering::wgmmaFromRegisters(ArrayRef<Value> registersA, Value descB, Value acc,
                                         int64_t n, Type operandType, bool transposeB) {
  return targetInfo.warpgroupMmaRegisterA(b, loc(), acc, registersA, descB, n, operandType,
                                      transposeB);
}

LogicalResult KernelLowering::lowerGemmWgmma(tile::GemmOp gemm) {
  const BufferRef &a = buffers[gemm.getA()], &bm = buffers[gemm.getB()],
                  &c = buffers[gemm.getC()];
  if ((!a.swizzle && !a.wgmmaGroups) || !bm.swizzle)
    return gemm.emitError("the wgmma accumulator needs A in registers or swizzled shared "
                          "memory and B in swizzled shared memory");
  if (a.wgmmaGroups &&
      (a.wgmmaGroups != c.wgmmaGroups || c.wgmmaColumnGroups != 1 || gemm.getTransposeA()))
    return gemm.emitError("a wgmma A operand in registers needs the accumulator's layout");
  bool ta = gemm.getTransposeA(), tb = gemm.getTransposeB();
  int64_t m = c.shape[0], n = c.wgmmaColumns(); // this warpgroup's columns
  SmallVector<int64_t> shapeA = tile::withoutUnitDims(a.shape);
  int64_t k = ta ? shapeA[0] : shapeA[1];
  if (a.kept.size() != 2 || bm.kept.size() != 2)
    return gemm.emitError("wgmma operands must be 2-D views");
  MLIRContext *ctx = b.getContext();
  Type operandType = a.valueType ? a.valueType : a.elementType;
  // One instruction covers 32 bytes of K: k16 for 16-bit, k32 for 8-bit types.
  int64_t kStep = 32 / (a.elementType.getIntOrFloatBitWidth() / 8);
  int64_t groups = c.wgmmaGroups;
  int64_t blocksPerGroup = m / 64 / groups;
  int64_t slotsPerBlock = n / 2;
  LLVM_DEBUG(llvm::dbgs() << "wgmma gemm " << m << "x" << n << "x" << k << "\n");
  // Ordinary stores to A and B were fenced for the async proxy (through
  // which the tensor cores read) at the tile.barrier {async_proxy} placed
  // before this gemm. In the consumers of a warp-specialized loop the
  // stages may have arrived by cp.async (no TMA descriptor) with nobody to
  // fence them after landing: the readers fence. Stages that only TMA
  // fills (through the async proxy) need it only when the tensor maps are
  // off: the fence is a full memory barrier in every k-step.
  enum class Fence { None, WithoutTma, Always };
  auto fenceFor = [&](Value operand) {
    auto region = operand.getDefiningOp<tile::RegionOp>();
    auto alloc = region ? region.getSource().getDefiningOp<tile::AllocOp>() : nullptr;
    if (!alloc || !alloc.getStaged())
      return Fence::None;
    return tmaReady && !filledWithoutTma.count(alloc) ? Fence::WithoutTma : Fence::Always;
  };
  Fence fence = std::max(fenceFor(gemm.getA()), fenceFor(gemm.getB()));
  if (partBarrierId == 1 && fence == Fence::Always) {
    targetInfo.fenceSharedForAsyncProxy(b, loc());
  } else if (partBarrierId == 1 && fence == Fence::WithoutTma) {
    OpBuilder::InsertionGuard guard(b);
    auto ifOp = scf::IfOp::create(b, loc(), negated(tmaReady), false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    targetInfo.fenceSharedForAsyncProxy(b, loc());
  }
  {
    OpBuilder::InsertionGuard guard(b);
    onlyThreadsBelow(128 * c.wgmmaWarpgroups());
    auto [group, columnGroup] = wgmmaGroupOf(c.wgmmaColumnGroups);
    // The first column of B this warpgroup multiplies by.
    Value firstColumn =
        columnGroup ? Value(arith::MulIOp::create(b, loc(), columnGroup, index(n))) : Value();
    Type f32 = b.getF32Type();
    auto structType = LLVM::LLVMStructType::getLiteral(
        ctx, SmallVector<Type>(slotsPerBlock, f32));
    // A from registers: packed before the fence, which orders every
    // register write before it with the wgmmas after it.
    SmallVector<SmallVector<Value>> registersA;
    if (a.wgmmaGroups)
      for (int64_t block = 0; block < blocksPerGroup; ++block)
        for (int64_t kk = 0; kk < k; kk += kStep)
          registersA.push_back(packWgmmaA(a, block * (k / 2) + kk / 2));
    // The turn is taken as late as it can be: after A's registers are packed.
    if (auto turn = dyn_cast_or_null<tile::WarpgroupTurnOp>(gemm->getPrevNode());
        turn && gemmTakingTurn(turn) == gemm && failed(lowerWarpgroupTurn(turn)))
      return failure();
    targetInfo.warpgroupMmaFence(b, loc());
    SmallVector<Value> results;
    // B's columns of this warpgroup: rows of B stored N x K.
    Value columnB = firstColumn ? firstColumn : index(0);
    SmallVector<Value> descriptorsB =
        wgmmaStepDescriptors(bm, k, kStep, /*kAlongRows=*/!tb, columnB, /*kMajor=*/tb);
    for (int64_t block = 0; block < blocksPerGroup; ++block) {
      Value acc = LLVM::UndefOp::create(b, loc(), structType);
      Value zero = arith::ConstantOp::create(b, loc(), b.getFloatAttr(f32, 0.0));
      for (int64_t s = 0; s < slotsPerBlock; ++s) {
        Value v = gemm.getClearAccum() ? zero : loadAt(c, {}, index(block * slotsPerBlock + s));
        acc = LLVM::InsertValueOp::create(b, loc(), acc, v, ArrayRef<int64_t>{s});
      }
      Value rowStart = arith::AddIOp::create(
          b, loc(), arith::MulIOp::create(b, loc(), group, index(blocksPerGroup * 64)),
          index(block * 64));
      SmallVector<Value> descriptorsA;
      if (!a.wgmmaGroups)
        descriptorsA = wgmmaStepDescriptors(a, k, kStep, /*kAlongRows=*/ta, rowStart,
                                            /*kMajor=*/!ta);
      for (int64_t kk = 0; kk < k; kk += kStep) {
        Value descB = descriptorsB[kk / kStep];
        if (a.wgmmaGroups) {
          acc = wgmmaFromRegisters(registersA[block * (k / kStep) + kk / kStep], descB, acc, n,
                                   operandType, tb);
          continue;
        }
        acc = targetInfo.warpgroupMma(b, loc(), acc, descriptorsA[kk / kStep], descB, n, kStep,
                                      operandType, ta, tb);
      }
      results.push_back(acc);
    }
    targetInfo.warpgroupMmaCommitGroup(b, loc());
    // The hand-over of the turn goes out once the wgmmas are issued, not
    // once they complete: the next warpgroup's queue behind them and the
    // tensor cores do not drain at each turn.
    if (auto turn = dyn_cast_or_null<tile::WarpgroupTurnOp>(gemm->getNextNode());
        turn && gemmTakingTurn(turn) == gemm && failed(lowerWarpgroupTurn(turn)))
      return failure();
    if (mayDeferWgmma(gemm, c.wgmmaWarpgroups())) {
      // In flight until an op depends on it (LowerGemmWaits.cpp).
      PendingWgmma pending = pendingEntryOf(gemm);
      pending.results = std::move(results);
      pendingWgmmas.push_back(std::move(pending));
      return success();
    }
    targetInfo.warpgroupMmaWaitGroup(b, loc(), 0);
    storeAccumulatorStructs(c, results);
  }
  return success();
}

LogicalResult KernelLowering::lowerGemm(tile::GemmOp gemm) {
  if (gemm.getWgmma() && !tile::runsOnWgmma(gemm.getC()))
    return gemm.emitError(
        "T.wgmma_gemm runs on Hopper's wgmma only, and this gemm would not: wgmma needs "
        "the sm_90a target (with its wgmma feature) and an accumulator it can lay out in "
        "64-row blocks; T.gemm takes whichever path the target has");
  if (buffers[gemm.getC()].wgmmaGroups) {
    auto layout = llvm::cast<tile::WgmmaLayoutAttr>(tile::viewedLayout(gemm.getC()));
    return layout.getMmaSync() ? lowerGemmMmaSyncRows(gemm) : lowerGemmWgmma(gemm);
  }
  if (mmaSync && lowerGemmMmaSync(gemm))
    return success();
  const BufferRef &a = buffers[gemm.getA()], &bb = buffers[gemm.getB()],
                  &c = buffers[gemm.getC()];
  bool ta = gemm.getTransposeA(), tb = gemm.getTransposeB();
  int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  int64_t n = tb ? bb.shape[0] : bb.shape[1];
  Type accType = c.elementType;
  bool integers = isa<IntegerType>(accType);
  // The SIMT fallback: each thread owns some elements of C.
  cooperative(m * n, [&](Value flat, Value) {
    SmallVector<Value> ij = delinearize(flat, {m, n});
    Value init = gemm.getClearAccum() ? zeroOf(accType) : this->load(c, ij);
    auto loop = scf::ForOp::create(b, loc(), index(0), index(k), index(1), ValueRange{init});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value p = loop.getInductionVar();
      Value x = this->load(a, ta ? SmallVector<Value>{p, ij[0]} : SmallVector<Value>{ij[0], p});
      Value y = this->load(bb, tb ? SmallVector<Value>{ij[1], p} : SmallVector<Value>{p, ij[1]});
      // One rounding per step, as the tensor-core paths accumulate;
      // integers wrap in the accumulator's width.
      Value sum =
          integers
              ? Value(arith::AddIOp::create(
                    b, loc(), loop.getRegionIterArgs()[0],
                    arith::MulIOp::create(b, loc(), cast(x, accType), cast(y, accType))))
              : Value(math::FmaOp::create(b, loc(), cast(x, accType), cast(y, accType),
                                          loop.getRegionIterArgs()[0]));
      scf::YieldOp::create(b, loc(), ValueRange{sum});
    }
    store(c, ij, loop.getResult(0));
  });
  return success();
}
