//===- InferLayouts.cpp - registers or shared memory for fragments --------===//
//
// Marks fragments whose every use is thread-local under the cyclic
// distribution (see TileInferLayouts in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-infer-layouts"

namespace tilec {
#define GEN_PASS_DEF_TILEINFERLAYOUTS
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

/// Reductions with more outputs than this keep their source in shared memory.
static constexpr int64_t kMaxReduceOutputs = 32;

/// Whether `buffer` lives in registers under a layout (cyclic, wgmma or
/// wgmma_rows).
static bool hasRegisterLayout(Value buffer) {
  return isa_and_nonnull<tile::CyclicLayoutAttr, tile::WgmmaLayoutAttr,
                         tile::WgmmaRowsLayoutAttr>(tile::viewedLayout(buffer));
}

/// Whether `buffer` is held the wgmma way (an accumulator or its rows).
static bool hasWgmmaLayout(Value buffer) {
  return isa_and_nonnull<tile::WgmmaLayoutAttr, tile::WgmmaRowsLayoutAttr>(
      tile::viewedLayout(buffer));
}

/// Whether the load or store `use` accesses, in T.Parallel loop `parallel`,
/// the element of the loop's own iteration (its indices are the loop's
/// variables).
static bool sameIteration(OpOperand &use, tile::ParallelOp parallel) {
  Operation *user = use.getOwner();
  ValueRange indices;
  if (auto load = dyn_cast<tile::LoadOp>(user))
    indices = load.getIndices();
  else if (auto store = dyn_cast<tile::StoreOp>(user))
    indices = store.getIndices();
  else
    return false;
  Block &body = parallel.getBody().front();
  if (indices.size() != body.getNumArguments())
    return false;
  for (auto [index, arg] : llvm::zip(indices, body.getArguments()))
    if (index != arg)
      return false;
  return true;
}

/// Whether `use` reads or writes the fragment `buffer` element by element in
/// the order of the threads.
static bool isThreadLocalUse(OpOperand &use, Value buffer) {
  Operation *user = use.getOwner();
  auto identityInParallel = [&]() {
    auto parallel = user->getParentOfType<tile::ParallelOp>();
    // A loop that follows a wgmma accumulator's layout runs its iterations
    // on that layout's threads, not the cyclic ones.
    return parallel && !parallel.getLayoutAttr() &&
           parallel.getExtents() == cast<tile::BufferType>(buffer.getType()).getShape() &&
           sameIteration(use, parallel);
  };
  if (isa<tile::LoadOp>(user))
    return identityInParallel();
  if (auto store = dyn_cast<tile::StoreOp>(user))
    return store.getBuffer() == buffer && identityInParallel();
  if (isa<tile::FillOp>(user))
    return true;
  if (auto copy = dyn_cast<tile::CopyOp>(user)) {
    // The other side in the wgmma layout: its threads hold other elements.
    Value other = copy.getSource() == buffer ? copy.getTarget() : copy.getSource();
    return !hasWgmmaLayout(other);
  }
  if (auto reduce = dyn_cast<tile::ReduceOp>(user)) {
    // Partials are combined across threads in f32 or i32, or in f64 or
    // i64 for those.
    Type element = cast<tile::BufferType>(buffer.getType()).getElementType();
    bool combinable = (isa<FloatType>(element) && element.getIntOrFloatBitWidth() <= 64) ||
                      (element.isInteger() && element.getIntOrFloatBitWidth() <= 64 &&
                       !element.isInteger(1));
    // Each thread keeps one partial per output; with many outputs those
    // spill to local memory and shared memory does better.
    auto shape = cast<tile::BufferType>(buffer.getType()).getShape();
    int64_t outputs = 1;
    for (auto [d, extent] : llvm::enumerate(shape))
      if (static_cast<uint64_t>(d) != reduce.getDim())
        outputs *= extent;
    return combinable && outputs <= kMaxReduceOutputs && reduce.getSource() == buffer &&
           reduce.getTarget() != buffer;
  }
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(user))
    return atomic.getValue() == buffer;
  return false;
}

using tile::widestSwizzle;

/// The whole shared buffer `value` is (a `tile.alloc` result), or null.
static tile::AllocOp sharedAlloc(Value value) {
  auto alloc = value.getDefiningOp<tile::AllocOp>();
  if (!alloc || alloc.getType().getScope() != tile::MemoryScope::Shared ||
      alloc.getType().getShape().size() != 2)
    return {};
  return alloc;
}

