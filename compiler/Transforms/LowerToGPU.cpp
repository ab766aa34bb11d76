//===- LowerToGPU.cpp - tile kernels to gpu.func ---------------------------===//
//
// The reference GPU schedule (see the pass description in Passes.td). Each
// kernel's launch body is rebuilt inside a gpu.func: scalar code is cloned,
// tile ops become cooperative loops over the block's threads, buffers become
// pointers into global, shared (one extern array) or private memory.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Debug.h"

#include <limits>

#define DEBUG_TYPE "tile-lower-to-gpu"

namespace tilec {
#define GEN_PASS_DEF_TILELOWERTOGPU
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

constexpr unsigned kGlobalSpace = 1;
constexpr unsigned kSharedSpace = 3;
/// Registers per thread of a block of three warpgroups at launch (the
/// register file's 64 K split evenly), and of its producer and two
/// consumer warpgroups after setmaxnreg.
constexpr int32_t kLaunchRegisters = 168, kProducerRegisters = 56, kConsumerRegisters = 224;
static_assert(kProducerRegisters + 2 * kConsumerRegisters == 3 * kLaunchRegisters &&
                  3 * 128 * kLaunchRegisters <= 65536,
              "setmaxnreg moves registers within the block's allocation");
constexpr llvm::StringLiteral kSharedSymbol = "tilec_dsmem";

/// What a `!tile.buffer` value stands for inside the kernel: a window of
/// memory addressed as base + sum((offset + index) * stride).
struct BufferRef {
  Value base; // !llvm.ptr in the buffer's address space
  Type elementType;
  tile::MemoryScope scope;
  SmallVector<Value> storageDims; // index, per storage dimension
  SmallVector<Value> strides;     // index, per storage dimension
  SmallVector<Value> offsets;     // index, per storage dimension
  SmallVector<unsigned> kept;     // view dimension -> storage dimension
  SmallVector<int64_t> shape;     // view shape (kDynamic for launch-bound)
  /// A #tile.cyclic fragment: element f is in this thread's slot f / threads.
  bool distributed = false;
  /// A #tile.wgmma fragment: the wgmma accumulator of this many warpgroups.
  int64_t wgmmaGroups = 0;
  /// A #tile.wgmma_rows fragment: one value per row of such an accumulator.
  int64_t wgmmaRowGroups = 0;
  /// A #tile.swizzle shared buffer: the XOR span in bytes, and the rows of
  /// its 2-D storage (each span-wide column chunk is stored rows x span).
  int64_t swizzle = 0;
  int64_t swizzleRows = 0;
  /// Whether each thread holds its own elements (in registers).
  bool inRegisters() const { return distributed || wgmmaGroups || wgmmaRowGroups; }
  /// Index elements (loop counters of break/continue) are stored as i64.
  bool indexElements = false;
  /// The element type of values read and written, where it differs from the
  /// stored `elementType`: 8-bit floats, which LLVM has no type for, are
  /// stored as i8.
  Type valueType;
};

/// Whether `type` is an 8-bit float, which LLVM has no type for.
static bool isFloat8(Type type) { return isa<Float8E4M3FNType, Float8E5M2Type>(type); }

/// The #tile.wgmma_rows slot of the row that register slot `slot` of a
/// #tile.wgmma fragment (`slotsPerBlock` slots a 64-row block) lies in:
/// slot s of a block holds row half (s mod 4) / 2, two rows a block.
static int64_t rowSlotOf(int64_t slot, int64_t slotsPerBlock) {
  return 2 * (slot / slotsPerBlock) + (slot % slotsPerBlock % 4) / 2;
}

/// Named barriers: 0 is the block's, 1 and 2 the consumers' and the
/// producer's of a warp-specialized loop, from 4 on one per warpgroup.
constexpr int64_t kFirstWarpgroupBarrier = 4;

/// Builds one gpu.func from one tile kernel.
class KernelLowering {
public:
  KernelLowering(func::FuncOp func, gpu::GPUModuleOp gpuModule, unsigned privateSpace,
                 bool mmaSync, bool asyncCopies, bool tma, bool stmatrix, bool setmaxnreg)
      : func(func), gpuModule(gpuModule), b(func.getContext()), privateSpace(privateSpace),
        mmaSync(mmaSync), asyncCopies(asyncCopies), tma(tma),
        stmatrix(stmatrix), setmaxnreg(setmaxnreg) {}

  LogicalResult run();
  int64_t sharedBytes = 0;

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
  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerTileOp(Operation *op);
  /// Clones `v`'s definition (outside the launch) into the kernel.
  Value materialize(Value v);

  Value address(const BufferRef &ref, ArrayRef<Value> viewIndex);
  /// The byte offset of a storage index in a #tile.swizzle buffer, with or
  /// without the XOR (descriptors take the plain offset).
  Value swizzledOffset(const BufferRef &ref, ArrayRef<Value> storageIndex, bool applyXor);
  /// Whether a view index lies inside the storage (for clipping global
  /// accesses).
  Value inBounds(const BufferRef &ref, ArrayRef<Value> viewIndex);
  /// The element as stored (i8 for 8-bit floats, i64 for indices).
  Value loadStored(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return LLVM::LoadOp::create(b, loc(), ref.elementType, address(ref, viewIndex));
  }
  Value load(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return fromMemory(ref, LLVM::LoadOp::create(b, loc(), ref.elementType,
                                                address(ref, viewIndex)));
  }
  void store(const BufferRef &ref, ArrayRef<Value> viewIndex, Value value) {
    LLVM::StoreOp::create(b, loc(), toMemory(ref, value), address(ref, viewIndex));
  }
  /// Index values travel through memory as i64.
  Value fromMemory(const BufferRef &ref, Value loaded) {
    if (ref.valueType)
      return arith::BitcastOp::create(b, loc(), ref.valueType, loaded);
    return ref.indexElements ? arith::IndexCastOp::create(b, loc(), b.getIndexType(), loaded)
                                   .getResult()
                             : loaded;
  }
  Value toMemory(const BufferRef &ref, Value value) {
    if (ref.valueType && value.getType() == ref.valueType)
      return arith::BitcastOp::create(b, loc(), ref.elementType, value);
    return ref.indexElements && value.getType().isIndex()
               ? arith::IndexCastOp::create(b, loc(), b.getI64Type(), value).getResult()
               : value;
  }
  Value cast(Value value, Type to);
  /// Runs `body(flat, slot)` for flat = tid + slot * threads < total;
  /// `unrolled` emits each trip with a constant slot (register fragments
  /// must be indexed by constants to stay in registers).
  void cooperative(int64_t total, function_ref<void(Value, Value)> body, bool unrolled = false);
  /// An element of a buffer at a view index, or, for a distributed
  /// fragment, at this thread's slot.
  Value loadAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot) {
    if (ref.inRegisters())
      return fromMemory(ref, LLVM::LoadOp::create(b, loc(), ref.elementType,
                                                  slotAddress(ref, slot)));
    return load(ref, viewIndex);
  }
  void storeAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot, Value value) {
    if (ref.inRegisters()) {
      LLVM::StoreOp::create(b, loc(), toMemory(ref, value), slotAddress(ref, slot));
      return;
    }
    store(ref, viewIndex, value);
  }
  Value slotAddress(const BufferRef &ref, Value slot) {
    return LLVM::GEPOp::create(b, loc(), ref.base.getType(), ref.elementType, ref.base,
                               ValueRange{toI64(slot)});
  }
  /// A T.Parallel loop with `tile.vector` (tile-vectorize-parallel): each
  /// thread runs vectors of `width` consecutive iterations, each either
  /// straight-line with its `tile.vector_guard`s checked once (when they
  /// hold at both ends and the tensors are aligned) or element by element.
  LogicalResult lowerVectorParallel(tile::ParallelOp parallel, int64_t width,
                                    function_ref<void(ArrayRef<Value>, Value)> iteration);
  /// Lowers `block` for several iterations at once, op by op, each lane with
  /// its own value mapping and register slot.
  LogicalResult lowerAcrossLanes(Block &block, MutableArrayRef<IRMapping> lanes,
                                 ArrayRef<Value> slots);
  /// The value of `cond`, a pure function of a T.Parallel body's variables
  /// and of values outside it, at `point`.
  Value evaluateAt(tile::ParallelOp parallel, Value cond, ArrayRef<Value> point);
  /// Whether `pointer` is aligned to `bytes` (a power of two), as an i1.
  Value isAligned(Value pointer, int64_t bytes) {
    auto i64 = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, loc(), b.getI64Type(), v);
    };
    Value address = LLVM::PtrToIntOp::create(b, loc(), b.getI64Type(), pointer);
    return arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq,
                                 arith::AndIOp::create(b, loc(), address, i64(bytes - 1)), i64(0));
  }
  /// Whether this thread is the first lane of its quad (4 consecutive
  /// lanes, which hold one row of a wgmma accumulator), as an i1.
  Value firstOfQuad() {
    return arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq,
                                 arith::RemUIOp::create(b, loc(), threadId, index(4)), index(0));
  }
  /// 8-bit float elements are stored as i8 (read and written as their type).
  void storeFloat8AsBytes(BufferRef &ref) {
    if (!isFloat8(ref.elementType))
      return;
    ref.valueType = ref.elementType;
    ref.elementType = b.getI8Type();
  }
  /// Bytes of a vector of `width` elements of a buffer.
  static int64_t vectorBytes(const BufferRef &ref, int64_t width) {
    return width * std::max(1u, ref.elementType.getIntOrFloatBitWidth() / 8);
  }
  /// The `tile.vector_guard`s known to hold for the vector being lowered.
  DenseSet<Operation *> heldGuards;
  /// Whether an `scf.if` with results may compute both sides and select:
  /// pure arithmetic and loads of on-chip buffers at indices inside them.
  bool isSpeculatable(scf::IfOp ifOp);
  LogicalResult lowerDistributedReduce(tile::ReduceOp reduce);
  /// T.reduce along the rows of a #tile.wgmma accumulator: each thread folds
  /// its elements of a row, the row's quad of lanes combines by shuffles.
  LogicalResult lowerWgmmaReduce(tile::ReduceOp reduce);
  /// The first row and column of the #tile.wgmma elements this thread
  /// holds, for accumulators of `blocksPerGroup` 64-row blocks a warpgroup.
  std::pair<Value, Value> wgmmaOrigin(int64_t blocksPerGroup);
  /// Combines two partial results of a reduction of `kind` (sum, min or
  /// max; |x| of the abs kinds applies to elements, see reductionElement).
  Value combineReduction(tile::ReduceKind kind, Value a, Value x);
  /// The element a reduction folds in: |x| for abssum and absmax.
  Value reductionElement(tile::ReduceKind kind, Value x);
  /// The identity of a reduction of `kind` in `type`.
  Value reductionIdentity(tile::ReduceKind kind, Type type);
  /// T.gemm on tensor cores (mma.sync m16n8k16); false if the tiles do not
  /// qualify (then the SIMT loop runs).
  bool lowerGemmMmaSync(tile::GemmOp gemm);
  /// T.gemm on Hopper's warpgroup MMA, C in the #tile.wgmma layout.
  LogicalResult lowerGemmWgmma(tile::GemmOp gemm);
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
                           NVVM::WGMMATypes type, bool transposeB);
  /// The wgmma shared-memory descriptor of the 64-bit matrix starting at
  /// (row, col) of a swizzled shared buffer.
  Value wgmmaDescriptor(const BufferRef &ref, Value row, Value col, bool kMajor);
  /// Runs `body(viewIndex, slot)` for each element of a #tile.wgmma
  /// fragment this thread holds (unrolled: the slots are constants).
  void forEachOwned(const BufferRef &ref,
                    function_ref<void(ArrayRef<Value>, Value)> body);
  /// T.copy from global memory into a shared buffer in 16-byte vectors
  /// where the tile's rows allow; false if the copy does not qualify.
  bool lowerVectorCopyToShared(Value source, Value target, bool async);
  /// T.copy between any two scopes (`op` is the copy).
  LogicalResult lowerCopy(Operation *op, Value source, Value target);
  /// Splits a flat index over a static shape (C order).
  SmallVector<Value> delinearize(Value flat, ArrayRef<int64_t> shape);
  /// The view index of squeezed element `n` of a view.
  SmallVector<Value> fromSqueezed(const BufferRef &ref, ArrayRef<Value> squeezed);
  void barrier() {
    if (parallelDepth > 0)
      return;
    // Right after another barrier (with only pure computation between) a
    // second one orders nothing.
    Block *block = b.getInsertionBlock();
    for (Block::iterator at = b.getInsertionPoint(); at != block->begin();) {
      Operation &previous = *--at;
      if (isa<gpu::BarrierOp, NVVM::BarrierOp>(previous))
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
    NVVM::BarrierOp::create(b, loc(), Type(), i32(partBarrierId), i32(partThreads),
                            NVVM::BarrierReductionAttr(), Value());
  }
  BufferRef allocate(tile::AllocOp alloc);
  /// The slot of the T.Parallel iteration being lowered (innermost last).
  SmallVector<Value> slotStack;
  /// The #tile.wgmma_rows slot of the row of the iteration being lowered,
  /// in loops that follow a wgmma or wgmma_rows layout.
  SmallVector<Value> rowSlotStack;
  /// Inside a loop over #tile.wgmma_rows rows, which each quad's four lanes
  /// run alike.
  bool quadReplicated = false;
  /// The register slot of `ref`'s element in the iteration being lowered
  /// (null for memory, or a row fragment outside a loop over its rows).
  Value registerSlot(const BufferRef &ref) {
    if (ref.wgmmaRowGroups)
      return rowSlotStack.empty() ? Value() : rowSlotStack.back();
    return ref.inRegisters() ? slotStack.back() : Value();
  }
  /// Runs `body(row, slot)` for each row of a #tile.wgmma_rows fragment of
  /// `rows` values this thread holds.
  void forEachOwnedRow(int64_t rows, int64_t groups, function_ref<void(Value, Value)> body);

  func::FuncOp func;
  gpu::GPUModuleOp gpuModule;
  OpBuilder b;
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
  /// Whether the runtime built the tensor maps (i1, uniform).
  Value tmaReady;
  /// The tile.copy (stores) of whole swizzled shared tiles into tensor
  /// windows that can use TMA, and their tensor maps.
  DenseMap<Operation *, unsigned> tmaStores;
  /// Finds the copies that can use TMA and the tensor maps they need.
  void planTensorMaps(tile::LaunchOp launch);
  /// The tensor map (added if new) through which TMA moves the 2-D
  /// `window` of a tensor parameter to or from the swizzled shared `tile`
  /// (a whole buffer or one stage of it), if it can.
  std::optional<unsigned> tensorMapFor(Value window, Value tile);
  /// A tile.copy of a swizzled shared tile into a tensor window by TMA
  /// (one thread issues, then waits until the tile has been read), or the
  /// ordinary copy where the runtime built no tensor maps.
  LogicalResult lowerTensorStore(tile::CopyOp copy, unsigned mapIndex);
  /// The address of element `slot` of a `tile.mbarriers` buffer.
  Value barrierAddress(Value barriers, Value slot);
  /// This thread waits until barriers[slot] (tile values) completes the
  /// phase of parity `phase`.
  void waitForPhase(Value barriers, Value slot, Value phase);
  /// Runs `body` in thread 0 (of the current part) only.
  void inFirstThread(function_ref<void()> body);
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
  /// Threads launched per block: the launch's, plus a producer warpgroup
  /// when the kernel is warp-specialized.
  int64_t blockThreads = 0;
  bool warpSpecialized = false;
  int64_t numThreadsValue = 0;
  Block *entry = nullptr;
  int parallelDepth = 0;
};

} // namespace


