//===- KernelLowering.h - the state of tile-lower-to-gpu --------*- C++ -*-===//
//
// The class that rebuilds one tile kernel as a gpu.func, shared by the
// files of tile-lower-to-gpu, one per family of tile ops: LowerToGPU.cpp
// (the pass, the kernel, the dispatch over tile ops, allocation and loops),
// LowerMemory.cpp (views, the atomic adds of tiles that add many elements
// a step; element accesses and the other per-thread ops are kept for
// tile-convert-to-llvm), LowerCopy.cpp (copies, TMA), LowerSync.cpp
// (barriers, copy groups, mbarriers), LowerGemm.cpp (mma.sync, wgmma,
// ldmatrix/stmatrix) and LowerReduce.cpp (reductions of fragments in
// registers).
// Internal to compiler/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TRANSFORMS_KERNELLOWERING_H
#define TILEC_COMPILER_TRANSFORMS_KERNELLOWERING_H

#include "compiler/Conversion/TileToLLVM.h"
#include "compiler/Passes.h"
#include "compiler/Transforms/ScalarCode.h"
#include "compiler/Transforms/TargetInfo.h"
#include "compiler/Transforms/ThreadLayouts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Debug.h"

#include <limits>

namespace tilec::lowering {
using namespace mlir;

using layouts::rowSlotOf;

/// Named barriers: 0 is the block's, 1 and 2 the consumers' and the
/// producer's of a warp-specialized loop, from 4 on one per warpgroup (three
/// with two consumer warpgroups), from 8 on the consumer warpgroups' turns
/// (tile.warpgroup_turn, two consumer warpgroups).
constexpr int64_t kFirstWarpgroupBarrier = 4;
constexpr int64_t kFirstTurnBarrier = 8;

/// The bytes [first, end) of shared memory the allocation `buffer` takes:
/// empty where it lives elsewhere, all of it where it has no planned offset.
std::pair<int64_t, int64_t> sharedRangeOf(Value buffer);

/// Builds one gpu.func, named `symbol`, from one launch of a tile kernel.
class KernelLowering {
public:
  KernelLowering(func::FuncOp func, tile::LaunchOp launch, StringRef symbol,
                 gpu::GPUModuleOp gpuModule, const TargetInfo &target, bool mmaSync,
                 bool asyncCopies, bool tma, bool stmatrix, bool setmaxnreg)
      : func(func), launch(launch), symbol(symbol), gpuModule(gpuModule), b(func.getContext()),
        targetInfo(target), privateSpace(target.privateAddressSpace()), mmaSync(mmaSync),
        asyncCopies(asyncCopies), tma(tma), stmatrix(stmatrix), setmaxnreg(setmaxnreg) {}