/// Whether `op` (or an op nested in it) touches `buffer` or a view of it.
static bool touches(Operation *op, Value buffer) {
  bool found = false;
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (isa<tile::BufferType>(operand.getType()) && tile::viewedBuffer(operand) == buffer)
        found = true;
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

/// A fragment that only receives a whole copy of a shared buffer and is
/// then read as the A operand of gemms, before anything writes the shared
/// buffer again, is that shared buffer: the gemms read it in place. This
/// saves the fragment's registers (or, where it cannot be held in
/// registers, a second swizzled tile of shared memory; MLA decoding's
/// column-split accumulator) and the copy's loads.
static void forwardSharedCopiesIntoGemms(Operation *root) {
  SmallVector<tile::CopyOp> copies;
  root->walk([&](tile::CopyOp copy) { copies.push_back(copy); });
  for (tile::CopyOp copy : copies) {
    tile::AllocOp source = sharedAlloc(copy.getSource());
    auto fragment = copy.getTarget().getDefiningOp<tile::AllocOp>();
    if (!source || !fragment || fragment.getType().getScope() != tile::MemoryScope::Fragment ||
        tile::getLayout(fragment) ||
        fragment.getType().getShape() != source.getType().getShape() ||
        fragment.getType().getElementType() != source.getType().getElementType())
      continue;
    SmallVector<tile::GemmOp> readers;
    bool forwardable = true;
    for (OpOperand &use : fragment->getUses()) {
      if (use.getOwner() == copy)
        continue;
      auto gemm = dyn_cast<tile::GemmOp>(use.getOwner());
      if (!gemm || use.getOperandNumber() != 0 || gemm.getB() == gemm.getA() ||
          gemm->getBlock() != copy->getBlock() || !copy->isBeforeInBlock(gemm)) {
        forwardable = false;
        break;
      }
      for (Operation *between = copy->getNextNode(); between != gemm;
           between = between->getNextNode())
        if (touches(between, source.getResult()) || touches(between, fragment.getResult()))
          forwardable = false;
      readers.push_back(gemm);
    }
    if (!forwardable || readers.empty())
      continue;
    for (tile::GemmOp gemm : readers)
      gemm.getAMutable().assign(source.getResult());
    copy.erase();
    fragment.erase();
  }
}

/// The tile a wgmma can read as an operand, or null: a whole 2-D shared
/// buffer, or a whole 2-D fragment without a register layout, which then
/// lives in swizzled shared memory (attention's probabilities: the copy
/// from the scores' accumulator into it is the conversion of layouts).
static tile::AllocOp operandAlloc(Value value) {
  if (tile::AllocOp shared = sharedAlloc(value))
    return shared;
  // A 2-D window of a 2-D shared tile (a slice of K, or of rows): the
  // gemm's descriptors start inside the tile (wgmmaSpans checks where).
  if (auto window = value.getDefiningOp<tile::RegionOp>())
    return window.getType().getShape().size() == 2 ? sharedAlloc(window.getSource())
                                                   : tile::AllocOp();
  auto alloc = value.getDefiningOp<tile::AllocOp>();
  if (!alloc || alloc.getType().getScope() != tile::MemoryScope::Fragment ||
      alloc.getType().getShape().size() != 2 || hasRegisterLayout(value))
    return {};
  return alloc;
}

/// Whether every use of the accumulator `acc` fits the wgmma layout; the
/// T.Parallel loops that must follow it are collected in `loops`.
static bool accumulatorUsesFit(Value acc, SmallVectorImpl<tile::ParallelOp> &loops,
                               tile::WgmmaLayoutAttr &required) {
  auto accType = cast<tile::BufferType>(acc.getType());
  for (OpOperand &use : acc.getUses()) {
    Operation *user = use.getOwner();
    if (isa<tile::FillOp>(user))
      continue;
    if (auto atomic = dyn_cast<tile::AtomicAddOp>(user)) {
      // Added whole into memory any thread can reach (a float32 sum in
      // global memory): each thread adds the elements it holds.
      auto target = cast<tile::BufferType>(atomic.getTarget().getType());
      if (atomic.getValue() == acc && atomic.getIndices().empty() &&
          (target.getScope() == tile::MemoryScope::Global ||
           target.getScope() == tile::MemoryScope::Shared) &&
          tile::withoutUnitDims(target.getShape()) == tile::withoutUnitDims(accType.getShape()))
        continue;
      LLVM_DEBUG(llvm::dbgs() << "wgmma: accumulator used by an atomic add that does not fit\n");
      return false;
    }
    if (auto gemm = dyn_cast<tile::GemmOp>(user)) {
      if (gemm.getC() == acc)
        continue;
      LLVM_DEBUG(llvm::dbgs() << "wgmma: accumulator used as a gemm operand\n");
      return false;
    }
    if (auto copy = dyn_cast<tile::CopyOp>(user)) {
      // To or from memory any thread can reach: shared or global memory,
      // or a fragment kept out of registers (the copy converts layouts).
      Value other = copy.getSource() == acc ? copy.getTarget() : copy.getSource();
      auto otherType = cast<tile::BufferType>(other.getType());
      if (otherType.getScope() == tile::MemoryScope::Local || hasRegisterLayout(other) ||
          tile::withoutUnitDims(otherType.getShape()) !=
              tile::withoutUnitDims(cast<tile::BufferType>(acc.getType()).getShape())) {
        LLVM_DEBUG(llvm::dbgs() << "wgmma: accumulator copied to or from registers\n");
        return false;
      }
      continue;
    }
    if (auto reduce = dyn_cast<tile::ReduceOp>(user)) {
      // Along the rows: each row's elements sit in one quad of lanes.
      auto shape = cast<tile::BufferType>(acc.getType()).getShape();
      if (reduce.getSource() != acc || reduce.getDim() != 1 || shape.size() != 2 ||
          hasRegisterLayout(reduce.getTarget())) {
        LLVM_DEBUG(llvm::dbgs() << "wgmma: accumulator reduced other than along its rows\n");
        return false;
      }
      continue;
    }
    if (isa<tile::LoadOp, tile::StoreOp>(user)) {
      // Element accesses in a T.Parallel loop over exactly C, indexed by the
      // loop's variables: the loop then follows C's layout.
      auto parallel = user->getParentOfType<tile::ParallelOp>();
      // A loop that already follows another accumulator's layout (read
      // beside this one) may follow this one's too if the layouts agree.
      auto followed = parallel ? dyn_cast_or_null<tile::WgmmaLayoutAttr>(parallel.getLayoutAttr())
                               : nullptr;
      bool inStep = parallel && !parallel->getParentOfType<tile::ParallelOp>() &&
                    (followed ? parallel.getExtents() == accType.getShape() &&
                                    (isa<tile::LoadOp>(user) ||
                                     cast<tile::StoreOp>(user).getBuffer() == acc) &&
                                    sameIteration(use, parallel)
                              : isThreadLocalUse(use, acc));
      if (!inStep || (followed && required && required != followed)) {
        LLVM_DEBUG(llvm::dbgs() << "wgmma: accumulator read or written out of step\n");
        return false;
      }
      if (followed)
        required = followed;
      // Other fragments in the loop stay out of registers (shared memory,
      // where the loop's threads reach any element: a row's running max
      // read next to the scores); locals and register layouts do not fit,
      // except another accumulator of this shape read or written element
      // for element (attention's backward: dS from P and dP, or both
      // rewritten in one loop), whose layout this one then takes.
      bool fits = true;
      parallel.getBody().walk([&](Operation *inner) {
        for (OpOperand &operandUse : inner->getOpOperands()) {
          Value operand = operandUse.get();
          auto type = dyn_cast<tile::BufferType>(operand.getType());
          if (!type || operand == acc)
            continue;
          auto other = dyn_cast_or_null<tile::WgmmaLayoutAttr>(tile::viewedLayout(operand));
          auto store = dyn_cast<tile::StoreOp>(inner);
          bool elementAccess =
              isa<tile::LoadOp>(inner) || (store && store.getBuffer() == operand);
          if (other && type.getShape() == accType.getShape() && elementAccess &&
              sameIteration(operandUse, parallel) && (!required || required == other)) {
            required = other;
            continue;
          }
          if (type.getScope() == tile::MemoryScope::Local || hasRegisterLayout(operand))
            fits = false;
        }
      });
      if (!fits) {
        LLVM_DEBUG(llvm::dbgs() << "wgmma: a loop over the accumulator uses registers\n");
        return false;
      }
      if (!llvm::is_contained(loops, parallel))
        loops.push_back(parallel);
      continue;
    }
    LLVM_DEBUG(llvm::dbgs() << "wgmma: accumulator used by " << user->getName() << "\n");
    return false;
  }
  return true;
}

/// The allocation `operand` is, or the one it is a window of.
static tile::AllocOp viewedAlloc(Value operand) {
  return tile::viewedBuffer(operand).getDefiningOp<tile::AllocOp>();
}

/// Whether `value` is a multiple of `n` wherever it is computed: a
/// constant, or sums and products of such (`j * 64` in an unrolled loop).
static bool knownMultipleOf(Value value, int64_t n) {
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return *constant % n == 0;
  Operation *def = value.getDefiningOp();
  if (!def)
    return false;
  if (isa<arith::MulIOp>(def))
    return knownMultipleOf(def->getOperand(0), n) || knownMultipleOf(def->getOperand(1), n);
  if (isa<arith::AddIOp, arith::SubIOp>(def))
    return knownMultipleOf(def->getOperand(0), n) && knownMultipleOf(def->getOperand(1), n);
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def))
    return knownMultipleOf(def->getOperand(0), n);
  return false;
}