static int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Value KernelLowering::address(const BufferRef &ref, ArrayRef<Value> viewIndex) {
  SmallVector<Value> storageIndex(ref.offsets);
  for (auto [d, i] : llvm::enumerate(viewIndex))
    storageIndex[ref.kept[d]] =
        arith::AddIOp::create(b, loc(), storageIndex[ref.kept[d]], i);
  if (ref.swizzle)
    return LLVM::GEPOp::create(b, loc(), ref.base.getType(), b.getI8Type(), ref.base,
                               ValueRange{toI64(swizzledOffset(ref, storageIndex, true))});
  Value linear = index(0);
  for (auto [i, stride] : llvm::zip(storageIndex, ref.strides))
    linear = arith::AddIOp::create(b, loc(), linear,
                                   arith::MulIOp::create(b, loc(), i, stride));
  return LLVM::GEPOp::create(b, loc(), ref.base.getType(), ref.elementType, ref.base,
                             ValueRange{toI64(linear)});
}

Value KernelLowering::swizzledOffset(const BufferRef &ref, ArrayRef<Value> storageIndex,
                                    bool applyXor) {
  // The last two storage dimensions (rows, columns) are stored as column
  // chunks of `swizzle` bytes, each rows x swizzle; leading dimensions
  // (pipeline stages) step over whole rows x columns slabs. In a chunk,
  // address bits [4, 4 + b) are XORed with bits [7, 7 + b), b =
  // log2(swizzle / 16): the pattern of TMA and the wgmma descriptors (slabs
  // are multiples of 8 rows and the buffer starts 1024-byte aligned, so
  // offsets and addresses agree).
  int64_t span = ref.swizzle;
  size_t rank = storageIndex.size();
  int64_t elementBytes = ref.elementType.getIntOrFloatBitWidth() / 8;
  int64_t rows = ref.swizzleRows;
  int64_t columns = getConstantIntValue(ref.storageDims[rank - 1]).value_or(0);
  Value slab = index(0);
  for (size_t d = 0; d + 2 < rank; ++d)
    slab = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), slab, ref.storageDims[d]),
                                 storageIndex[d]);
  Value colBytes = arith::MulIOp::create(b, loc(), storageIndex[rank - 1], index(elementBytes));
  Value chunk = arith::DivUIOp::create(b, loc(), colBytes, index(span));
  Value within = arith::RemUIOp::create(b, loc(), colBytes, index(span));
  Value offset = arith::AddIOp::create(
      b, loc(),
      arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), chunk, index(rows * span)),
                            arith::MulIOp::create(b, loc(), storageIndex[rank - 2], index(span))),
      within);
  offset = arith::AddIOp::create(
      b, loc(), offset,
      arith::MulIOp::create(b, loc(), slab, index(rows * columns * elementBytes)));
  if (!applyXor)
    return offset;
  Value bits = arith::AndIOp::create(b, loc(), arith::ShRUIOp::create(b, loc(), offset, index(7)),
                                     index(span / 16 - 1));
  return arith::XOrIOp::create(b, loc(), offset, arith::ShLIOp::create(b, loc(), bits, index(4)));
}

Value KernelLowering::inBounds(const BufferRef &ref, ArrayRef<Value> viewIndex) {
  SmallVector<Value> storageIndex(ref.offsets);
  for (auto [d, i] : llvm::enumerate(viewIndex))
    storageIndex[ref.kept[d]] =
        arith::AddIOp::create(b, loc(), storageIndex[ref.kept[d]], i);
  Value ok = arith::ConstantOp::create(b, loc(), b.getBoolAttr(true));
  for (auto [i, dim] : llvm::zip(storageIndex, ref.storageDims)) {
    // Unsigned comparison: a negative index is also outside.
    Value inside = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::ult, i, dim);
    ok = arith::AndIOp::create(b, loc(), ok, inside);
  }
  return ok;
}

Value KernelLowering::cast(Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (fromFloat && toFloat) {
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc(), to, value);
    if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc(), to, value);
    Value wide = arith::ExtFOp::create(b, loc(), b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc(), to, wide);
  }
  if (!fromFloat && toFloat) {
    if (from.isIndex())
      value = arith::IndexCastOp::create(b, loc(), b.getI64Type(), value);
    return arith::SIToFPOp::create(b, loc(), to, value);
  }
  if (fromFloat && !toFloat)
    return arith::FPToSIOp::create(b, loc(), to, value);
  if (from.isIndex() || to.isIndex())
    return arith::IndexCastOp::create(b, loc(), to, value);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtSIOp::create(b, loc(), to, value);
  return arith::TruncIOp::create(b, loc(), to, value);
}

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

Value KernelLowering::evaluateAt(tile::ParallelOp parallel, Value cond, ArrayRef<Value> point) {
  IRMapping local;
  for (auto [arg, value] : llvm::zip(parallel.getBody().front().getArguments(), point))
    local.map(arg, value);
  std::function<Value(Value)> evaluate = [&](Value v) -> Value {
    if (Value known = local.lookupOrNull(v))
      return known;
    Operation *def = v.getDefiningOp();
    if (!def || !parallel->isProperAncestor(def)) {
      Value outside = materialize(v);
      local.map(v, outside);
      return outside;
    }
    for (Value operand : def->getOperands())
      evaluate(operand);
    Operation *clone = b.clone(*def, local);
    return clone->getResult(llvm::cast<OpResult>(v).getResultNumber());
  };
  return evaluate(cond);
}

LogicalResult
KernelLowering::lowerVectorParallel(tile::ParallelOp parallel, int64_t width,
                                    function_ref<void(ArrayRef<Value>, Value)> iteration) {
  ArrayRef<int64_t> extents = parallel.getExtents();
  Block &body = parallel.getBody().front();
  // The tensors the loop touches, checked once for vector alignment.
  SmallVector<Value> tensors;
  body.walk([&](Operation *op) {
    Value buffer;
    if (auto load = dyn_cast<tile::LoadOp>(op))
      buffer = load.getBuffer();
    else if (auto store = dyn_cast<tile::StoreOp>(op))
      buffer = store.getBuffer();
    if (buffer && buffers[buffer].scope == tile::MemoryScope::Global &&
        !llvm::is_contained(tensors, buffer))
      tensors.push_back(buffer);
  });
  Value aligned = arith::ConstantIntOp::create(b, loc(), b.getI1Type(), 1);
  for (Value tensor : tensors) {
    const BufferRef &ref = buffers[tensor];
    aligned = arith::AndIOp::create(b, loc(), aligned,
                                    isAligned(ref.base, vectorBytes(ref, width)));
  }
  SmallVector<Operation *> guards;
  body.walk([&](scf::IfOp ifOp) {
    if (ifOp->hasAttr(tile::kVectorGuardAttrName))
      guards.push_back(ifOp);
  });

  // Vector v of the loop (thread tid runs v = tid + k * threads in trip k)
  // starts at element v * width; it stays in one row: only the innermost
  // index moves.
  LogicalResult lowered = success();
  cooperative(product(extents) / width, [&](Value vector, Value trip) {
    SmallVector<Value> first =
        delinearize(arith::MulIOp::create(b, loc(), vector, index(width)), extents);
    auto lanePoint = [&](int64_t lane) {
      SmallVector<Value> point(first);
      point.back() = arith::AddIOp::create(b, loc(), point.back(), index(lane));
      return point;
    };
    auto slotOf = [&](int64_t lane) {
      return arith::AddIOp::create(
          b, loc(), arith::MulIOp::create(b, loc(), trip, index(width)), index(lane));
    };
    Value whole = aligned;
    for (Operation *op : guards) {
      Value cond = llvm::cast<scf::IfOp>(op).getCondition();
      for (int64_t lane : {int64_t(0), width - 1})
        whole = arith::AndIOp::create(b, loc(), whole, evaluateAt(parallel, cond, lanePoint(lane)));
    }
    auto versions = scf::IfOp::create(b, loc(), whole, /*withElseRegion=*/true);
    b.setInsertionPointToStart(versions.thenBlock());
    heldGuards.insert(guards.begin(), guards.end());
    // Op by op across the lanes (each lane's own order is kept; iterations of
    // a T.Parallel are independent), so that each `tile.contiguous` access
    // becomes one vector access of all lanes.
    SmallVector<IRMapping> lanes(width, mapping);
    SmallVector<Value> slots;
    for (int64_t lane = 0; lane < width; ++lane) {
      for (auto [arg, value] : llvm::zip(body.getArguments(), lanePoint(lane)))
        lanes[lane].map(arg, value);
      slots.push_back(slotOf(lane));
    }
    ++parallelDepth;
    if (failed(lowerAcrossLanes(body, lanes, slots)))
      lowered = failure();
    --parallelDepth;
    heldGuards.clear();
    b.setInsertionPointToStart(versions.elseBlock());
    for (int64_t lane = 0; lane < width; ++lane)
      iteration(lanePoint(lane), slotOf(lane));
  });
  return lowered;
}