  LogicalResult run();
  int64_t sharedBytes = 0;
  /// wgmma gemms are waited for where their results are needed
  /// (`waitForWgmmasBefore`), not where they are issued.
  bool wgmmaOverlap = false;
  /// Float32 atomic adds of accumulators go two columns at a time.
  bool vectorAtomics = false;
  /// Bytes of each thread's private memory (allocas), and the largest
  /// buffer among them.
  int64_t privateBytes = 0, largestPrivateBytes = 0;
  Operation *largestPrivate = nullptr;
  /// 32-bit registers each thread holds of its largest #tile.wgmma
  /// accumulator (others may be dead by then; this one is live).
  int64_t accumulatorRegisters = 0;

private:
  Location loc() { return currentLoc; }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc(), v); }
  Value toI64(Value v) {
    return arith::IndexCastOp::create(b, loc(), b.getI64Type(), v);
  }

  /// Lowers the ops of `source` from `first` on (all of them by default).
  LogicalResult lowerBlock(Block &source, Block::iterator first = {});
  /// tile.warp_specialize: the producer warpgroup and the consumers branch
  /// apart, and the ops after it in its block (only consumer threads take
  /// part in them) follow in the consumers' branch, so that nothing the
  /// kernel's tail needs stays live in the producer's few registers.
  LogicalResult lowerWarpSpecialize(tile::WarpSpecializeOp specialize);
  /// tile.warpgroup_turn: named-barrier hand-overs between the consumer
  /// warpgroups (kFirstTurnBarrier + w is warpgroup w's).
  LogicalResult lowerWarpgroupTurn(tile::WarpgroupTurnOp turn);
  /// The gemm that lowers `turn` with its wgmmas (a wait right before it:
  /// after A's registers are packed; a hand-over right after it: once the
  /// wgmmas are issued), or null: a gemm on wgmma that every consumer
  /// thread issues.
  tile::GemmOp gemmTakingTurn(tile::WarpgroupTurnOp turn);
  LogicalResult lowerOp(Operation *op);
  /// Dispatches a tile op to the lowering of its family.
  LogicalResult lowerTileOp(Operation *op);
  /// The values `values` (of the tile IR) stand for in the kernel.
  SmallVector<Value> mappedValues(ValueRange values) {
    SmallVector<Value> result;
    for (Value v : values)
      result.push_back(mapping.lookup(v));
    return result;
  }

  /// Allocation, loops and the rest (LowerToGPU.cpp).
  LogicalResult lowerAlloc(tile::AllocOp alloc);
  /// A T.Parallel loop left (tile-partition-parallel rewrites them all into
  /// tile.per_thread): an error.
  LogicalResult lowerParallel(tile::ParallelOp parallel);
  /// Each thread's own code: lowered as T.Parallel bodies are (element
  /// accesses, atomics, prints and signals per thread).
  LogicalResult lowerPerThread(tile::PerThreadOp perThread);
  LogicalResult lowerPipelined(tile::PipelinedOp pipelined);
  LogicalResult lowerPrint(tile::PrintOp print);
  /// A print, one element's atomic add, a signal or a wait: kept for
  /// tile-convert-to-llvm on the thread that runs it, each thread of a
  /// per-thread launch or a tile.per_thread (where tile-partition-parallel
  /// put those of the block's scalar code, on its first thread); anywhere
  /// else an error.
  LogicalResult keepOnItsThread(Operation *op);
  /// Views and element accesses (LowerMemory.cpp).
  LogicalResult lowerRegion(tile::RegionOp region);
  LogicalResult lowerView(tile::ViewOp view);
  /// Records what the buffer `buffer` stands for in the kernel: `ref` for
  /// the whole-tile ops lowered here, and, for the element accesses left to
  /// tile-convert-to-llvm, its values packed as a value of the
  /// buffer's type (packBuffer).
  void bindBuffer(Value buffer, const BufferRef &ref);
  /// A per-thread op (an element access: tile.load/store,
  /// tile.load_slot/store_slot, tile.load_vector/store_vector, tile.aligned,
  /// tile.in_bounds, tile.dim, a tile.atomic_add of one element; the
  /// thread's own: tile.thread_id, tile.shuffle, tile.print, tile.assert,
  /// tile.signal, tile.wait_signal) goes into the kernel as it is, on the
  /// packed buffers, for tile-convert-to-llvm; a tensor access that the IR
  /// shows inside its tensor (dialects/Tile/IndexRanges.h) is marked
  /// `inside`, as only the tile IR shows it.
  LogicalResult keepForConversion(Operation *op);
  /// An error at a whole-tile op that tile-partition-parallel writes as a
  /// loop (a fill, a reduction of a tile in memory, a prefix sum, a copy
  /// of an accumulator's rows, a tile's atomic add with a memory order): it
  /// runs before this pass.
  LogicalResult notPartitioned(Operation *op) {
    return op->emitError("'") << op->getName()
                              << "' is written as a loop by tile-partition-parallel first";
  }
  /// A relaxed float32 atomic add of a shared tile or an accumulator into a
  /// tensor (bulk reductions, vector pairs); one element's is kept
  /// (keepOnItsThread).
  LogicalResult lowerAtomicAdd(tile::AtomicAddOp atomic);
  /// Synchronization (LowerSync.cpp).
  LogicalResult lowerAsyncCommit(tile::AsyncCommitOp commit);
  LogicalResult lowerAsyncWait(tile::AsyncWaitOp wait);
  LogicalResult lowerBarrier(tile::BarrierOp barrierOp);
  LogicalResult lowerBarrierWait(tile::BarrierWaitOp wait);
  /// T.gemm on the path its layouts and the target allow (LowerGemm.cpp).
  LogicalResult lowerGemm(tile::GemmOp gemm);
  /// Reductions of fragments in registers (LowerReduce.cpp).
  LogicalResult lowerReduce(tile::ReduceOp reduce);
  /// A gpu.shuffle of `value` of any width up to 64 bits (as 32-bit words)
  /// among groups of `width` lanes (compiler/Conversion/TileToLLVM.h).
  Value shuffleWords(Value value, Value laneOrMask, int64_t width, gpu::ShuffleMode mode) {
    return lowering::shuffleWords(b, loc(), value, laneOrMask, width, mode);
  }
  /// Clones `v`'s definition (outside the launch) into the kernel.
  Value materialize(Value v);

  /// Element addressing, reads and writes at the current insertion point
  /// (compiler/Conversion/BufferAccess.h, shared with
  /// tile-convert-to-llvm).
  BufferAccess access() { return BufferAccess{b, loc()}; }
  Value address(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return access().address(ref, viewIndex);
  }
  Value swizzledOffset(const BufferRef &ref, ArrayRef<Value> storageIndex, bool applyXor) {
    return access().swizzledOffset(ref, storageIndex, applyXor);
  }
  Value inBounds(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return access().inBounds(ref, viewIndex);
  }
  Value loadStored(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return access().loadStored(ref, viewIndex);
  }
  Value loadStoredOrZero(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return access().loadStoredOrZero(ref, viewIndex);
  }
  Value load(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return access().load(ref, viewIndex);
  }
  void store(const BufferRef &ref, ArrayRef<Value> viewIndex, Value value) {
    access().store(ref, viewIndex, value);
  }
  Value fromMemory(const BufferRef &ref, Value loaded) { return access().fromMemory(ref, loaded); }
  Value toMemory(const BufferRef &ref, Value value) { return access().toMemory(ref, value); }
  Value cast(Value value, Type to) { return scalar::cast(b, loc(), value, to); }
  Value zeroOf(Type type) { return access().zeroOf(type); }
  /// `value` converted to the type of `ref`'s values (an 8-bit float, or
  /// i32 for uint8: toMemory then gives the stored bits).
  Value castFor(Value value, const BufferRef &ref) {
    return cast(value, ref.valueType ? ref.valueType : ref.elementType);
  }
  /// Runs `body(flat, slot)` for flat = tid + slot * threads < total;
  /// `unrolled` emits each trip with a constant slot (register fragments
  /// must be indexed by constants to stay in registers).
  void cooperative(int64_t total, function_ref<void(Value, Value)> body, bool unrolled = false);
  /// Runs `body(flat, flat)` for every flat < total on each thread: the
  /// work of an op on a buffer each thread holds a whole copy of.
  void eachThreadAll(int64_t total, function_ref<void(Value, Value)> body, bool unrolled);
  /// The results of an op that writes `target`, `body(flat, slot)` for
  /// every flat < total: spread over the threads (cooperative), or all on
  /// each thread where the target is a local buffer, each thread's own.
  void forEachResult(const BufferRef &target, int64_t total,
                     function_ref<void(Value, Value)> body) {
    if (wholePerThread(target))
      eachThreadAll(total, body, /*unrolled=*/false);
    else
      cooperative(total, body);
  }
  /// Whether each thread holds all of `ref` (a local buffer): an op that
  /// writes it must run all of its elements on every thread.
  static bool wholePerThread(const BufferRef &ref) {
    return ref.scope == tile::MemoryScope::Local && !ref.inRegisters();
  }
  Value loadAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot) {
    return access().loadAt(ref, viewIndex, slot);
  }
  void storeAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot, Value value) {
    access().storeAt(ref, viewIndex, slot, value);
  }
  Value pairAddress(const BufferRef &ref, Value slot) { return access().pairAddress(ref, slot); }
  static VectorType pairType(const BufferRef &ref) { return BufferAccess::pairType(ref); }
  Value isAligned(Value pointer, int64_t bytes) { return access().isAligned(pointer, bytes); }
  /// Whether the last dimension of `ref`'s view that is not 1 wide has
  /// unit stride in its storage.
  static bool lastDimContiguous(const BufferRef &ref) {
    for (int64_t d = static_cast<int64_t>(ref.shape.size()) - 1; d >= 0; --d) {
      if (ref.shape[d] == 1)
        continue;
      std::optional<int64_t> stride = getConstantIntValue(ref.strides[ref.kept[d]]);
      return stride && *stride == 1;
    }
    return false;
  }
  /// Whether an atomic add of `src` into `dst` may go row by row through
  /// bulk reductions: float32 into float32 global memory, from a 2-D
  /// unswizzled shared tile whose rows are contiguous, 16-byte multiples
  /// apart and long, into a window whose rows are contiguous.
  static bool reducesInBulk(const BufferRef &src, const BufferRef &dst) {
    SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
    if (src.scope != tile::MemoryScope::Shared || src.inRegisters() || src.swizzle ||
        !src.elementType.isF32() || !dst.elementType.isF32() ||
        dst.scope != tile::MemoryScope::Global || shape.size() != 2 ||
        ShapedType::isDynamic(shape[1]) || (shape[1] * 4) % 16 != 0 ||
        !lastDimContiguous(src) || !lastDimContiguous(dst))
      return false;
    for (size_t d = 0; d < src.shape.size(); ++d)
      if (src.shape[d] != 1) { // the rows: their pitch
        std::optional<int64_t> pitch = getConstantIntValue(src.strides[src.kept[d]]);
        return pitch && (*pitch * 4) % 16 == 0;
      }
    return false;
  }
  /// Whether view indices `first` and `last` of `ref` both lie inside it
  /// and `pointer` is aligned to `bytes`, as an i1 (one access for both).
  Value insideAndAligned(const BufferRef &ref, ArrayRef<Value> first, ArrayRef<Value> last,
                         Value pointer, int64_t bytes) {
    Value inside = arith::AndIOp::create(b, loc(), inBounds(ref, first), inBounds(ref, last));
    return arith::AndIOp::create(b, loc(), inside, isAligned(pointer, bytes));
  }
  /// Whether this thread is the first lane of its quad (4 consecutive
  /// lanes, which hold one row of a wgmma accumulator), as an i1.
  Value firstOfQuad() {
    return arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq,
                                 arith::RemUIOp::create(b, loc(), threadId, index(4)), index(0));
  }
  static int64_t vectorBytes(const BufferRef &ref, int64_t width) {
    return BufferAccess::vectorBytes(ref, width);
  }
  /// Whether an `scf.if` with results may compute both sides and select:
  /// pure arithmetic and loads of on-chip buffers at indices inside them.
  bool isSpeculatable(scf::IfOp ifOp);
  LogicalResult lowerDistributedReduce(tile::ReduceOp reduce);
  /// T.reduce along the last dimension of a #tile.cyclic fragment whose
  /// extent is a power of two up to 32 (and whose elements the threads
  /// share evenly), into memory: each of a thread's slots then holds an
  /// element of another output, and an output's elements lie in that many
  /// neighbouring lanes of one warp, which combine them by shuffles, with
  /// no shared scratch or barrier. False (nothing emitted) otherwise.
  bool lowerLaneGroupReduce(tile::ReduceOp reduce);
  /// T.reduce along the rows of a #tile.wgmma accumulator: each thread folds
  /// its elements of a row, the row's quad of lanes combines by shuffles.
  LogicalResult lowerWgmmaReduce(tile::ReduceOp reduce);
  /// layouts::wgmmaOrigin, wgmmaGroupOf and wgmmaPlace for this thread.
  std::pair<Value, Value> wgmmaOrigin(int64_t blocksPerGroup, int64_t columnGroups = 1,
                                      int64_t columns = 0) {
    return layouts::wgmmaOrigin(b, loc(), threadId, blocksPerGroup, columnGroups, columns);
  }
  std::pair<Value, Value> wgmmaGroupOf(int64_t columnGroups) {
    return layouts::wgmmaGroupOf(b, loc(), threadId, columnGroups);
  }
  layouts::WgmmaPlace wgmmaPlace(const BufferRef &acc) {
    return layouts::wgmmaPlace(b, loc(), threadId, acc.wgmmaColumnGroups, acc.wgmmaColumns());
  }
  /// scalar::combine, reductionElement and reductionIdentity here.
  Value combineReduction(tile::ReduceKind kind, Value a, Value x) {
    return scalar::combine(b, loc(), kind, a, x);
  }
  Value reductionElement(tile::ReduceKind kind, Value x) {
    return scalar::reductionElement(b, loc(), kind, x);
  }
  Value reductionIdentity(tile::ReduceKind kind, Type type) {
    return scalar::reductionIdentity(b, loc(), kind, type);
  }
  /// Where output `outIndex` (of the reduction's `outShape`) lies in its
  /// target `dst`.
  SmallVector<Value> reducedIndex(const BufferRef &dst, ArrayRef<Value> outIndex,
                                  ArrayRef<int64_t> outShape);
  /// Writes `result` (a partial in `accType`, |.| already applied to the
  /// elements) of output `output` of `reduce` into `dst`, combined with
  /// what `dst` holds unless the reduction clears it.
  void storeReduced(tile::ReduceOp reduce, const BufferRef &dst, Value output,
                    ArrayRef<int64_t> outShape, Value result, Type accType);
  /// T.gemm on tensor cores (mma.sync m16n8k16); false if the tiles do not
  /// qualify (then the SIMT loop runs).
  bool lowerGemmMmaSync(tile::GemmOp gemm);
  /// T.gemm on Hopper's warpgroup MMA, C in the #tile.wgmma layout.
  LogicalResult lowerGemmWgmma(tile::GemmOp gemm);

  //===--------------------------------------------------------------------===//
  // wgmma groups in flight (LowerGemmWaits.cpp)
  //===--------------------------------------------------------------------===//

  /// A wgmma gemm issued and not yet waited for (`wgmmaOverlap`): its
  /// accumulator's slots are written when it is.
  struct PendingWgmma {
    uint64_t issue;             ///< the gemm's place among those issued
    Value accumulator;          ///< the gemm's C
    Value accumulatorBuffer;    ///< the buffer C views
    /// Bytes of shared memory A and B are read from, [first, end).
    SmallVector<std::pair<int64_t, int64_t>> sharedReads;
    Value registerOperand;      ///< the buffer A views where A is in registers
    SmallVector<Value> results; ///< a struct of C's values per 64-row block
    /// A gemm issued while this one is in flight without waiting for it:
    /// it adds to the same accumulator, which wgmma orders by issue (a
    /// loop's gemm carried into the next iteration, tile-carry-gemms).
    /// Its `results` are then empty: the slots hold the values in flight.
    tile::GemmOp chainedGemm;
  };
  /// The entry of `gemm` (results to be filled in).
  PendingWgmma pendingEntryOf(tile::GemmOp gemm);
  /// The accumulator C's slots, as one struct per 64-row block of the
  /// wgmma instructions.
  SmallVector<Value> accumulatorStructs(const BufferRef &c);
  /// Writes the structs of accumulatorStructs back to C's slots.
  void storeAccumulatorStructs(const BufferRef &c, ArrayRef<Value> structs);
  /// The body of the loop being lowered whose gemm stays in flight into
  /// the next iteration, or null.
  Block *carryingBody = nullptr;
  /// The issue number (PendingWgmma::issue) that stands for the previous
  /// iteration's gemm at the start of the carrying body.
  uint64_t carriedIssue = 0;
  /// The gemm of `loop` that stays in flight into the next iteration: the
  /// body's one gemm, on wgmma, whose stages tile-carry-gemms releases one
  /// iteration late (`of_previous_iteration`); null if there is none.
  tile::GemmOp carriedGemm(scf::ForOp loop);
  /// Before lowering the body of `loop`: its iterations keep `gemm` in
  /// flight into the next (the body becomes the carrying body).
  void beginCarryingLoop(scf::ForOp loop, tile::GemmOp gemm);
  /// After lowering `loop`: its last `gemm` stays in flight until what
  /// reads the accumulator waits for it.
  void endCarryingLoop(scf::ForOp loop, tile::GemmOp gemm);
  /// At the end of a carrying body: leaves the iteration's gemm in flight,
  /// its results unwaited in the accumulator's slots, which only the next
  /// iteration's gemm and the wait after the loop read. False (nothing
  /// done) where a stage release still waits for it.
  bool carryIntoNextIteration();
  /// In a carrying body, a release of the previous iteration's stages
  /// (of_previous_iteration): waits for the gemms issued before the
  /// iteration only, then releases.
  void lowerPreviousIterationRelease(Operation *op);
  /// Oldest first, as wgmma.wait_group counts them.
  SmallVector<PendingWgmma> pendingWgmmas;
  /// wgmma gemms left in flight so far (PendingWgmma::issue).
  uint64_t deferredWgmmas = 0;
  /// A stage release (tile.barrier_arrive) held back until the gemm
  /// `issue` and those before it complete: once it goes out, other threads
  /// may overwrite the shared memory those gemms read.
  struct HeldRelease {
    Operation *release; ///< a tile.barrier_arrive, or an scf.if of them
    uint64_t issue;
  };
  SmallVector<HeldRelease> heldReleases;
  /// Whether `op` only releases stages: a tile.barrier_arrive, or an
  /// scf.if without results whose branch holds only such arrivals (a
  /// rotated loop's release of the previous iteration's stage).
  static bool isRelease(Operation *op);
  /// Whether `op` is a release (isRelease) of stages that the previous
  /// iteration read: all its arrivals are of_previous_iteration.
  static bool isPreviousIterationRelease(Operation *op);
  /// Holds the release `op` back if a gemm in flight reads shared memory
  /// that it lets other threads overwrite (true), so that the wait which the
  /// gemm's results need anyway lets it out.
  bool deferRelease(Operation *op);
  /// Lowers a release (isRelease): now, or when it was held back until.
  void lowerHeldRelease(Operation *op);
  /// tile.barrier_arrive: this thread's arrival on the mbarrier.
  void lowerBarrierArrive(tile::BarrierArriveOp arrive) {
    Value bar = barrierAddress(arrive.getBarriers(), mapping.lookup(arrive.getSlot()));
    targetInfo.mbarrierArrive(b, loc(), bar);
  }
  /// Whether the wgmma gemm `gemm` may stay in flight past its issue.
  bool mayDeferWgmma(tile::GemmOp gemm, int64_t warpgroups) const;
  /// Waits for the groups that `op` (about to be lowered, at the kernel's
  /// block level) depends on: those whose accumulator it touches, whose
  /// shared operands it writes, or, at a barrier, whose shared operands
  /// other threads may write before the next one.
  void waitForWgmmasBefore(Operation *op);
  /// Waits for every group in flight.
  void waitForAllWgmmas() {
    if (!pendingWgmmas.empty())
      waitForWgmmas(pendingWgmmas.size() - 1);
  }
  /// Waits for groups 0..newest and writes their accumulators' slots.
  void waitForWgmmas(size_t newest);
  /// The newest pending group `op` depends on, or -1.
  int64_t newestDependence(Operation *op);
  /// Whether ops from `first` up to `last` (exclusive; the block's end when
  /// null) may write shared bytes of `ranges` before a block-wide barrier;
  /// sets `metBarrier` when every path meets one.
  bool writesSharedBeforeBarrier(Block &block, Block::iterator first, Operation *last,
                                 ArrayRef<std::pair<int64_t, int64_t>> ranges, bool &metBarrier);
  /// Whether other threads, having passed `barrier`, may write shared bytes
  /// of `ranges` before they meet the next block-wide barrier.
  bool writtenAfterBarrier(Operation *barrier, ArrayRef<std::pair<int64_t, int64_t>> ranges);
  /// T.gemm into a #tile.wgmma<g, mma_sync> accumulator (sm_80): each warp
  /// runs its 16 rows of every row block on mma.sync, C in registers.
  LogicalResult lowerGemmMmaSyncRows(tile::GemmOp gemm);
  /// Whether a 2-D view of on-chip memory keeps each 8-element row of its
  /// 8x8 pieces contiguous and 16-byte aligned (ldmatrix, stmatrix).
  bool rowsOf16Bytes(const BufferRef &ref);
  /// A copy of a whole #tile.wgmma accumulator into a 16-bit on-chip tile
  /// of its shape with rowsOf16Bytes: stmatrix, four 8x8 pieces a warp.
  void stmatrixFromAccumulator(const BufferRef &src, const BufferRef &dst);
  /// `count` (2 or 4) 8x8 matrices of 16-bit elements by ldmatrix: lane l
  /// gives the address of row (l mod 8) of matrix l / 8 as `row`, `col`;
  /// `trans` transposes each matrix. One 32-bit register per matrix.
  SmallVector<Value> ldmatrix(const BufferRef &ref, Value row, Value col, int count, bool trans);
  /// One mma.sync.m16n8k16 with f32 accumulators: A and B as 32-bit
  /// registers of two `element`s, C's four values; returns D's four values.
  SmallVector<Value> mmaM16N8K16(Type element, SmallVector<Value> regsA, SmallVector<Value> regsB,
                                 ArrayRef<Value> regsC);
  /// The four 32-bit A registers of one k16 step of a wgmma whose A is a
  /// #tile.wgmma fragment: its slots firstSlot .. firstSlot + 7, packed.
  SmallVector<Value> packWgmmaA(const BufferRef &a, int64_t firstSlot);
  /// One m64nNk16 wgmma with A from `registersA` (packWgmmaA) and B from
  /// `descB`, on the accumulator struct `acc`; returns the new accumulator.
  Value wgmmaFromRegisters(ArrayRef<Value> registersA, Value descB, Value acc, int64_t n,
                           Type operandType, bool transposeB);
  /// The wgmma shared-memory descriptor of the 64-bit matrix starting at
  /// (row, col) of a swizzled shared buffer.
  Value wgmmaDescriptor(const BufferRef &ref, Value row, Value col, bool kMajor);
  /// The descriptors of a wgmma gemm operand's k-steps (`k` elements in
  /// steps of `kStep`, along its rows or its columns; `other` indexes the
  /// other dimension).
  SmallVector<Value> wgmmaStepDescriptors(const BufferRef &ref, int64_t k, int64_t kStep,
                                          bool kAlongRows, Value other, bool kMajor);
  /// Runs `body(viewIndex, slot)` for each element of a #tile.wgmma
  /// fragment this thread holds (unrolled: the slots are constants).
  void forEachOwned(const BufferRef &ref,
                    function_ref<void(ArrayRef<Value>, Value)> body);
  /// T.copy from global memory into a shared buffer in 16-byte vectors
  /// where the tile's rows allow; false if the copy does not qualify.
  bool lowerVectorCopyToShared(Value source, Value target, bool async);
  /// A copy of a contiguous 4-, 8- or 16-byte row of a tensor into a local
  /// buffer: one vector load where the row lies inside the tensor and is
  /// aligned, `copyElement` for each element otherwise; false if the copy
  /// does not qualify.
  bool copyVectorToLocal(const BufferRef &src, const BufferRef &dst, ArrayRef<int64_t> shape,
                         function_ref<void(Value, Value)> copyElement);
  /// Whether `total` elements of the 1-D window `src` of a tensor, into the
  /// local buffer `dst`, are a contiguous 4-, 8- or 16-byte row of one type.
  bool isVectorRow(const BufferRef &src, const BufferRef &dst, int64_t total);
  /// T.copy between any two scopes (`op` is the copy).
  LogicalResult lowerCopy(Operation *op, Value source, Value target);
  /// Splits a flat index over a static shape (C order).
  SmallVector<Value> delinearize(Value flat, ArrayRef<int64_t> shape);
  /// The view index of squeezed element `n` of a view (scalar::unsqueeze).
  SmallVector<Value> fromSqueezed(const BufferRef &ref, ArrayRef<Value> squeezed) {
    return scalar::unsqueeze(b, loc(), squeezed, ref.shape);
  }
  /// The threads that run the code being lowered: the block's, or those of
  /// the part of a warp-specialized block.
  int64_t threadsOfPart() const { return partBarrierId == 0 ? blockThreads : partThreads; }
  void barrier() {
    if (parallelDepth > 0)
      return;
    // Right after another barrier (with only pure computation between) a
    // second one orders nothing.
    Block *block = b.getInsertionBlock();
    for (Block::iterator at = b.getInsertionPoint(); at != block->begin();) {
      Operation &previous = *--at;
      if (targetInfo.isBarrier(&previous))
        return;
      if (previous.getNumRegions() != 0 || !isPure(&previous))
        break;
    }
    if (partBarrierId == 0) {
      gpu::BarrierOp::create(b, loc());
      return;
    }
    // A named barrier of this part of a warp-specialized block.
    auto i32 = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc(), b.getI32Type(), v); };
    targetInfo.namedBarrierSync(b, loc(), i32(partBarrierId), i32(partThreads));
  }
  /// What a `!tile.buffer` value of `type` stands for, read from the type
  /// alone: a BufferRef but for its base and its storage's extents, strides
  /// and offsets (values of the kernel); `threadSlots`, if given, receives
  /// the storage's elements each thread holds where it holds its own.
  static BufferRef describe(tile::BufferType type, int64_t *threadSlots = nullptr) {
    return describeBuffer(type, threadSlots);
  }
  /// The memory of `alloc`'s buffer: private (allocas) or shared.
  BufferRef allocate(tile::AllocOp alloc);

  func::FuncOp func;
  tile::LaunchOp launch;
  std::string symbol;
  gpu::GPUModuleOp gpuModule;
  OpBuilder b;
  /// The instructions that differ between vendors.
  const TargetInfo &targetInfo;
  unsigned privateSpace;
  bool mmaSync;
  bool asyncCopies;
  bool tma;
  /// stmatrix is available (sm_90).
  bool stmatrix;
  /// setmaxnreg is available (sm_90a).
  bool setmaxnreg;
  /// A TMA tensor map the kernel takes: a tensor parameter, the box (C
  /// order, one extent per tensor dimension) and the shared swizzle.
  struct TensorMap {
    unsigned param;
    SmallVector<int64_t> box;
    int64_t swizzle;
    Value descriptor; // the kernel argument (a generic pointer to the param)
  };
  SmallVector<TensorMap> tensorMaps;
  /// The tensor map each TMA-capable tile.copy_async uses.
  DenseMap<Operation *, unsigned> tmaCopies;
  /// The barrier buffers all of whose copies can use TMA: waiting on them
  /// needs no block barrier when TMA is on (each thread waits on the
  /// mbarrier itself).
  DenseSet<Value> tmaOnlyBarriers;
  /// The staged shared allocations that some copy without a tensor map
  /// fills (through cp.async, the generic proxy) even when TMA is on.
  DenseSet<Operation *> filledWithoutTma;
  /// Whether the runtime built the tensor maps of the TMA loads (i1,
  /// uniform); null when no copy loads through TMA.
  Value tmaReady;
  /// The runtime's i32 flags: bit i set when it built tensor map i.
  Value tensorMapFlags;
  /// The tile.copy (stores) of whole swizzled shared tiles into tensor
  /// windows that can use TMA, and their tensor maps.
  DenseMap<Operation *, unsigned> tmaStores;
  /// Finds the copies that can use TMA and the tensor maps they need.
  void planTensorMaps(tile::LaunchOp launch);
  /// At most this many tensor maps: one bit each in the i32 flags.
  static constexpr unsigned kMaxTensorMaps = 31;
  /// The tensor map (added if new) through which TMA moves the 2-D
  /// `window` of a tensor parameter to or from the swizzled shared `tile`
  /// (a whole buffer or one stage of it), if it can.
  std::optional<unsigned> tensorMapFor(Value window, Value tile);
  /// The TMA coordinates (innermost first, i32) of the start of the tensor
  /// window `window`, moved `columns` along its last dimension.
  SmallVector<Value> boxCoordinates(const BufferRef &window, int64_t columns);
  /// A tile.copy of a swizzled shared tile into a tensor window by TMA
  /// (one thread issues, then waits until the tile has been read), or the
  /// ordinary copy where the runtime built no tensor maps.
  LogicalResult lowerTensorStore(tile::CopyOp copy, unsigned mapIndex);
  /// The address of element `slot` of an `mbarriers` buffer.
  Value barrierAddress(Value barriers, Value slot);
  /// This thread waits until barriers[slot] (tile values) completes the
  /// phase of parity `phase`.
  void waitForPhase(Value barriers, Value slot, Value phase);
  /// Runs `body` in thread 0 (of the current part) only.
  void inFirstThread(function_ref<void()> body);
  /// The i1 `condition` negated.
  Value negated(Value condition) {
    return arith::XOrIOp::create(b, loc(), condition,
                                 arith::ConstantOp::create(b, loc(), b.getBoolAttr(true)));
  }
  /// Moves the insertion point into a branch that threads `count` and up
  /// of the block skip (nothing when the block has no more threads); the
  /// caller restores the insertion point.
  void onlyThreadsBelow(int64_t count);
  LogicalResult lowerCopyAsync(tile::CopyAsyncOp copy);
  Location currentLoc = UnknownLoc::get(func.getContext());
  IRMapping mapping;
  DenseMap<Value, BufferRef> buffers;
  Region *launchRegion = nullptr;
  Value threadId, numThreads, sharedBase;
  /// The threads the code being lowered runs on: all the launch's threads,
  /// or, inside tile.warp_specialize, the producer warpgroup or the
  /// consumers. `partThreadId` counts from 0 within the part; barriers in a
  /// part are named barriers of that part (id `partBarrierId`, 0 = all).
  Value partThreadId;
  int64_t partThreads = 0;
  int partBarrierId = 0;
  bool inProducer = false;
  /// Whether, with TMA on, the producer's thread 0 is the only producer
  /// thread that acts: every copy it makes goes through TMA and every
  /// barrier it fills completes on that thread's arrival alone. The other
  /// producer threads then wait for nothing (see tile.barrier_wait).
  bool producerIssuesAlone = false;
  /// Whether the producer block `producer` only issues TMA copies, commits
  /// them to TMA-only barriers and waits for free slots.
  bool onlyIssuesTmaCopies(Block &producer);
  /// A loop over v < n (constant) whose statements each copy element
  /// start + v of a row of a tensor into element v of a local buffer
  /// (TileLang's T.vectorized loads): each row with one vector load where
  /// copyVectorToLocal can; nullopt (nothing emitted) if the loop does not
  /// have that form.
  std::optional<LogicalResult> lowerRowLoads(scf::ForOp loop);
  /// Threads launched per block: the launch's, plus a producer warpgroup
  /// when the kernel is warp-specialized.
  int64_t blockThreads = 0;
  bool warpSpecialized = false;
  /// Whether the launch runs its scalar code per thread (it reads
  /// tile.thread_id): atomics and prints are then each thread's own.
  bool perThreadLaunch = false;
  int64_t numThreadsValue = 0;
  Block *entry = nullptr;
  int parallelDepth = 0;
};

/// The number of elements of a static shape.
inline int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

} // namespace tilec::lowering

#endif // TILEC_COMPILER_TRANSFORMS_KERNELLOWERING_H