/// The swizzle spans of A and B if `gemm` can run on wgmma, with `threads`
/// threads and its accumulator in the wgmma layout.
static std::optional<std::pair<int64_t, int64_t>> wgmmaSpans(tile::GemmOp gemm, int64_t threads,
                                                              bool mmaSync) {
  tile::AllocOp a = operandAlloc(gemm.getA()), b = operandAlloc(gemm.getB());
  auto c = gemm.getC().getDefiningOp<tile::AllocOp>();
  if (!a || !b || !c || c.getType().getScope() != tile::MemoryScope::Fragment ||
      c.getType().getShape().size() != 2 || threads % 128 != 0)
    return std::nullopt;
  Type element = a.getType().getElementType();
  // 8-bit operands (k32 steps) must both be K-major: A as is, B transposed.
  bool eightBit = isa<Float8E4M3FNType, Float8E5M2Type>(element);
  if (!(element.isF16() || element.isBF16() || eightBit) ||
      b.getType().getElementType() != element || !c.getType().getElementType().isF32())
    return std::nullopt;
  // mma.sync has no 8-bit floats on sm_80.
  if (eightBit && (mmaSync || gemm.getTransposeA() || !gemm.getTransposeB()))
    return std::nullopt;
  ArrayRef<int64_t> shapeA = cast<tile::BufferType>(gemm.getA().getType()).getShape(),
                   shapeB = cast<tile::BufferType>(gemm.getB().getType()).getShape();
  int64_t m = gemm.getTransposeA() ? shapeA[1] : shapeA[0];
  int64_t k = gemm.getTransposeA() ? shapeA[0] : shapeA[1];
  int64_t n = gemm.getTransposeB() ? shapeB[0] : shapeB[1];
  // (A wgmma is at most 256 wide: wider accumulators need warpgroups that
  // split the columns, which inferWgmma checks.)
  if (m % 64 != 0 || n % 8 != 0 || k % (eightBit ? 32 : 16) != 0)
    return std::nullopt;
  int64_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  // Every operand must be swizzled in a way the descriptors can describe.
  auto spanOf = [&](tile::AllocOp alloc) -> int64_t {
    int64_t rowBytes = alloc.getType().getShape()[1] * elementBytes;
    Attribute layout = tile::getLayout(alloc);
    if (auto annotated = dyn_cast_or_null<tile::SwizzleLayoutAttr>(layout))
      return annotated.getBytes();
    return layout ? 0 : widestSwizzle(rowBytes);
  };
  int64_t spanA = spanOf(a), spanB = spanOf(b);
  if (!spanA || !spanB)
    return std::nullopt;
  // A window of a swizzled tile starts where a descriptor may: along K at
  // a k-step, along M or N at a group of 8 rows (K-major operands) or at a
  // span-wide column chunk (M- or N-major ones). On wgmma only (mma.sync's
  // ldmatrix addressing wants constant columns).
  int64_t kStep = eightBit ? 32 : 16;
  auto windowFits = [&](Value operand, int64_t span, bool kMajor) {
    auto window = operand.getDefiningOp<tile::RegionOp>();
    if (!window)
      return true;
    if (mmaSync)
      return false;
    ValueRange offsets = window.getOffsets();
    return kMajor ? knownMultipleOf(offsets[0], 8) && knownMultipleOf(offsets[1], kStep)
                  : knownMultipleOf(offsets[0], kStep) &&
                        knownMultipleOf(offsets[1], span / elementBytes);
  };
  if (!windowFits(gemm.getA(), spanA, !gemm.getTransposeA()) ||
      !windowFits(gemm.getB(), spanB, gemm.getTransposeB())) {
    LLVM_DEBUG(llvm::dbgs() << "wgmma: an operand window starts inside a swizzle atom\n");
    return std::nullopt;
  }
  return std::make_pair(spanA, spanB);
}