LogicalResult KernelLowering::lowerAcrossLanes(Block &block, MutableArrayRef<IRMapping> lanes,
                                               ArrayRef<Value> slots) {
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      continue;
    if (heldGuards.contains(&op)) {
      auto ifOp = llvm::cast<scf::IfOp>(op);
      if (failed(lowerAcrossLanes(*ifOp.thenBlock(), lanes, slots)))
        return failure();
      for (IRMapping &lane : lanes)
        for (auto [result, yielded] :
             llvm::zip(ifOp.getResults(), ifOp.thenBlock()->getTerminator()->getOperands()))
          lane.map(result, lane.lookup(yielded));
      continue;
    }
    if (op.hasAttr(tile::kContiguousAttrName) && isa<tile::LoadOp, tile::StoreOp>(op)) {
      currentLoc = op.getLoc();
      bool isLoad = isa<tile::LoadOp>(op);
      Value buffer = isLoad ? llvm::cast<tile::LoadOp>(op).getBuffer()
                            : llvm::cast<tile::StoreOp>(op).getBuffer();
      ValueRange indices = isLoad ? llvm::cast<tile::LoadOp>(op).getIndices()
                                  : llvm::cast<tile::StoreOp>(op).getIndices();
      const BufferRef &ref = buffers[buffer];
      // The lanes' elements are consecutive from lane 0's, which is
      // aligned to the vector (tile-vectorize-parallel proved the index,
      // the alignment of the tensors was checked).
      SmallVector<Value> first;
      for (Value i : indices)
        first.push_back(lanes.front().lookup(i));
      Value pointer = address(ref, first);
      auto vectorType = VectorType::get({static_cast<int64_t>(lanes.size())}, ref.elementType);
      unsigned alignment = vectorBytes(ref, lanes.size());
      auto position = [&](int64_t lane) {
        return arith::ConstantIntOp::create(b, loc(), b.getI32Type(), lane);
      };
      if (isLoad) {
        Value vector = LLVM::LoadOp::create(b, loc(), vectorType, pointer, alignment);
        for (auto [lane, mapped] : llvm::enumerate(lanes))
          mapped.map(op.getResult(0),
                     fromMemory(ref, LLVM::ExtractElementOp::create(b, loc(), vector,
                                                                    position(lane))));
      } else {
        Value vector = LLVM::PoisonOp::create(b, loc(), vectorType);
        for (auto [lane, mapped] : llvm::enumerate(lanes))
          vector = LLVM::InsertElementOp::create(
              b, loc(), vector,
              toMemory(ref, mapped.lookup(llvm::cast<tile::StoreOp>(op).getValue())),
              position(lane));
        LLVM::StoreOp::create(b, loc(), vector, pointer, alignment);
      }
      continue;
    }
    for (auto [lane, slot] : llvm::zip(lanes, slots)) {
      std::swap(mapping, lane);
      slotStack.push_back(slot);
      LogicalResult result = lowerOp(&op);
      slotStack.pop_back();
      std::swap(mapping, lane);
      if (failed(result))
        return failure();
    }
  }
  return success();
}

bool KernelLowering::isSpeculatable(scf::IfOp ifOp) {
  // An index that stays inside the buffer: a constant within the extent, or
  // a T.Parallel variable whose loop extent is at most the extent.
  auto insideExtent = [&](Value index, int64_t extent) {
    IntegerAttr constant;
    if (matchPattern(index, m_Constant(&constant)))
      return constant.getInt() >= 0 && constant.getInt() < extent;
    auto arg = dyn_cast<BlockArgument>(index);
    if (!arg)
      return false;
    auto parallel = dyn_cast<tile::ParallelOp>(arg.getOwner()->getParentOp());
    return parallel && parallel.getExtents()[arg.getArgNumber()] <= extent;
  };
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
          if (!insideExtent(index, extent))
            return false;
        continue;
      }
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

SmallVector<Value> KernelLowering::fromSqueezed(const BufferRef &ref,
                                                ArrayRef<Value> squeezed) {
  SmallVector<Value> viewIndex;
  size_t next = 0;
  for (int64_t extent : ref.shape)
    viewIndex.push_back(extent == 1 ? index(0) : squeezed[next++]);
  return viewIndex;
}

BufferRef KernelLowering::allocate(tile::AllocOp alloc) {
  tile::BufferType type = alloc.getType();
  Attribute layout = alloc->getAttr(tile::kLayoutAttrName);
  BufferRef ref;
  ref.elementType = type.getElementType();
  if (ref.elementType.isIndex()) {
    ref.elementType = b.getI64Type();
    ref.indexElements = true;
  }
  storeFloat8AsBytes(ref);
  ref.scope = type.getScope();
  ref.shape.assign(type.getShape().begin(), type.getShape().end());
  int64_t count = std::max<int64_t>(product(type.getShape()), 1);
  if (auto cyclic = dyn_cast_or_null<tile::CyclicLayoutAttr>(layout)) {
    // Each thread's slots, in registers once the constant slot indices of
    // the unrolled loops resolve.
    ref.distributed = true;
    count = (count + cyclic.getThreads() - 1) / cyclic.getThreads();
  }
  if (auto wgmma = dyn_cast_or_null<tile::WgmmaLayoutAttr>(layout)) {
    ref.wgmmaGroups = wgmma.getWarpgroups();
    count /= 128 * ref.wgmmaGroups;
  }
  if (auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(layout)) {
    ref.wgmmaRowGroups = rows.getWarpgroups();
    count = 2 * (ref.shape[0] / 64 / ref.wgmmaRowGroups); // two rows a 64-row block
  }
  if (auto swizzle = dyn_cast_or_null<tile::SwizzleLayoutAttr>(layout);
      swizzle && ref.scope != tile::MemoryScope::Local && ref.shape.size() >= 2) {
    ref.swizzle = swizzle.getBytes();
    ref.swizzleRows = ref.shape[ref.shape.size() - 2];
  }
  if (ref.scope == tile::MemoryScope::Local || ref.inRegisters()) {
    // Each thread's private copy, allocated once at kernel entry.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value n = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), count);
    ref.base = LLVM::AllocaOp::create(b, loc(),
                                      LLVM::LLVMPointerType::get(b.getContext(), privateSpace),
                                      ref.elementType, n, /*alignment=*/16);
  } else {
    // Shared and fragment buffers: a slice of the extern shared array, at
    // the offset tile-plan-shared-memory chose.
    auto planned = alloc->getAttrOfType<IntegerAttr>(tile::kSharedOffsetAttrName);
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
    ref.kept.push_back(d);
  }
  return ref;
}

Value KernelLowering::materialize(Value v) {
  if (Value mapped = mapping.lookupOrNull(v))
    return mapped;
  Operation *def = v.getDefiningOp();
  if (!def)
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

LogicalResult KernelLowering::run() {
  tile::LaunchOp launch;
  func.walk([&](tile::LaunchOp op) { launch = op; });
  if (!launch)
    return func.emitError("kernel has no 'with T.Kernel(...)'");
  launchRegion = &launch.getBody();
  MLIRContext *ctx = func.getContext();

  // Kernel parameters: a global pointer plus one i64 per dimension bound at
  // launch for each tensor; scalars as they are.
  SmallVector<Type> argTypes;
  auto globalPtr = LLVM::LLVMPointerType::get(ctx, kGlobalSpace);
  for (BlockArgument arg : func.getArguments()) {
    if (auto buffer = dyn_cast<tile::BufferType>(arg.getType())) {
      argTypes.push_back(globalPtr);
      for (int64_t d : buffer.getShape())
        if (ShapedType::isDynamic(d))
          argTypes.push_back(b.getI64Type());
      continue;
    }
    argTypes.push_back(arg.getType());
  }
  // TMA: a flag saying whether the runtime built the maps, then the maps,
  // each a 128-byte __grid_constant__ parameter.
  if (tma)
    planTensorMaps(launch);
  unsigned firstMapArg = argTypes.size() + 1;
  if (!tensorMaps.empty()) {
    argTypes.push_back(b.getI32Type());
    for (size_t i = 0; i < tensorMaps.size(); ++i)
      argTypes.push_back(LLVM::LLVMPointerType::get(ctx));
  }
  b.setInsertionPointToEnd(gpuModule.getBody());
  auto kernel = gpu::GPUFuncOp::create(b, func.getLoc(), func.getName(),
                                       b.getFunctionType(argTypes, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  launch.walk([&](tile::WarpSpecializeOp) { warpSpecialized = true; });
  blockThreads = launch.getThreads() + (warpSpecialized ? 128 : 0);
  kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({static_cast<int32_t>(blockThreads), 1, 1}));
  if (warpSpecialized)
    func->setAttr(tile::kBlockThreadsAttrName, b.getI64IntegerAttr(blockThreads));
  entry = &kernel.getBody().front();
  b.setInsertionPointToStart(entry);
  gpu::ReturnOp::create(b, func.getLoc());
  b.setInsertionPoint(entry->getTerminator());
  currentLoc = func.getLoc();

  unsigned next = 0;
  for (BlockArgument arg : func.getArguments()) {
    auto buffer = dyn_cast<tile::BufferType>(arg.getType());
    if (!buffer) {
      mapping.map(arg, entry->getArgument(next++));
      continue;
    }
    // Tensors of one launch do not overlap (as in TileLang and Triton): the
    // backend may reorder and batch their accesses.
    kernel.setArgAttr(next, LLVM::LLVMDialect::getNoAliasAttrName(), b.getUnitAttr());
    BufferRef ref;
    ref.base = entry->getArgument(next++);
    ref.elementType = buffer.getElementType();
    storeFloat8AsBytes(ref);
    ref.scope = tile::MemoryScope::Global;
    for (int64_t d : buffer.getShape()) {
      ref.shape.push_back(d);
      ref.storageDims.push_back(
          ShapedType::isDynamic(d)
              ? arith::IndexCastOp::create(b, loc(), b.getIndexType(),
                                           entry->getArgument(next++))
                    .getResult()
              : index(d));
    }
    ref.strides.resize(ref.shape.size());
    Value stride = index(1);
    for (int d = static_cast<int>(ref.shape.size()) - 1; d >= 0; --d) {
      ref.strides[d] = stride;
      stride = arith::MulIOp::create(b, loc(), stride, ref.storageDims[d]);
    }
    for (size_t d = 0; d < ref.shape.size(); ++d) {
      ref.offsets.push_back(index(0));
      ref.kept.push_back(d);
    }
    buffers[arg] = ref;
  }

  if (!tensorMaps.empty()) {
    SmallVector<Attribute> maps;
    SmallVector<int32_t> gridConstants;
    for (auto [i, map] : llvm::enumerate(tensorMaps)) {
      unsigned argIndex = firstMapArg + i;
      gridConstants.push_back(argIndex);
      map.descriptor = entry->getArgument(argIndex);
      maps.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("param", b.getI64IntegerAttr(map.param)),
           b.getNamedAttr("box", b.getI64ArrayAttr(map.box)),
           b.getNamedAttr("swizzle", b.getI64IntegerAttr(map.swizzle))}));
    }
    tmaReady = arith::CmpIOp::create(
        b, loc(), arith::CmpIPredicate::ne, entry->getArgument(firstMapArg - 1),
        arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 0));
    func->setAttr(tile::kTensorMapsAttrName, b.getArrayAttr(maps));
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
    // T.use_swizzle(panel): blocks launched in order go down the rows of a
    // panel of `panel` columns before the next panel starts, so that
    // blocks running together share rows of A and columns of B in L2.
    currentLoc = rasterization.getLoc();
    Value columns = gpu::GridDimOp::create(b, loc(), gpu::Dimension::x);
    Value rows = gpu::GridDimOp::create(b, loc(), gpu::Dimension::y);
    Value panel = index(rasterization.getPanel());
    Value linear = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), blockY, columns),
                                         blockX);
    Value panelBlocks = arith::MulIOp::create(b, loc(), panel, rows);
    Value first = arith::MulIOp::create(
        b, loc(), arith::DivUIOp::create(b, loc(), linear, panelBlocks), panel);
    Value within = arith::RemUIOp::create(b, loc(), linear, panelBlocks);
    Value width = arith::MinUIOp::create(b, loc(), arith::SubIOp::create(b, loc(), columns, first),
                                         panel);
    blockX = arith::AddIOp::create(b, loc(), first,
                                   arith::RemUIOp::create(b, loc(), within, width));
    blockY = arith::DivUIOp::create(b, loc(), within, width);
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
    if (isOnChip(alloc) && !alloc->hasAttr(tile::kSharedOffsetAttrName))
      planned = false;
  });
  if (!planned)
    planSharedMemory(body);
  body.walk([&](tile::AllocOp alloc) {
    if (auto offset = alloc->getAttrOfType<IntegerAttr>(tile::kSharedOffsetAttrName))
      sharedBytes = std::max(sharedBytes, offset.getInt() + bufferBytes(alloc.getType()));
  });
  if (failed(lowerBlock(body)))
    return failure();
  // LLVM has no 8-bit float types and MLIR 22 no conversion of them to the
  // GPU dialects: they move as bytes and feed wgmma (sm_90a) as they are.
  // Arithmetic on them would fail in LLVM translation without a location.
  WalkResult float8 = kernel.walk([&](Operation *op) {
    if (!isa<arith::ExtFOp, arith::TruncFOp>(op))
      return WalkResult::advance();
    if (!isFloat8(op->getOperand(0).getType()) && !isFloat8(op->getResult(0).getType()))
      return WalkResult::advance();
    op->emitError("converting 8-bit floats is not supported on GPU targets yet; they "
                  "can be copied and be the operands of a T.gemm on wgmma (sm_90a)");
    return WalkResult::interrupt();
  });
  if (float8.wasInterrupted())
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
  func->setAttr(
      tile::kGPUKernelAttrName,
      SymbolRefAttr::get(gpuModule.getNameAttr(), {FlatSymbolRefAttr::get(kernel.getNameAttr())}));
  func->setAttr(tile::kSharedBytesAttrName, b.getI64IntegerAttr(sharedBytes));
  return success();
}

LogicalResult KernelLowering::lowerBlock(Block &source, Block::iterator first) {
  for (Operation &op : llvm::make_range(first == Block::iterator() ? source.begin() : first,
                                        source.end())) {
    if (op.hasTrait<OpTrait::IsTerminator>() && isa<tile::TileDialect>(op.getDialect()))
      continue;
    if (auto specialize = dyn_cast<tile::WarpSpecializeOp>(op)) {
      currentLoc = op.getLoc();
      return lowerWarpSpecialize(specialize); // with the rest of the block
    }
    if (failed(lowerOp(&op)))
      return failure();
  }
  return success();
}

LogicalResult KernelLowering::lowerWarpSpecialize(tile::WarpSpecializeOp specialize) {
  // Threads past the launch's are the producer warpgroup.
  Value producer = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::uge, threadId,
                                         index(numThreadsValue));
  auto ifOp = scf::IfOp::create(b, loc(), producer, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // With two consumer warpgroups (384 threads, 168 registers each at
  // launch) the producer hands registers to the consumers: 40 + 2 x 232
  // per lane of a warpgroup is what 3 x 168 was. It issues copies only;
  // the accumulators are the consumers'.
  bool reallocate = setmaxnreg && numThreadsValue == 256;
  if (reallocate) {
    // setmaxnreg moves registers within the block's allocation, which is
    // what the kernel's register count says: pinned at the even split
    // (ptxas would otherwise allocate what the code needs, maybe fewer,
    // and the consumers' increase would wait forever).
    entry->getParentOp()->setAttr(NVVM::NVVMDialect::getMaxnregAttrName(),
                                  b.getI32IntegerAttr(kLaunchRegisters));
    NVVM::SetMaxRegisterOp::create(b, loc(), kProducerRegisters,
                                   NVVM::SetMaxRegisterAction::decrease);
  }
  partThreadId = arith::SubIOp::create(b, loc(), threadId, index(numThreadsValue));
  partThreads = 128;
  partBarrierId = 2;
  inProducer = true;
  LogicalResult result = lowerBlock(specialize.getProducer().front());
  inProducer = false;
  b.setInsertionPointToStart(ifOp.elseBlock());
  if (reallocate)
    NVVM::SetMaxRegisterOp::create(b, loc(), kConsumerRegisters,
                                   NVVM::SetMaxRegisterAction::increase);
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
  if (heldGuards.contains(op)) {
    // A guard checked for the whole vector: its then-branch, unguarded.
    auto ifOp = llvm::cast<scf::IfOp>(op);
    Block *thenBlock = ifOp.thenBlock();
    for (Operation &inner : thenBlock->without_terminator())
      if (failed(lowerOp(&inner)))
        return failure();
    for (auto [result, yielded] :
         llvm::zip(ifOp.getResults(), thenBlock->getTerminator()->getOperands()))
      mapping.map(result, mapping.lookup(yielded));
    return success();
  }
  if (op->getNumRegions() == 0) {
    b.clone(*op, mapping);
    return success();
  }
  // Structured control flow: rebuild the op and lower its regions.
  Operation *clone = b.cloneWithoutRegions(*op, mapping);
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
  for (auto [oldResult, newResult] : llvm::zip(op->getResults(), clone->getResults()))
    mapping.map(oldResult, newResult);
  return success();
}