/// Whether the A operand `a` of wgmma gemms with `warpgroups` warpgroups
/// can be held in registers in the accumulator layout: a 16-bit fragment
/// whose rows are the gemms' rows, written only by copies from an
/// accumulator of its shape in that layout (each thread converts its own
/// elements) and read only as the A of such gemms (not transposed) or by
/// whole copies to shared or global memory.
static bool feedsFromRegisters(Value a, tile::WgmmaLayoutAttr accLayout) {
  if (accLayout.getColumnGroups() != 1) // each warpgroup needs whole rows of A
    return false;
  auto alloc = a.getDefiningOp<tile::AllocOp>();
  if (!alloc || alloc.getType().getScope() != tile::MemoryScope::Fragment ||
      alloc.getType().getShape().size() != 2 || tile::getLayout(alloc))
    return false;
  Type element = alloc.getType().getElementType();
  if (!element.isF16() && !element.isBF16())
    return false;
  bool written = false;
  for (OpOperand &use : a.getUses()) {
    Operation *user = use.getOwner();
    if (auto copy = dyn_cast<tile::CopyOp>(user); copy && copy.getSource() == a) {
      // Also stored whole to memory (attention's backward keeps dS^T for a
      // transposed gemm): each thread stores the elements it holds.
      auto target = cast<tile::BufferType>(copy.getTarget().getType());
      if ((target.getScope() != tile::MemoryScope::Shared &&
           target.getScope() != tile::MemoryScope::Global) ||
          hasRegisterLayout(copy.getTarget()) ||
          tile::withoutUnitDims(target.getShape()) !=
              tile::withoutUnitDims(alloc.getType().getShape()))
        return false;
      continue;
    }
    if (auto copy = dyn_cast<tile::CopyOp>(user); copy && copy.getTarget() == a) {
      auto source = copy.getSource().getDefiningOp<tile::AllocOp>();
      auto layout = source ? dyn_cast_or_null<tile::WgmmaLayoutAttr>(
                                 tile::getLayout(source))
                           : nullptr;
      if (layout != accLayout ||
          source.getType().getShape() != alloc.getType().getShape())
        return false;
      written = true;
      continue;
    }
    auto gemm = dyn_cast<tile::GemmOp>(user);
    if (!gemm || gemm.getA() != a || gemm.getB() == a || gemm.getTransposeA() ||
        cast<tile::BufferType>(gemm.getC().getType()).getShape()[0] != alloc.getType().getShape()[0])
      return false;
  }
  return written;
}