LogicalResult KernelLowering::lowerTileOp(Operation *op) {
  auto indices = [&](ValueRange values) {
    SmallVector<Value> result;
    for (Value v : values)
      result.push_back(mapping.lookup(v));
    return result;
  };
  if (parallelDepth > 0 &&
      isa<tile::CopyOp, tile::FillOp, tile::GemmOp, tile::ReduceOp, tile::ParallelOp,
          tile::PipelinedOp, tile::AllocOp>(op))
    return op->emitError("the GPU target does not support '")
           << op->getName() << "' inside a T.Parallel loop";

  if (auto alloc = dyn_cast<tile::AllocOp>(op)) {
    buffers[alloc.getResult()] = allocate(alloc);
    if (alloc->hasAttr(tile::kMBarriersAttrName) && (tmaReady || warpSpecialized)) {
      // Arrivals per phase: as the allocation says, or for copy barriers
      // thread 0's commit with TMA and each producer thread's cp.async
      // arrival without.
      Value count;
      if (auto arrivals = alloc->getAttrOfType<IntegerAttr>(tile::kArrivalsAttrName)) {
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
      inFirstThread([&] {
        for (int64_t i = 0; i < alloc.getType().getShape()[0]; ++i)
          NVVM::MBarrierInitOp::create(b, loc(), barrierAddress(alloc.getResult(), index(i)),
                                       count, Value());
      });
      barrier();
    }
    return success();
  }
  if (auto dim = dyn_cast<tile::DimOp>(op)) {
    const BufferRef &ref = buffers[dim.getSource()];
    int64_t extent = ref.shape[dim.getIndex()];
    mapping.map(dim.getResult(), ShapedType::isDynamic(extent)
                                     ? ref.storageDims[ref.kept[dim.getIndex()]]
                                     : index(extent));
    return success();
  }
  if (auto region = dyn_cast<tile::RegionOp>(op)) {
    const BufferRef &source = buffers[region.getSource()];
    BufferRef ref = source;
    ref.kept.clear();
    ref.shape.clear();
    ArrayRef<int64_t> sizes = region.getSizes();
    for (auto [d, offset] : llvm::enumerate(region.getOffsets())) {
      unsigned storageDim = source.kept[d];
      // Folded, so that constant windows stay recognizably constant.
      ref.offsets[storageDim] =
          b.createOrFold<arith::AddIOp>(loc(), ref.offsets[storageDim], mapping.lookup(offset));
    }
    for (unsigned d : region.getKeptDims()) {
      ref.kept.push_back(source.kept[d]);
      ref.shape.push_back(sizes[d]);
    }
    buffers[region.getResult()] = ref;
    return success();
  }
  if (isa<tile::LoadOp, tile::StoreOp>(op)) {
    auto load = dyn_cast<tile::LoadOp>(op);
    auto storeOp = dyn_cast<tile::StoreOp>(op);
    const BufferRef &ref = buffers[load ? load.getBuffer() : storeOp.getBuffer()];
    Value slot = registerSlot(ref);
    if (ref.wgmmaRowGroups && !slot)
      return op->emitError("a wgmma_rows fragment is accessed outside a loop over its rows");
    if (load) {
      mapping.map(load.getResult(), loadAt(ref, indices(load.getIndices()), slot));
      return success();
    }
    OpBuilder::InsertionGuard guard(b);
    if (quadReplicated && !ref.inRegisters()) {
      // The quad's four lanes run this iteration alike: one writes memory.
      auto ifOp = scf::IfOp::create(b, loc(), firstOfQuad(), false);
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    storeAt(ref, indices(storeOp.getIndices()), slot, mapping.lookup(storeOp.getValue()));
    return success();
  }
  if (auto parallel = dyn_cast<tile::ParallelOp>(op)) {
    ArrayRef<int64_t> extents = parallel.getExtents();
    Block &body = parallel.getBody().front();
    LogicalResult result = success();
    // One iteration: the loop variables at `point`, in register slot `slot`.
    auto iteration = [&](ArrayRef<Value> point, Value slot) {
      for (auto [arg, i] : llvm::zip(body.getArguments(), point))
        mapping.map(arg, i);
      slotStack.push_back(slot);
      ++parallelDepth;
      if (succeeded(result))
        result = lowerBlock(body);
      --parallelDepth;
      slotStack.pop_back();
    };
    if (auto wgmma =
            dyn_cast_or_null<tile::WgmmaLayoutAttr>(parallel->getAttr(tile::kLayoutAttrName))) {
      // The iterations follow the accumulator layout the loop's fragment has.
      BufferRef space;
      space.shape.assign(extents.begin(), extents.end());
      space.wgmmaGroups = wgmma.getWarpgroups();
      int64_t slotsPerBlock = extents[1] / 2;
      forEachOwned(space, [&](ArrayRef<Value> ij, Value slot) {
        rowSlotStack.push_back(index(rowSlotOf(*getConstantIntValue(slot), slotsPerBlock)));
        iteration(ij, slot);
        rowSlotStack.pop_back();
      });
    } else if (auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(
                   parallel->getAttr(tile::kLayoutAttrName))) {
      // Each quad runs the rows it holds (its four lanes alike).
      forEachOwnedRow(extents[0], rows.getWarpgroups(), [&](Value row, Value slot) {
        rowSlotStack.push_back(slot);
        quadReplicated = true;
        iteration({row}, slot);
        quadReplicated = false;
        rowSlotStack.pop_back();
      });
    } else if (auto width = parallel->getAttrOfType<IntegerAttr>(tile::kVectorAttrName)) {
      if (failed(lowerVectorParallel(parallel, width.getInt(), iteration)))
        result = failure();
    } else {
      bool registers = false;
      body.walk([&](Operation *inner) {
        for (Value operand : inner->getOperands())
          if (auto it = buffers.find(operand); it != buffers.end() && it->second.inRegisters())
            registers = true;
      });
      cooperative(
          product(extents),
          [&](Value flat, Value slot) { iteration(delinearize(flat, extents), slot); },
          registers);
    }
    return result;
  }
  if (auto pipelined = dyn_cast<tile::PipelinedOp>(op)) {
    auto loop = scf::ForOp::create(b, loc(), mapping.lookup(pipelined.getLowerBound()),
                                   mapping.lookup(pipelined.getUpperBound()),
                                   mapping.lookup(pipelined.getStep()));
    mapping.map(pipelined.getInductionVar(), loop.getInductionVar());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    return lowerBlock(pipelined.getBody().front());
  }
  if (auto copy = dyn_cast<tile::CopyOp>(op)) {
    if (auto store = tmaStores.find(op); store != tmaStores.end() && tmaReady)
      return lowerTensorStore(copy, store->second);
    return lowerCopy(op, copy.getSource(), copy.getTarget());
  }
  if (auto copy = dyn_cast<tile::CopyAsyncOp>(op))
    return lowerCopyAsync(copy);
  if (auto commit = dyn_cast<tile::AsyncCommitOp>(op)) {
    if (inProducer) {
      // The consumers wait on the barrier: thread 0's arrival after its
      // TMA copies, or every producer thread's once its cp.async copies land.
      Value bar = barrierAddress(commit.getBarriers(), mapping.lookup(commit.getSlot()));
      auto viaCpAsync = [&] { NVVM::CpAsyncMBarrierArriveOp::create(b, loc(), bar, true); };
      if (!tmaReady || !tmaOnlyBarriers.count(commit.getBarriers())) {
        viaCpAsync();
        return success();
      }
      auto ifOp = scf::IfOp::create(b, loc(), tmaReady, true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      inFirstThread([&] {
        NVVM::MBarrierArriveOp::create(b, loc(), b.getI64Type(), bar, Value());
      });
      b.setInsertionPointToStart(ifOp.elseBlock());
      viaCpAsync();
      return success();
    }
    if (asyncCopies)
      NVVM::CpAsyncCommitGroupOp::create(b, loc());
    if (tmaReady) {
      // The group's TMA copies said how many bytes to expect; the arrival
      // completes the phase once they have landed.
      auto ifOp = scf::IfOp::create(b, loc(), tmaReady, false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value bar = barrierAddress(commit.getBarriers(), mapping.lookup(commit.getSlot()));
      inFirstThread([&] {
        NVVM::MBarrierArriveOp::create(b, loc(), b.getI64Type(), bar, Value());
      });
    }
    return success();
  }
  if (auto wait = dyn_cast<tile::AsyncWaitOp>(op)) {
    auto waitGroups = [&] {
      if (asyncCopies)
        NVVM::CpAsyncWaitGroupOp::create(b, loc(), wait.getPending());
      // cp.async writes through the generic proxy; a wgmma may read the
      // tiles through the async one: each writer fences before the barrier.
      if (asyncCopies && tma)
        NVVM::FenceProxyOp::create(
            b, loc(), NVVM::ProxyKind::async_shared,
            NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
      barrier();
    };
    if (!tmaReady) {
      waitGroups();
      return success();
    }
    bool tmaOnly = tmaOnlyBarriers.count(wait.getBarriers());
    auto ifOp = scf::IfOp::create(b, loc(), tmaReady, /*withElseRegion=*/tmaOnly);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      waitForPhase(wait.getBarriers(), wait.getSlot(), wait.getPhase());
      if (tmaOnly) {
        // Every thread saw the phase complete: the tiles are visible to it.
        b.setInsertionPointToStart(ifOp.elseBlock());
        waitGroups();
      }
    }
    if (!tmaOnly)
      waitGroups();
    return success();
  }
  if (auto barrierOp = dyn_cast<tile::BarrierOp>(op)) {
    if (barrierOp.getAsyncProxy()) // before the barrier: every writer fences
      NVVM::FenceProxyOp::create(b, loc(), NVVM::ProxyKind::async_shared,
                                 NVVM::SharedSpaceAttr::get(b.getContext(),
                                                            NVVM::SharedSpace::shared_cta));
    if (!barrierOp.getWarpgroup()) {
      barrier();
      return success();
    }
    // Named barrier kFirstWarpgroupBarrier + w of warpgroup w's 128 threads.
    auto i32 = [&](Value v) { return arith::IndexCastOp::create(b, loc(), b.getI32Type(), v); };
    Value id = arith::AddIOp::create(b, loc(), arith::DivUIOp::create(b, loc(), threadId, index(128)),
                                     index(kFirstWarpgroupBarrier));
    NVVM::BarrierOp::create(b, loc(), Type(), i32(id), i32(index(128)),
                            NVVM::BarrierReductionAttr(), Value());
    return success();
  }
  if (auto wait = dyn_cast<tile::BarrierWaitOp>(op)) {
    waitForPhase(wait.getBarriers(), wait.getSlot(), wait.getPhase());
    return success();
  }
  if (auto arrive = dyn_cast<tile::BarrierArriveOp>(op)) {
    Value bar = barrierAddress(arrive.getBarriers(), mapping.lookup(arrive.getSlot()));
    NVVM::MBarrierArriveOp::create(b, loc(), b.getI64Type(), bar, Value());
    return success();
  }
  if (auto fill = dyn_cast<tile::FillOp>(op)) {
    const BufferRef &dst = buffers[fill.getBuffer()];
    Value value = mapping.lookup(fill.getValue());
    if (llvm::any_of(dst.shape, ShapedType::isDynamic))
      return op->emitError("the GPU target fills tiles of constant shape only");
    if (dst.wgmmaGroups) {
      forEachOwned(dst, [&](ArrayRef<Value> ij, Value slot) { storeAt(dst, ij, slot, value); });
      return success();
    }
    if (dst.wgmmaRowGroups) {
      forEachOwnedRow(dst.shape[0], dst.wgmmaRowGroups,
                      [&](Value, Value slot) { storeAt(dst, {}, slot, value); });
      return success();
    }
    cooperative(product(dst.shape), [&](Value flat, Value slot) {
      SmallVector<Value> di = delinearize(flat, dst.shape);
      if (dst.scope == tile::MemoryScope::Global) {
        auto ifOp = scf::IfOp::create(b, loc(), inBounds(dst, di), false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        store(dst, di, value);
      } else {
        storeAt(dst, di, slot, value);
      }
    }, dst.inRegisters());
    return success();
  }
  if (auto gemm = dyn_cast<tile::GemmOp>(op)) {
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
    // The SIMT fallback: each thread owns some elements of C.
    cooperative(m * n, [&](Value flat, Value) {
      SmallVector<Value> ij = delinearize(flat, {m, n});
      Value init = gemm.getClearAccum()
                       ? Value(arith::ConstantOp::create(b, loc(), b.getFloatAttr(accType, 0.0)))
                       : this->load(c, ij);
      auto loop = scf::ForOp::create(b, loc(), index(0), index(k), index(1), ValueRange{init});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value p = loop.getInductionVar();
        Value x = this->load(a, ta ? SmallVector<Value>{p, ij[0]} : SmallVector<Value>{ij[0], p});
        Value y = this->load(bb, tb ? SmallVector<Value>{ij[1], p} : SmallVector<Value>{p, ij[1]});
        // One rounding per step, as the tensor-core paths accumulate.
        Value sum = math::FmaOp::create(b, loc(), cast(x, accType), cast(y, accType),
                                        loop.getRegionIterArgs()[0]);
        scf::YieldOp::create(b, loc(), ValueRange{sum});
      }
      store(c, ij, loop.getResult(0));
    });
    return success();
  }
  if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
    if (buffers[reduce.getSource()].wgmmaGroups)
      return lowerWgmmaReduce(reduce);
    if (buffers[reduce.getSource()].distributed)
      return lowerDistributedReduce(reduce);
    const BufferRef &src = buffers[reduce.getSource()], &dst = buffers[reduce.getTarget()];
    int64_t dim = reduce.getDim();
    SmallVector<int64_t> outShape(src.shape);
    int64_t extent = outShape[dim];
    outShape.erase(outShape.begin() + dim);
    tile::ReduceKind kind = reduce.getKind();
    cooperative(product(outShape), [&](Value flat, Value) {
      SmallVector<Value> outIndex = delinearize(flat, outShape);
      Value init = reductionIdentity(kind, src.elementType);
      auto loop = scf::ForOp::create(b, loc(), index(0), index(extent), index(1), ValueRange{init});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        SmallVector<Value> srcIndex(outIndex);
        srcIndex.insert(srcIndex.begin() + dim, loop.getInductionVar());
        Value x = reductionElement(kind, this->load(src, srcIndex));
        scf::YieldOp::create(
            b, loc(), ValueRange{combineReduction(kind, loop.getRegionIterArgs()[0], x)});
      }
      Value result = loop.getResult(0);
      SmallVector<Value> dstIndex = fromSqueezed(dst, [&] {
        SmallVector<Value> squeezed;
        for (auto [d, i] : llvm::enumerate(outIndex))
          if (outShape[d] != 1)
            squeezed.push_back(i);
        return squeezed;
      }());
      // |x| was applied to the elements already; combine plainly.
      if (!reduce.getClear())
        result = combineReduction(kind, this->load(dst, dstIndex), cast(result, dst.elementType));
      store(dst, dstIndex, cast(result, dst.elementType));
    });
    return success();
  }
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(op)) {
    const BufferRef &dst = buffers[atomic.getTarget()];
    auto add = [&](Value ptr, Value value) {
      LLVM::AtomicRMWOp::create(b, loc(),
                                isa<FloatType>(value.getType()) ? LLVM::AtomicBinOp::fadd
                                                                : LLVM::AtomicBinOp::add,
                                ptr, value, LLVM::AtomicOrdering::monotonic);
    };
    if (!atomic.getIndices().empty()) {
      Value ptr = address(dst, indices(atomic.getIndices()));
      Value value = mapping.lookup(atomic.getValue());
      if (parallelDepth > 0) {
        add(ptr, value);
        return success();
      }
      // Scalar code runs on every thread; the add must happen once.
      inFirstThread([&] { add(ptr, value); });
      return success();
    }
    const BufferRef &src = buffers[atomic.getValue()];
    SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
    cooperative(product(shape), [&](Value flat, Value slot) {
      SmallVector<Value> n = delinearize(flat, shape);
      SmallVector<Value> si = fromSqueezed(src, n), di = fromSqueezed(dst, n);
      Value value = cast(loadAt(src, si, slot), dst.elementType);
      auto ifOp = scf::IfOp::create(b, loc(), inBounds(dst, di), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      add(address(dst, di), value);
    }, src.inRegisters());
    return success();
  }
  if (isa<tile::UseSwizzleOp, tile::AnnotateLayoutOp>(op))
    return success(); // applied to the block indices at kernel entry
  if (auto print = dyn_cast<tile::PrintOp>(op)) {
    Value value = mapping.lookup(print.getValue());
    if (!value)
      return op->emitError("the GPU target prints scalars only");
    std::string format = print.getMessage().str() + (print.getMessage().empty() ? "" : ": ");
    Value arg;
    if (isa<FloatType>(value.getType())) {
      format += "%f\n";
      arg = cast(value, b.getF64Type());
    } else {
      format += "%lld\n";
      arg = cast(value, b.getI64Type());
    }
    auto emit = [&]() { gpu::PrintfOp::create(b, loc(), format, ValueRange{arg}); };
    if (parallelDepth > 0) {
      emit();
      return success();
    }
    inFirstThread(emit);
    return success();
  }
  if (auto assertOp = dyn_cast<tile::AssertOp>(op)) {
    Value failed = arith::XOrIOp::create(b, loc(), mapping.lookup(assertOp.getCondition()),
                                         arith::ConstantOp::create(b, loc(), b.getBoolAttr(true)));
    auto ifOp = scf::IfOp::create(b, loc(), failed, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    LLVM::Trap::create(b, loc());
    return success();
  }
  return op->emitError("the GPU target cannot lower '") << op->getName() << "' yet";
}

Value KernelLowering::combineReduction(tile::ReduceKind kind, Value a, Value x) {
  bool isFloat = isa<FloatType>(a.getType());
  switch (kind) {
  case tile::ReduceKind::Sum:
  case tile::ReduceKind::AbsSum:
    return isFloat ? Value(arith::AddFOp::create(b, loc(), a, x))
                   : Value(arith::AddIOp::create(b, loc(), a, x));
  case tile::ReduceKind::Min:
    return isFloat ? Value(arith::MinimumFOp::create(b, loc(), a, x))
                   : Value(arith::MinSIOp::create(b, loc(), a, x));
  case tile::ReduceKind::Max:
  case tile::ReduceKind::AbsMax:
    break;
  }
  return isFloat ? Value(arith::MaximumFOp::create(b, loc(), a, x))
                 : Value(arith::MaxSIOp::create(b, loc(), a, x));
}

Value KernelLowering::reductionElement(tile::ReduceKind kind, Value x) {
  if (kind != tile::ReduceKind::AbsSum && kind != tile::ReduceKind::AbsMax)
    return x;
  return isa<FloatType>(x.getType()) ? Value(math::AbsFOp::create(b, loc(), x))
                                     : Value(math::AbsIOp::create(b, loc(), x));
}

Value KernelLowering::reductionIdentity(tile::ReduceKind kind, Type type) {
  // Sums and maxima of |x| start at 0, minima at the top, maxima at the bottom.
  bool zero = kind == tile::ReduceKind::Sum || kind == tile::ReduceKind::AbsSum ||
              kind == tile::ReduceKind::AbsMax;
  bool isMin = kind == tile::ReduceKind::Min;
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc(), b.getFloatAttr(type, zero ? 0.0 : isMin ? INFINITY : -INFINITY));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc(), b.getIntegerAttr(type, zero    ? llvm::APInt(width, 0)
                                       : isMin ? llvm::APInt::getSignedMaxValue(width)
                                               : llvm::APInt::getSignedMinValue(width)));
}

LogicalResult KernelLowering::lowerDistributedReduce(tile::ReduceOp reduce) {
  const BufferRef &src = buffers[reduce.getSource()];
  const BufferRef &dst = buffers[reduce.getTarget()];
  int64_t dim = reduce.getDim();
  SmallVector<int64_t> shape(src.shape);
  SmallVector<int64_t> outShape(shape);
  outShape.erase(outShape.begin() + dim);
  int64_t numOut = product(outShape), total = product(shape);
  bool isFloat = isa<FloatType>(src.elementType);
  Type accType = isFloat ? Type(b.getF32Type()) : Type(b.getI32Type());
  tile::ReduceKind kind = reduce.getKind();
  // Partials combine plainly (|.| applies to elements only).
  auto combine = [&](Value a, Value x) { return combineReduction(kind, a, x); };
  auto identity = [&]() { return reductionIdentity(kind, accType); };
  // 1. Each thread folds the elements it holds into one partial per output.
  Value partials;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value n = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), numOut);
    partials = LLVM::AllocaOp::create(
        b, loc(), LLVM::LLVMPointerType::get(b.getContext(), privateSpace), accType, n,
        /*alignment=*/16);
  }
  auto partialAt = [&](Value o) {
    return LLVM::GEPOp::create(b, loc(), partials.getType(), accType, partials,
                               ValueRange{toI64(o)});
  };
  {
    auto init = scf::ForOp::create(b, loc(), index(0), index(numOut), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(init.getBody());
    LLVM::StoreOp::create(b, loc(), identity(), partialAt(init.getInductionVar()));
  }
  cooperative(total, [&](Value flat, Value slot) {
    SmallVector<Value> idx = delinearize(flat, shape);
    Value out = index(0);
    for (auto [d, i] : llvm::enumerate(idx))
      if (static_cast<int64_t>(d) != dim)
        out = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), out, index(shape[d])), i);
    Value x = reductionElement(kind, cast(loadAt(src, {}, slot), accType));
    Value address = partialAt(out);
    Value old = LLVM::LoadOp::create(b, loc(), accType, address);
    LLVM::StoreOp::create(b, loc(), combine(old, x), address);
  }, /*unrolled=*/true);
  // 2. Warp shuffles combine the 32 lanes; lane 0 of each warp writes its
  //    result to shared scratch.
  int64_t warps = numThreadsValue / 32;
  sharedBytes = llvm::alignTo(sharedBytes, 16);
  Value scratchOffset = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), sharedBytes);
  Value scratch = LLVM::GEPOp::create(b, loc(), sharedBase.getType(), b.getI8Type(), sharedBase,
                                      ValueRange{scratchOffset});
  sharedBytes += warps * numOut * 4;
  Value lane = arith::RemUIOp::create(b, loc(), threadId, index(32));
  Value warp = arith::DivUIOp::create(b, loc(), threadId, index(32));
  auto scratchAt = [&](Value w, Value o) {
    Value at = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), w, index(numOut)), o);
    return LLVM::GEPOp::create(b, loc(), scratch.getType(), accType, scratch, ValueRange{toI64(at)});
  };
  {
    auto outputs = scf::ForOp::create(b, loc(), index(0), index(numOut), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(outputs.getBody());
    Value o = outputs.getInductionVar();
    Value v = LLVM::LoadOp::create(b, loc(), accType, partialAt(o));
    Value width = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 32);
    for (int offset = 16; offset >= 1; offset /= 2) {
      Value shift = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), offset);
      auto shuffle = gpu::ShuffleOp::create(b, loc(), v, shift, width, gpu::ShuffleMode::XOR);
      v = combine(v, shuffle.getShuffleResult());
    }
    Value first = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq, lane, index(0));
    auto ifOp = scf::IfOp::create(b, loc(), first, false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    LLVM::StoreOp::create(b, loc(), v, scratchAt(warp, o));
  }
  barrier();
  // 3. One thread per output combines the warps and writes the target.
  cooperative(numOut, [&](Value o, Value) {
    auto warpsLoop = scf::ForOp::create(b, loc(), index(0), index(warps), index(1),
                                        ValueRange{identity()});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(warpsLoop.getBody());
      Value part = LLVM::LoadOp::create(b, loc(), accType,
                                        scratchAt(warpsLoop.getInductionVar(), o));
      scf::YieldOp::create(b, loc(), ValueRange{combine(warpsLoop.getRegionIterArgs()[0], part)});
    }
    Value result = warpsLoop.getResult(0);
    SmallVector<Value> outIndex = delinearize(o, outShape);
    SmallVector<Value> squeezed;
    for (auto [d, i] : llvm::enumerate(outIndex))
      if (outShape[d] != 1)
        squeezed.push_back(i);
    SmallVector<Value> dstIndex = fromSqueezed(dst, squeezed);
    if (!reduce.getClear())
      result = combine(cast(load(dst, dstIndex), accType), result);
    store(dst, dstIndex, cast(result, dst.elementType));
  });
  return success();
}

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
  int64_t slotsPerBlock = src.shape[1] / 2, chunks = src.shape[1] / 8;
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * groups);
  Value lane = arith::RemUIOp::create(b, loc(), threadId, index(32));
  Value warp = arith::RemUIOp::create(
      b, loc(), arith::DivUIOp::create(b, loc(), threadId, index(32)), index(4));
  Value group = arith::DivUIOp::create(b, loc(), threadId, index(128));
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
        Value low = cast(loadAt(src, {}, index(slot)), dst.elementType);
        Value high = cast(loadAt(src, {}, index(slot + 1)), dst.elementType);
        Value pair = vector::FromElementsOp::create(b, loc(), pairType, ValueRange{low, high});
        registers.push_back(LLVM::BitcastOp::create(b, loc(), i32, pair));
      }
      Value column = add(index(8 * chunk), count == 4 ? nextChunk : index(0));
      NVVM::StMatrixOp::create(b, loc(), address(dst, {row, column}), registers,
                               NVVM::MMALayout::row,
                               NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
                               NVVM::LdStMatrixEltType::B16);
    }
  }
}