/// Whether `columnGroups` warpgroups can split the columns of the
/// accumulator `c` of `gemms` (with their swizzle spans): every warpgroup
/// gets whole 8-column chunks, a wgmma at most 256 wide whose B starts at a
/// swizzle atom, and nothing reduces the accumulator along its rows (a row
/// would span warpgroups).
static bool columnsSplit(
    tile::AllocOp c,
    ArrayRef<std::pair<tile::GemmOp, std::pair<int64_t, int64_t>>> gemms,
    int64_t columnGroups, bool mmaSync) {
  int64_t n = c.getType().getShape()[1];
  if (n % (8 * columnGroups) != 0 || (!mmaSync && n / columnGroups > 256))
    return false;
  for (Operation *user : c->getUsers())
    if (isa<tile::ReduceOp>(user))
      return false;
  for (auto [gemm, spans] : gemms) {
    auto b = cast<tile::BufferType>(gemm.getB().getType());
    int64_t bytes = b.getElementType().getIntOrFloatBitWidth() / 8;
    // B stored K x N: a warpgroup's columns start a whole swizzle span in.
    if (!mmaSync && !gemm.getTransposeB() && (n / columnGroups * bytes) % spans.second != 0)
      return false;
  }
  return true;
}

/// Assigns the wgmma layouts to a gemm's operands if the gemm, and every
/// other gemm accumulating into the same C, qualifies.
static void inferWgmma(tile::GemmOp gemm, int64_t threads, bool mmaSync) {
  auto c = gemm.getC().getDefiningOp<tile::AllocOp>();
  if (!c || tile::getLayout(c))
    return;
  SmallVector<std::pair<tile::GemmOp, std::pair<int64_t, int64_t>>> gemms;
  for (Operation *user : c->getUsers())
    if (auto other = dyn_cast<tile::GemmOp>(user); other && other.getC() == c.getResult()) {
      std::optional<std::pair<int64_t, int64_t>> spans = wgmmaSpans(other, threads, mmaSync);
      if (!spans) {
        LLVM_DEBUG(llvm::dbgs() << "wgmma: a gemm into the accumulator does not qualify\n");
        return;
      }
      gemms.push_back({other, *spans});
    }
  SmallVector<tile::ParallelOp> loops;
  tile::WgmmaLayoutAttr required;
  if (gemms.empty() || !accumulatorUsesFit(c.getResult(), loops, required))
    return;
  // The warpgroups that share the rows: as many as the row blocks allow
  // (FullCol: one row group); the rest split the columns where they can.
  int64_t m = c.getType().getShape()[0];
  int64_t total = threads / 128;
  tile::GemmPolicy policy = gemm.getPolicy();
  int64_t warpgroups = policy == tile::GemmPolicy::FullCol ? 1 : total;
  while ((m / 64) % warpgroups != 0)
    --warpgroups;
  int64_t columnGroups = policy == tile::GemmPolicy::FullRow ? 1 : total / warpgroups;
  while (columnGroups > 1 && !columnsSplit(c, gemms, columnGroups, mmaSync))
    --columnGroups;
  if (columnGroups == 1 && policy == tile::GemmPolicy::FullCol) {
    // Columns did not split: as many row groups as the rows allow instead.
    warpgroups = total;
    while ((m / 64) % warpgroups != 0)
      --warpgroups;
  }
  if (!mmaSync && c.getType().getShape()[1] / columnGroups > 256) {
    LLVM_DEBUG(llvm::dbgs() << "wgmma: a warpgroup's columns exceed one wgmma\n");
    return;
  }
  MLIRContext *ctx = gemm.getContext();
  auto accLayout = tile::WgmmaLayoutAttr::get(ctx, warpgroups, mmaSync, columnGroups);
  if (required && required != accLayout) {
    // A loop reads this accumulator beside another one: this one takes the
    // other's layout if its gemms can run on it.
    bool rowsFit = (m / 64) % required.getWarpgroups() == 0 &&
                   required.getWarpgroups() * required.getColumnGroups() <= total &&
                   required.getMmaSync() == mmaSync;
    bool columnsFit = required.getColumnGroups() == 1 ||
                      columnsSplit(c, gemms, required.getColumnGroups(), mmaSync);
    if (!rowsFit || !columnsFit ||
        (!mmaSync && c.getType().getShape()[1] / required.getColumnGroups() > 256)) {
      LLVM_DEBUG(llvm::dbgs() << "wgmma: a loop pairs the accumulator with one it cannot "
                                 "share a layout with\n");
      return;
    }
    accLayout = required;
  }
  tile::setLayout(c, accLayout);
  for (tile::ParallelOp loop : loops)
    loop.setLayoutAttr(accLayout);
  for (auto [user, spans] : gemms) {
    if (feedsFromRegisters(user.getA(), accLayout)) {
      // The A fragment in the accumulator layout: wgmma reads it from
      // registers (attention's probabilities, cast from the scores).
      tile::setLayout(user.getA().getDefiningOp<tile::AllocOp>(), accLayout);
    } else {
      tile::setLayout(viewedAlloc(user.getA()), tile::SwizzleLayoutAttr::get(ctx, spans.first));
    }
    tile::setLayout(viewedAlloc(user.getB()), tile::SwizzleLayoutAttr::get(ctx, spans.second));
  }
  LLVM_DEBUG(llvm::dbgs() << "wgmma: " << m << " rows on " << warpgroups << " warpgroups, columns on "
                          << columnGroups << "\n");
}

/// Whether the use `use` of the 1-D fragment `row` fits the wgmma_rows
/// layout of `groups` warpgroups, given the fragments still `candidates`.
static bool fitsRows(OpOperand &use, Value row, int64_t groups,
                     const DenseMap<Value, int64_t> &candidates) {
  Operation *user = use.getOwner();
  int64_t rows = cast<tile::BufferType>(row.getType()).getShape()[0];
  auto accumulatorRows = [&](Value acc) {
    auto layout = dyn_cast_or_null<tile::WgmmaLayoutAttr>(tile::viewedLayout(acc));
    return layout && layout.getWarpgroups() == groups && layout.getColumnGroups() == 1 &&
           cast<tile::BufferType>(acc.getType()).getShape()[0] == rows;
  };
  auto isCandidate = [&](Value v) {
    auto it = candidates.find(v);
    return it != candidates.end() && it->second == groups;
  };
  if (isa<tile::FillOp>(user))
    return true;
  if (auto reduce = dyn_cast<tile::ReduceOp>(user))
    return reduce.getTarget() == row && reduce.getDim() == 1 && accumulatorRows(reduce.getSource());
  if (auto copy = dyn_cast<tile::CopyOp>(user)) {
    Value other = copy.getSource() == row ? copy.getTarget() : copy.getSource();
    auto otherType = cast<tile::BufferType>(other.getType());
    if (otherType.getShape() != ArrayRef<int64_t>{rows})
      return false;
    // Another row fragment, or memory any thread reaches.
    return isCandidate(other) || (otherType.getScope() != tile::MemoryScope::Local &&
                                  otherType.getScope() != tile::MemoryScope::Fragment);
  }
  if (!isa<tile::LoadOp, tile::StoreOp>(user))
    return false;
  auto parallel = user->getParentOfType<tile::ParallelOp>();
  if (!parallel || parallel->getParentOfType<tile::ParallelOp>())
    return false;
  ValueRange indices = isa<tile::LoadOp>(user) ? cast<tile::LoadOp>(user).getIndices()
                                               : cast<tile::StoreOp>(user).getIndices();
  if (auto store = dyn_cast<tile::StoreOp>(user); store && store.getBuffer() != row)
    return false;
  Block &body = parallel.getBody().front();
  if (indices.size() != 1 || indices[0] != body.getArgument(0))
    return false;
  // A loop over the accumulator reads row i's value in iteration (i, j).
  if (auto layout = dyn_cast_or_null<tile::WgmmaLayoutAttr>(parallel.getLayoutAttr()))
    return isa<tile::LoadOp>(user) && layout.getWarpgroups() == groups &&
           layout.getColumnGroups() == 1 && parallel.getExtents()[0] == rows;
  if (parallel.getExtents() != ArrayRef<int64_t>{rows} || parallel.getLayoutAttr())
    return false;
  // A loop over the rows runs on the quads: every fragment in it must be a
  // row fragment indexed by the row (the four lanes of a quad run each
  // iteration; the lowering lets only the first write memory).
  bool fits = true;
  body.walk([&](Operation *inner) {
    if (isa<tile::AtomicAddOp, tile::PrintOp, tile::ParallelOp>(inner))
      fits = false;
    for (Value operand : inner->getOperands()) {
      auto type = dyn_cast<tile::BufferType>(operand.getType());
      if (!type)
        continue;
      bool fragment = type.getScope() == tile::MemoryScope::Fragment ||
                      type.getScope() == tile::MemoryScope::Local;
      if (fragment && !isCandidate(operand))
        fits = false;
      if (fragment) {
        ValueRange at = isa<tile::LoadOp>(inner) ? cast<tile::LoadOp>(inner).getIndices()
                        : isa<tile::StoreOp>(inner) ? cast<tile::StoreOp>(inner).getIndices()
                                                    : ValueRange();
        if (!isa<tile::LoadOp, tile::StoreOp>(inner) || at.size() != 1 ||
            at[0] != body.getArgument(0))
          fits = false;
      }
    }
  });
  return fits;
}