SmallVector<Value> KernelLowering::ldmatrix(const BufferRef &ref, Value row, Value col, int count,
                                            bool trans) {
  Type i32 = b.getI32Type();
  auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), SmallVector<Type>(count, i32));
  Value regs = NVVM::LdMatrixOp::create(
      b, loc(), type, address(ref, {row, col}), count,
      trans ? NVVM::MMALayout::col : NVVM::MMALayout::row,
      NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8), NVVM::LdStMatrixEltType::B16);
  SmallVector<Value> out;
  for (int i = 0; i < count; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, loc(), regs, ArrayRef<int64_t>{i}));
  return out;
}

SmallVector<Value> KernelLowering::mmaM16N8K16(Type element, SmallVector<Value> regsA,
                                               SmallVector<Value> regsB, ArrayRef<Value> regsC) {
  // fp16 operands are <2 x f16> to NVVM, bf16 ones stay i32 (MLIR 22's
  // nvgpu lowering deduces no PTX type for bf16, hence NVVM directly).
  if (element.isF16())
    for (Value &reg : llvm::concat<Value>(regsA, regsB))
      reg = LLVM::BitcastOp::create(b, loc(), VectorType::get({2}, element), reg);
  Type f32 = b.getF32Type();
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type = element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Value mma = NVVM::MmaOp::create(
      b, loc(), structType, regsA, regsB, regsC, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
      std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
  SmallVector<Value> outs;
  for (int64_t i = 0; i < 4; ++i)
    outs.push_back(LLVM::ExtractValueOp::create(b, loc(), mma, ArrayRef<int64_t>{i}));
  return outs;
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
  if (a.wgmmaGroups && (a.wgmmaGroups != c.wgmmaGroups || ta))
    return gemm.emitError("an mma.sync A operand in registers needs the accumulator's layout");
  if ((!a.wgmmaGroups && a.kept.size() != 2) || bm.kept.size() != 2)
    return gemm.emitError("mma.sync operands must be 2-D views");
  int64_t m = c.shape[0], n = c.shape[1];
  SmallVector<int64_t> shapeA = tile::withoutUnitDims(a.shape);
  int64_t k = ta ? shapeA[0] : shapeA[1];
  int64_t groups = c.wgmmaGroups;
  int64_t blocksPerGroup = m / 64 / groups;
  int64_t slotsPerBlock = n / 2, chunks = n / 8;
  LLVM_DEBUG(llvm::dbgs() << "mma.sync rows gemm " << m << "x" << n << "x" << k << "\n");
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * groups);
  Value lane = arith::RemUIOp::create(b, loc(), threadId, index(32));
  Value warp = arith::RemUIOp::create(
      b, loc(), arith::DivUIOp::create(b, loc(), threadId, index(32)), index(4));
  Value group = arith::DivUIOp::create(b, loc(), threadId, index(128));
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
        if (tb) // stored N x K: 8x8 pieces at (n, k) as they are
          regsB = ldmatrix(bm, add(index(8 * chunk), add(laneRow, count == 4 ? matrixHigh : index(0))),
                           add(index(kk), matrixLow), count, false);
        else // stored K x N: transposed pieces at (k, n)
          regsB = ldmatrix(bm, add(index(kk), lane16),
                           add(index(8 * chunk),
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

LogicalResult KernelLowering::lowerCopy(Operation *op, Value source, Value target) {
  const BufferRef &src = buffers[source];
  const BufferRef &dst = buffers[target];
  SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
  if (src.wgmmaRowGroups || dst.wgmmaRowGroups) {
    // Each quad moves the rows it holds; into memory only its first lane.
    const BufferRef &owner = src.wgmmaRowGroups ? src : dst;
    bool toMemory = !dst.inRegisters();
    forEachOwnedRow(owner.shape[0], owner.wgmmaRowGroups, [&](Value row, Value slot) {
      SmallVector<Value> si = fromSqueezed(src, {row}), di = fromSqueezed(dst, {row});
      Value inside;
      if (src.scope == tile::MemoryScope::Global)
        inside = inBounds(src, si);
      if (dst.scope == tile::MemoryScope::Global)
        inside = inBounds(dst, di);
      if (toMemory) {
        Value first = firstOfQuad();
        inside = inside ? arith::AndIOp::create(b, loc(), inside, first).getResult() : first;
      }
      OpBuilder::InsertionGuard guard(b);
      if (inside) {
        auto ifOp = scf::IfOp::create(b, loc(), inside, false);
        b.setInsertionPointToStart(ifOp.thenBlock());
      }
      Value value = loadAt(src, si, src.wgmmaRowGroups ? slot : Value());
      storeAt(dst, di, dst.wgmmaRowGroups ? slot : Value(), cast(value, dst.elementType));
    });
    return success();
  }
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
        Value first = cast(loadAt(src, si, slot), dst.elementType);
        Value second = cast(loadAt(src, si, index(s + 1)), dst.elementType);
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
        Value first = cast(loadAt(src, si, slot), dst.elementType);
        Value second = cast(loadAt(src, si, index(s + 1)), dst.elementType);
        Value at = address(dst, di);
        int64_t pairBytes = 2 * dst.elementType.getIntOrFloatBitWidth() / 8;
        Value both = arith::AndIOp::create(
            b, loc(), arith::AndIOp::create(b, loc(), inBounds(dst, di), inBounds(dst, next)),
            isAligned(at, pairBytes));
        auto ifOp = scf::IfOp::create(b, loc(), both, /*withElseRegion=*/true);
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
        value = cast(value, dst.elementType);
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
  cooperative(product(shape), [&](Value flat, Value slot) {
    SmallVector<Value> n = delinearize(flat, shape);
    SmallVector<Value> si = fromSqueezed(src, n), di = fromSqueezed(dst, n);
    // 8-bit floats of one type move as their stored bytes.
    bool raw = src.valueType && src.valueType == dst.valueType && !src.inRegisters() &&
               !dst.inRegisters();
    auto write = [&]() {
      Value value;
      if (raw) {
        Value bytes;
        if (src.scope == tile::MemoryScope::Global) {
          auto ifOp = scf::IfOp::create(b, loc(), TypeRange{src.elementType},
                                        inBounds(src, si), true, true);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          scf::YieldOp::create(b, loc(), loadStored(src, si));
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, loc(), Value(arith::ConstantOp::create(
                                             b, loc(), b.getIntegerAttr(src.elementType, 0))));
          bytes = ifOp.getResult(0);
        } else {
          bytes = loadStored(src, si);
        }
        LLVM::StoreOp::create(b, loc(), bytes, address(dst, di));
        return;
      }
      if (src.scope == tile::MemoryScope::Global) {
        // Outside the tensor reads as zero.
        auto ifOp = scf::IfOp::create(b, loc(), TypeRange{src.elementType},
                                      inBounds(src, si), true, true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        scf::YieldOp::create(b, loc(), this->load(src, si));
        b.setInsertionPointToStart(ifOp.elseBlock());
        Value zero = isa<FloatType>(src.elementType)
                         ? Value(arith::ConstantOp::create(
                               b, loc(), b.getFloatAttr(src.elementType, 0.0)))
                         : Value(arith::ConstantOp::create(
                               b, loc(), b.getIntegerAttr(src.elementType, 0)));
        scf::YieldOp::create(b, loc(), zero);
        value = ifOp.getResult(0);
      } else {
        value = loadAt(src, si, slot);
      }
      storeAt(dst, di, slot, cast(value, dst.elementType));
    };
    if (dst.scope == tile::MemoryScope::Global) {
      auto ifOp = scf::IfOp::create(b, loc(), inBounds(dst, di), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      write();
    } else {
      write();
    }
  }, src.inRegisters() || dst.inRegisters());
  return success();
}

void KernelLowering::waitForPhase(Value barriers, Value slot, Value phase) {
  Value bar = barrierAddress(barriers, mapping.lookup(slot));
  Value parity = arith::IndexCastOp::create(b, loc(), b.getI32Type(), mapping.lookup(phase));
  // A suspend-time hint (ns) for each try; the op loops until the phase is done.
  Value ticks = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 10000000);
  NVVM::MBarrierTryWaitParityOp::create(b, loc(), bar, parity, ticks);
}

void KernelLowering::onlyThreadsBelow(int64_t count) {
  if (blockThreads <= count)
    return;
  Value below = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::ult, threadId, index(count));
  auto ifOp = scf::IfOp::create(b, loc(), below, false);
  b.setInsertionPointToStart(ifOp.thenBlock());
}

void KernelLowering::inFirstThread(function_ref<void()> body) {
  Value first = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq, partThreadId, index(0));
  auto ifOp = scf::IfOp::create(b, loc(), first, false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body();
}

Value KernelLowering::barrierAddress(Value barriers, Value slot) {
  const BufferRef &ref = buffers[barriers];
  return LLVM::GEPOp::create(b, loc(), ref.base.getType(), b.getI64Type(), ref.base,
                             ValueRange{toI64(slot)});
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
  SmallVector<unsigned> kept = region.getKeptDims();
  unsigned rank = tensorType.getShape().size();
  if (kept.size() != 2 || kept[1] != rank - 1 || rank > 5)
    return std::nullopt;
  // The shared side: a whole (stage of a) swizzled buffer of the same shape.
  auto stage = tile.getDefiningOp<tile::RegionOp>();
  auto alloc = (stage ? stage.getSource() : tile).getDefiningOp<tile::AllocOp>();
  if (!alloc)
    return std::nullopt;
  auto swizzle = dyn_cast_or_null<tile::SwizzleLayoutAttr>(alloc->getAttr(tile::kLayoutAttrName));
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
    if (!tmaCopies.count(copy))
      mixed.insert(copy.getBarriers());
  });
  launch.walk([&](tile::CopyAsyncOp copy) {
    if (!mixed.count(copy.getBarriers()))
      tmaOnlyBarriers.insert(copy.getBarriers());
  });
  LLVM_DEBUG(llvm::dbgs() << tmaCopies.size() << " copies and " << tmaStores.size()
                          << " stores through " << tensorMaps.size()
                          << " tensor maps\n");
}