/// Gives the 1-D fragments that hold one value per row of a wgmma
/// accumulator (reduction targets, values read by row in loops over it,
/// loops over the rows) the wgmma_rows layout, and those row loops too.
static void inferWgmmaRows(tile::LaunchOp launch) {
  // Candidates: 1-D fragments as long as some accumulator's rows.
  DenseMap<int64_t, int64_t> groupsOfRows;
  launch.walk([&](tile::AllocOp alloc) {
    auto layout = dyn_cast_or_null<tile::WgmmaLayoutAttr>(tile::getLayout(alloc));
    if (layout && layout.getColumnGroups() == 1) // split columns: a row spans warpgroups
      groupsOfRows.try_emplace(alloc.getType().getShape()[0], layout.getWarpgroups());
  });
  DenseMap<Value, int64_t> candidates;
  launch.walk([&](tile::AllocOp alloc) {
    auto type = alloc.getType();
    if (type.getScope() != tile::MemoryScope::Fragment || type.getShape().size() != 1 ||
        tile::getLayout(alloc) || !type.getElementType().isIntOrFloat())
      return;
    if (auto it = groupsOfRows.find(type.getShape()[0]); it != groupsOfRows.end())
      candidates[alloc.getResult()] = it->second;
  });
  // Drop the candidates with a use that does not fit until none is left.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = candidates.begin(); it != candidates.end();) {
      Value row = it->first;
      bool fits = llvm::all_of(row.getUses(), [&](OpOperand &use) {
        return fitsRows(use, row, it->second, candidates);
      });
      auto current = it++;
      if (!fits) {
        LLVM_DEBUG(llvm::dbgs() << "wgmma_rows: not " << row << "\n");
        candidates.erase(current);
        changed = true;
      }
    }
  }
  MLIRContext *ctx = launch.getContext();
  for (auto [row, groups] : candidates) {
    auto layout = tile::WgmmaRowsLayoutAttr::get(ctx, groups);
    tile::setLayout(row.getDefiningOp<tile::AllocOp>(), layout);
    for (Operation *user : row.getUsers())
      if (auto parallel = user->getParentOfType<tile::ParallelOp>();
          parallel && parallel.getExtents().size() == 1)
        parallel.setLayoutAttr(layout);
  }
}

/// The most elements a thread holds of a #tile.cyclic fragment.
constexpr int64_t kMaxRegisterSlots = 256;