LogicalResult KernelLowering::lowerTensorStore(tile::CopyOp copy, unsigned mapIndex) {
  const TensorMap &map = tensorMaps[mapIndex];
  const BufferRef &src = buffers[copy.getSource()], &dst = buffers[copy.getTarget()];
  auto ifOp = scf::IfOp::create(b, loc(), tmaReady, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // The writers fenced their stores for the async proxy at the barrier
  // before this copy (tile-insert-barriers); rows and columns past the
  // tensor's edge are not written.
  int64_t columns = src.shape[1];
  int64_t chunkColumns = map.swizzle / (src.elementType.getIntOrFloatBitWidth() / 8);
  inFirstThread([&] {
    for (int64_t chunk = 0; chunk < columns / chunkColumns; ++chunk) {
      SmallVector<Value> coordinates; // innermost first
      for (int d = static_cast<int>(dst.offsets.size()) - 1; d >= 0; --d) {
        Value at = dst.offsets[d];
        if (d == static_cast<int>(dst.offsets.size()) - 1)
          at = arith::AddIOp::create(b, loc(), at, index(chunk * chunkColumns));
        coordinates.push_back(arith::IndexCastOp::create(b, loc(), b.getI32Type(), at));
      }
      NVVM::CpAsyncBulkTensorSharedCTAToGlobalOp::create(
          b, loc(), map.descriptor, address(src, {index(0), index(chunk * chunkColumns)}),
          coordinates, /*l2CacheHint=*/Value(), NVVM::TMAStoreMode::TILE, /*predicate=*/Value());
    }
    NVVM::CpAsyncBulkCommitGroupOp::create(b, loc());
    // The tile may be written again (or the block end) once it has been
    // read; the global writes complete on their own.
    NVVM::CpAsyncBulkWaitGroupOp::create(b, loc(), 0, /*read=*/b.getUnitAttr());
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
      NVVM::MBarrierExpectTxOp::create(
          b, loc(), bar,
          arith::ConstantIntOp::create(b, loc(), b.getI32Type(), rows * columns * bytes));
      // One box per swizzle-wide column chunk; each lands as rows x span.
      for (int64_t chunk = 0; chunk < columns / chunkColumns; ++chunk) {
        SmallVector<Value> coordinates; // innermost first
        for (int d = static_cast<int>(src.offsets.size()) - 1; d >= 0; --d) {
          Value at = src.offsets[d];
          if (d == static_cast<int>(src.offsets.size()) - 1)
            at = arith::AddIOp::create(b, loc(), at, index(chunk * chunkColumns));
          coordinates.push_back(arith::IndexCastOp::create(b, loc(), b.getI32Type(), at));
        }
        // The CTA's own window of shared::cluster (address space 7).
        Value to = LLVM::AddrSpaceCastOp::create(
            b, loc(), LLVM::LLVMPointerType::get(b.getContext(), 7),
            address(dst, {index(0), index(chunk * chunkColumns)}));
        NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
            b, loc(), to, map.descriptor, coordinates, bar, ValueRange{}, Value(), Value(),
            NVVM::TMALoadMode::TILE, false, NVVM::CTAGroupKindAttr(), Value());
      }
    });
    b.setInsertionPointToStart(ifOp.elseBlock());
    if (failed(viaCpAsync()))
      return failure();
  }
  return success();
}

void KernelLowering::forEachOwned(const BufferRef &ref,
                                  function_ref<void(ArrayRef<Value>, Value)> body) {
  int64_t groups = ref.wgmmaGroups;
  int64_t blocksPerGroup = ref.shape[0] / 64 / groups;
  int64_t slotsPerBlock = ref.shape[1] / 2;
  OpBuilder::InsertionGuard guard(b);
  // Warpgroups past the accumulator's own hold nothing.
  onlyThreadsBelow(128 * groups);
  auto [rowBase, colBase] = wgmmaOrigin(blocksPerGroup);
  for (int64_t block = 0; block < blocksPerGroup; ++block)
    for (int64_t s = 0; s < slotsPerBlock; ++s) {
      int64_t chunk = s / 4, half = (s % 4) / 2, column = s % 2;
      Value i = arith::AddIOp::create(b, loc(), rowBase, index(block * 64 + 8 * half));
      Value j = arith::AddIOp::create(b, loc(), colBase, index(8 * chunk + column));
      body({i, j}, index(block * slotsPerBlock + s));
    }
}

void KernelLowering::forEachOwnedRow(int64_t rows, int64_t groups,
                                     function_ref<void(Value, Value)> body) {
  int64_t blocksPerGroup = rows / 64 / groups;
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * groups);
  Value rowBase = wgmmaOrigin(blocksPerGroup).first;
  for (int64_t block = 0; block < blocksPerGroup; ++block)
    for (int64_t half = 0; half < 2; ++half)
      body(arith::AddIOp::create(b, loc(), rowBase, index(block * 64 + 8 * half)),
           index(2 * block + half));
}

std::pair<Value, Value> KernelLowering::wgmmaOrigin(int64_t blocksPerGroup) {
  Value lane = arith::RemUIOp::create(b, loc(), threadId, index(32));
  Value warp = arith::RemUIOp::create(
      b, loc(), arith::DivUIOp::create(b, loc(), threadId, index(32)), index(4));
  Value group = arith::DivUIOp::create(b, loc(), threadId, index(128));
  // Row 16 w + l / 4 of the warpgroup's first row block; columns 2 (l mod 4).
  Value rowBase = arith::AddIOp::create(
      b, loc(),
      arith::AddIOp::create(b, loc(),
                            arith::MulIOp::create(b, loc(), group, index(blocksPerGroup * 64)),
                            arith::MulIOp::create(b, loc(), warp, index(16))),
      arith::DivUIOp::create(b, loc(), lane, index(4)));
  Value colBase =
      arith::MulIOp::create(b, loc(), arith::RemUIOp::create(b, loc(), lane, index(4)), index(2));
  return {rowBase, colBase};
}

LogicalResult KernelLowering::lowerWgmmaReduce(tile::ReduceOp reduce) {
  const BufferRef &src = buffers[reduce.getSource()], &dst = buffers[reduce.getTarget()];
  int64_t groups = src.wgmmaGroups;
  int64_t blocksPerGroup = src.shape[0] / 64 / groups;
  int64_t slotsPerBlock = src.shape[1] / 2;
  bool isFloat = isa<FloatType>(src.elementType);
  Type accType = isFloat ? Type(b.getF32Type()) : Type(b.getI32Type());
  tile::ReduceKind kind = reduce.getKind();
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * groups);
  Value rowBase = wgmmaOrigin(blocksPerGroup).first;
  // One partial per row this thread holds, indexed like #tile.wgmma_rows.
  SmallVector<Value> partials(2 * blocksPerGroup, reductionIdentity(kind, accType));
  for (int64_t slot = 0; slot < blocksPerGroup * slotsPerBlock; ++slot) {
    Value x = cast(loadAt(src, {}, index(slot)), accType);
    Value &partial = partials[rowSlotOf(slot, slotsPerBlock)];
    partial = combineReduction(kind, partial, reductionElement(kind, x));
  }
  // The four lanes of a quad hold the rest of the row.
  Value width = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 32);
  for (Value &partial : partials)
    for (int offset : {1, 2}) {
      Value shift = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), offset);
      auto shuffle = gpu::ShuffleOp::create(b, loc(), partial, shift, width, gpu::ShuffleMode::XOR);
      partial = combineReduction(kind, partial, shuffle.getShuffleResult());
    }
  if (dst.wgmmaRowGroups) {
    // Every lane of the quad has the row's total: each keeps it.
    for (auto [r, partial] : llvm::enumerate(partials)) {
      Value result = partial;
      if (!reduce.getClear())
        result = combineReduction(kind, cast(loadAt(dst, {}, index(r)), accType), result);
      storeAt(dst, {}, index(r), cast(result, dst.elementType));
    }
    return success();
  }
  auto ifOp = scf::IfOp::create(b, loc(), firstOfQuad(), false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  for (auto [r, partial] : llvm::enumerate(partials)) {
    int64_t block = r / 2, half = r % 2;
    Value row = arith::AddIOp::create(b, loc(), rowBase, index(block * 64 + 8 * half));
    SmallVector<Value> dstIndex = fromSqueezed(dst, {row});
    Value result = partial;
    if (!reduce.getClear())
      result = combineReduction(kind, cast(load(dst, dstIndex), accType), result);
    store(dst, dstIndex, cast(result, dst.elementType));
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

SmallVector<Value> KernelLowering::packWgmmaA(const BufferRef &a, int64_t firstSlot) {
  // The k16 slice's eight A elements of this thread sit in slots
  // firstSlot + 0..7 of the accumulator-layout fragment, in the order of
  // wgmma's A registers: (row r, columns c, c + 1), (r + 8, ...), then the
  // same 8 columns on; two elements a 32-bit register.
  Type i32 = b.getI32Type();
  auto pairType = VectorType::get({2}, a.elementType);
  SmallVector<Value> registers;
  for (int64_t pair = 0; pair < 4; ++pair) {
    Value low = loadAt(a, {}, index(firstSlot + 2 * pair));
    Value high = loadAt(a, {}, index(firstSlot + 2 * pair + 1));
    Value packed = vector::FromElementsOp::create(b, loc(), pairType, ValueRange{low, high});
    registers.push_back(LLVM::BitcastOp::create(b, loc(), i32, packed));
  }
  return registers;
}

Value KernelLowering::wgmmaFromRegisters(ArrayRef<Value> registersA, Value descB, Value acc,
                                         int64_t n, NVVM::WGMMATypes type, bool transposeB) {
  SmallVector<Value> operands(registersA);
  operands.push_back(descB);
  int64_t outputs = n / 2;
  for (int64_t s = 0; s < outputs; ++s)
    operands.push_back(LLVM::ExtractValueOp::create(b, loc(), acc, ArrayRef<int64_t>{s}));
  std::string text, constraints;
  llvm::raw_string_ostream asmText(text), constraintText(constraints);
  asmText << "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\nwgmma.mma_async.sync.aligned.m64n" << n
          << "k16.f32." << (type == NVVM::WGMMATypes::bf16 ? "bf16.bf16" : "f16.f16") << " {";
  for (int64_t s = 0; s < outputs; ++s) {
    asmText << (s ? ", " : "") << "$" << s;
    constraintText << "=f,";
  }
  asmText << "}, {$" << outputs << ", $" << outputs + 1 << ", $" << outputs + 2 << ", $"
          << outputs + 3 << "}, $" << outputs + 4 << ", p, 1, 1, " << (transposeB ? 0 : 1)
          << ";\n}\n";
  constraintText << "r,r,r,r,l";
  for (int64_t s = 0; s < outputs; ++s)
    constraintText << "," << s; // each accumulator register is read and written
  return LLVM::InlineAsmOp::create(b, loc(), acc.getType(), operands, text, constraints,
                                   /*has_side_effects=*/true, /*is_align_stack=*/false,
                                   LLVM::tailcallkind::TailCallKind::None,
                                   LLVM::AsmDialectAttr(), ArrayAttr())
      .getResult(0);
}

LogicalResult KernelLowering::lowerGemmWgmma(tile::GemmOp gemm) {
  const BufferRef &a = buffers[gemm.getA()], &bm = buffers[gemm.getB()],
                  &c = buffers[gemm.getC()];
  if ((!a.swizzle && !a.wgmmaGroups) || !bm.swizzle)
    return gemm.emitError("the wgmma accumulator needs A in registers or swizzled shared "
                          "memory and B in swizzled shared memory");
  if (a.wgmmaGroups && (a.wgmmaGroups != c.wgmmaGroups || gemm.getTransposeA()))
    return gemm.emitError("a wgmma A operand in registers needs the accumulator's layout");
  bool ta = gemm.getTransposeA(), tb = gemm.getTransposeB();
  int64_t m = c.shape[0], n = c.shape[1];
  SmallVector<int64_t> shapeA = tile::withoutUnitDims(a.shape);
  int64_t k = ta ? shapeA[0] : shapeA[1];
  if (a.kept.size() != 2 || bm.kept.size() != 2)
    return gemm.emitError("wgmma operands must be 2-D views");
  MLIRContext *ctx = b.getContext();
  Type operand = a.valueType ? a.valueType : a.elementType;
  NVVM::WGMMATypes operandType = operand.isBF16()                   ? NVVM::WGMMATypes::bf16
                                 : isa<Float8E4M3FNType>(operand)   ? NVVM::WGMMATypes::e4m3
                                 : isa<Float8E5M2Type>(operand)     ? NVVM::WGMMATypes::e5m2
                                                                    : NVVM::WGMMATypes::f16;
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
  // fence them after landing: the readers fence.
  auto staged = [](Value operand) {
    auto region = operand.getDefiningOp<tile::RegionOp>();
    Operation *alloc = region ? region.getSource().getDefiningOp() : nullptr;
    return alloc && alloc->hasAttr(tile::kStagedAttrName);
  };
  if (partBarrierId == 1 && (staged(gemm.getA()) || staged(gemm.getB())))
    NVVM::FenceProxyOp::create(b, loc(), NVVM::ProxyKind::async_shared,
                               NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
  {
    OpBuilder::InsertionGuard guard(b);
    onlyThreadsBelow(128 * groups);
    Value group = arith::DivUIOp::create(b, loc(), threadId, index(128));
    Type f32 = b.getF32Type();
    auto structType = LLVM::LLVMStructType::getLiteral(
        ctx, SmallVector<Type>(slotsPerBlock, f32));
    auto shape = NVVM::MMAShapeAttr::get(ctx, 64, n, kStep);
    auto typeOf = [&](NVVM::WGMMATypes t) { return NVVM::WGMMATypesAttr::get(ctx, t); };
    auto one = NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one);
    // A from registers: packed before the fence, which orders every
    // register write before it with the wgmmas after it.
    SmallVector<SmallVector<Value>> registersA;
    if (a.wgmmaGroups)
      for (int64_t block = 0; block < blocksPerGroup; ++block)
        for (int64_t kk = 0; kk < k; kk += kStep)
          registersA.push_back(packWgmmaA(a, block * (k / 2) + kk / 2));
    NVVM::WgmmaFenceAlignedOp::create(b, loc());
    SmallVector<Value> results;
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
      for (int64_t kk = 0; kk < k; kk += kStep) {
        Value descB = tb ? wgmmaDescriptor(bm, index(0), index(kk), /*kMajor=*/true)
                         : wgmmaDescriptor(bm, index(kk), index(0), /*kMajor=*/false);
        if (a.wgmmaGroups) {
          acc = wgmmaFromRegisters(registersA[block * (k / kStep) + kk / kStep], descB, acc, n,
                                   operandType, tb);
          continue;
        }
        Value descA = ta ? wgmmaDescriptor(a, index(kk), rowStart, /*kMajor=*/false)
                         : wgmmaDescriptor(a, rowStart, index(kk), /*kMajor=*/true);
        acc = NVVM::WgmmaMmaAsyncOp::create(
            b, loc(), structType, acc, descA, descB, shape, typeOf(operandType),
            typeOf(operandType), typeOf(NVVM::WGMMATypes::f32),
            NVVM::WGMMAScaleOutAttr::get(ctx, NVVM::WGMMAScaleOut::one), one, one,
            NVVM::MMALayoutAttr::get(ctx, ta ? NVVM::MMALayout::col : NVVM::MMALayout::row),
            NVVM::MMALayoutAttr::get(ctx, tb ? NVVM::MMALayout::col : NVVM::MMALayout::row),
            NVVM::MMAIntOverflowAttr());
      }
      results.push_back(acc);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc());
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc(), 0);
    for (auto [block, acc] : llvm::enumerate(results))
      for (int64_t s = 0; s < slotsPerBlock; ++s)
        storeAt(c, {}, index(block * slotsPerBlock + s),
                LLVM::ExtractValueOp::create(b, loc(), acc, ArrayRef<int64_t>{s}));
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
  auto vectorType = VectorType::get({vec}, src.elementType);
  cooperative(product(vectors), [&](Value flat, Value) {
    SmallVector<Value> n = delinearize(flat, vectors);
    n.back() = arith::MulIOp::create(b, loc(), n.back(), index(vec));
    SmallVector<Value> si = fromSqueezed(src, n), di = fromSqueezed(dst, n);
    SmallVector<Value> lastSi(si);
    lastSi.back() = arith::AddIOp::create(b, loc(), lastSi.back(), index(vec - 1));
    // Whole vector inside the tensor and 16-byte aligned in memory.
    Value from = address(src, si);
    Value fast = arith::AndIOp::create(
        b, loc(), arith::AndIOp::create(b, loc(), inBounds(src, si), inBounds(src, lastSi)),
        isAligned(from, 16));
    auto ifOp = scf::IfOp::create(b, loc(), fast, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    if (async) {
      NVVM::CpAsyncOp::create(b, loc(), address(dst, di), from, b.getI32IntegerAttr(16),
                              NVVM::LoadCacheModifierKindAttr::get(
                                  b.getContext(), NVVM::LoadCacheModifierKind::CG),
                              Value());
    } else {
      Value v = LLVM::LoadOp::create(b, loc(), vectorType, from, /*alignment=*/16);
      LLVM::StoreOp::create(b, loc(), v, address(dst, di), /*alignment=*/16);
    }
    // At the tensor's edges (or misaligned rows) element by element, zero outside.
    b.setInsertionPointToStart(ifOp.elseBlock());
    Value zero = isa<FloatType>(src.elementType)
                     ? Value(arith::ConstantOp::create(b, loc(), b.getFloatAttr(src.elementType, 0.0)))
                     : Value(arith::ConstantOp::create(b, loc(), b.getIntegerAttr(src.elementType, 0)));
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
      KernelLowering lowering(kernel, gpuModule, privateAddressSpace, mmaSync, asyncCopies,
                              tma, stmatrix, setmaxnreg);
      if (failed(lowering.run()))
        return signalPassFailure();
      if (maxSharedBytes > 0 && lowering.sharedBytes > maxSharedBytes) {
        tile::LaunchOp launch;
        kernel.walk([&](tile::LaunchOp op) { launch = op; });
        launch.emitError("kernel '")
            << kernel.getName() << "' needs " << lowering.sharedBytes
            << " bytes of shared memory; the target offers at most "
            << static_cast<int64_t>(maxSharedBytes)
            << " a block (take smaller tiles or fewer pipeline stages)";
        return signalPassFailure();
      }
      LLVM_DEBUG(llvm::dbgs() << kernel.getName() << ": " << lowering.sharedBytes
                              << " bytes of shared memory\n");
    }
  }
};
} // namespace