namespace {
struct TileInferLayoutsPass
    : public tilec::impl::TileInferLayoutsBase<TileInferLayoutsPass> {
  using TileInferLayoutsBase::TileInferLayoutsBase;
  void runOnOperation() override {
    // Annotated swizzles of shared buffers are taken as given; two that
    // disagree on one buffer cannot both hold.
    DenseMap<Operation *, tile::AnnotateLayoutOp> firstAnnotation;
    bool conflicting = false;
    getOperation().walk([&](tile::AnnotateLayoutOp annotate) {
      auto swizzle = dyn_cast<tile::SwizzleLayoutAttr>(annotate.getLayout());
      tile::AllocOp alloc = sharedAlloc(annotate.getBuffer());
      Type element = alloc ? alloc.getType().getElementType() : Type();
      if (!swizzle || !alloc || !element.isIntOrFloat())
        return;
      // The span must tile the rows; 0 (or one that does not) takes the widest.
      int64_t rowBytes = alloc.getType().getShape()[1] * element.getIntOrFloatBitWidth() / 8;
      int64_t span = swizzle.getBytes() != 0 && rowBytes % swizzle.getBytes() == 0
                         ? swizzle.getBytes()
                         : widestSwizzle(rowBytes);
      if (!span)
        return;
      auto [first, inserted] = firstAnnotation.try_emplace(alloc, annotate);
      auto chosen = dyn_cast_or_null<tile::SwizzleLayoutAttr>(tile::getLayout(alloc));
      if (!inserted && chosen && chosen.getBytes() != span) {
        InFlightDiagnostic diag = annotate.emitError("conflicting layouts for one buffer: a ")
                                  << span << "-byte swizzle here, a " << chosen.getBytes()
                                  << "-byte one before";
        diag.attachNote(first->second.getLoc()) << "the earlier annotation";
        conflicting = true;
        return;
      }
      tile::setLayout(alloc, tile::SwizzleLayoutAttr::get(&getContext(), span));
    });
    if (conflicting)
      return signalPassFailure();
    if (wgmma || mmaSync)
      forwardSharedCopiesIntoGemms(getOperation());
    if (wgmma || mmaSync)
      getOperation().walk([&](tile::GemmOp gemm) {
        if (auto launch = gemm->getParentOfType<tile::LaunchOp>())
          inferWgmma(gemm, launch.getThreads(), /*mmaSync=*/!wgmma);
      });
    if (wgmma || mmaSync)
      getOperation().walk([&](tile::LaunchOp launch) { inferWgmmaRows(launch); });
    // A shared tile an accumulator is copied into whole (an epilogue staged
    // on chip) takes the widest swizzle its rows allow: the rows a warp
    // writes at once then fall in different banks, and a tensor map can
    // describe it for a TMA store.
    getOperation().walk([&](tile::CopyOp copy) {
      tile::AllocOp staging = sharedAlloc(copy.getTarget());
      auto source = copy.getSource().getDefiningOp<tile::AllocOp>();
      if (!staging || tile::getLayout(staging) || !source ||
          !isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::getLayout(source)) ||
          source.getType().getShape() != staging.getType().getShape())
        return;
      Type element = staging.getType().getElementType();
      if (!element.isIntOrFloat())
        return;
      int64_t rowBytes = staging.getType().getShape()[1] * element.getIntOrFloatBitWidth() / 8;
      if (int64_t span = widestSwizzle(rowBytes))
        tile::setLayout(staging, tile::SwizzleLayoutAttr::get(&getContext(), span));
    });
    getOperation().walk([&](tile::AllocOp alloc) {
      auto type = alloc.getType();
      auto launch = alloc->getParentOfType<tile::LaunchOp>();
      if (type.getScope() != tile::MemoryScope::Fragment || !launch ||
          tile::getLayout(alloc) || launch.getThreads() % 32 != 0 ||
          type.getShape().empty())
        return;
      // A thread has at most 255 registers: a fragment with more elements a
      // thread than that stays in shared memory (where the target's limit
      // is checked), instead of being unrolled into spilled registers.
      int64_t elements = 1;
      for (int64_t extent : type.getShape())
        if (__builtin_mul_overflow(elements, extent, &elements))
          return;
      if (elements / launch.getThreads() > kMaxRegisterSlots)
        return;
      Value buffer = alloc.getResult();
      for (OpOperand &use : buffer.getUses())
        if (!isThreadLocalUse(use, buffer)) {
          LLVM_DEBUG(llvm::dbgs() << "shared: " << alloc << " (used by "
                                  << use.getOwner()->getName() << ")\n");
          return;
        }
      tile::setLayout(alloc, tile::CyclicLayoutAttr::get(&getContext(), launch.getThreads()));
    });
    // With every layout known, the copies between fragments that move
    // elements to other threads (or into shared memory) say so.
    getOperation().walk([&](tile::CopyOp copy) {
      auto scopeOf = [](Value v) { return cast<tile::BufferType>(v.getType()).getScope(); };
      if (scopeOf(copy.getSource()) != tile::MemoryScope::Fragment ||
          scopeOf(copy.getTarget()) != tile::MemoryScope::Fragment ||
          tile::viewedLayout(copy.getSource()) == tile::viewedLayout(copy.getTarget()))
        return;
      OpBuilder b(copy);
      tile::ConvertLayoutOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    });
  }
};
} // namespace
