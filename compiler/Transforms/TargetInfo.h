//===- TargetInfo.h - what tile-lower-to-gpu asks of a GPU target -*- C++ -*-===//
//
// The instructions that differ between GPU vendors, behind one interface:
// the lowering of tile ops (LowerToGPU/LowerCopy/LowerGemm/LowerReduce.cpp)
// builds vendor-neutral code (arith, scf, gpu, llvm) and asks a TargetInfo
// for everything else: named barriers, memory-proxy fences, mbarriers,
// asynchronous and tensor-memory copies, matrix loads and stores, the
// tensor-core instructions and register reallocation.
//
// A target implements the hooks its chips have. The base class's hooks
// report, at the op being lowered, that the target lacks the instruction
// (a located error, once) and build a placeholder, so a program or a pass
// option that asks an AMD target for wgmma fails cleanly.
// NVVMTargetInfo.cpp implements them for NVIDIA (the NVVM dialect);
// ROCDLTargetInfo.cpp is AMD's, which today uses none of them.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TRANSFORMS_TARGETINFO_H
#define TILEC_COMPILER_TRANSFORMS_TARGETINFO_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace tilec::lowering {
using namespace mlir;

/// The optional instruction families of a target, one per option of
/// tile-lower-to-gpu that asks for them.
enum class TargetFeature {
  AsyncCopies,      ///< cp.async 16-byte copies into shared memory, in groups
  TensorMemory,     ///< TMA: tensor-map copies completing on mbarriers
  MatrixStores,     ///< stmatrix of 8x8 pieces of an accumulator
  MmaSync,          ///< warp-level m16n8k16 MMA with ldmatrix operands
  RegisterTransfer, ///< setmaxnreg between warpgroups of a block
  VectorAtomics,    ///< two float32 added to global memory by one reduction
};

class TargetInfo {
public:
  virtual ~TargetInfo() = default;

  /// The target's name in diagnostics and pass options ("nvvm", "rocdl").
  virtual StringRef name() const = 0;
  virtual bool supports(TargetFeature feature) const = 0;
  /// The address space of per-thread arrays.
  virtual unsigned privateAddressSpace() const = 0;
  /// The threads that run in lockstep and shuffle registers among
  /// themselves: a warp of 32 on NVIDIA, a wavefront of 64 on CDNA.
  virtual int64_t subgroupSize() const { return 32; }

  /// Whether a hook was called that the target lacks (its error reported).
  bool reportedUnsupported() const { return unsupportedReported; }

  //===--------------------------------------------------------------------===//
  // Synchronisation of threads of a block
  //===--------------------------------------------------------------------===//

  /// Whether `op` is a barrier of the block or of a part of it (so that a
  /// second one right after it can be left out).
  virtual bool isBarrier(Operation *op) const;
  /// Waits at barrier `id` (i32) until `threads` (i32) threads arrived.
  virtual void namedBarrierSync(OpBuilder &b, Location loc, Value id, Value threads) const;
  /// Arrives at barrier `id` without waiting.
  virtual void namedBarrierArrive(OpBuilder &b, Location loc, Value id, Value threads) const;

  //===--------------------------------------------------------------------===//
  // Memory ordering between the generic and the asynchronous proxy
  //===--------------------------------------------------------------------===//

  /// Orders this thread's generic writes of shared memory before later
  /// reads of the asynchronous proxy (tensor cores, TMA stores).
  virtual void fenceSharedForAsyncProxy(OpBuilder &b, Location loc) const;
  /// Orders completed asynchronous writes of global memory before this
  /// thread's generic reads.
  virtual void fenceGlobalFromAsyncProxy(OpBuilder &b, Location loc) const;

  //===--------------------------------------------------------------------===//
  // Transaction barriers in shared memory (mbarriers)
  //===--------------------------------------------------------------------===//

  virtual void mbarrierInit(OpBuilder &b, Location loc, Value barrier, Value count) const;
  /// Makes this thread's earlier mbarrierInit()s visible to every later use,
  /// the asynchronous proxy's (TMA completions) included; the block barrier
  /// after it then publishes them to the other threads.
  virtual void mbarrierInitFence(OpBuilder &b, Location loc) const;
  virtual void mbarrierArrive(OpBuilder &b, Location loc, Value barrier) const;
  /// Adds `bytes` (i32) to the transactions the current phase waits for.
  virtual void mbarrierExpectBytes(OpBuilder &b, Location loc, Value barrier,
                                   Value bytes) const;
  /// Waits until the phase of parity `parity` (i32) completed, suspending
  /// up to `suspendNanoseconds` (i32) a try.
  virtual void mbarrierWaitParity(OpBuilder &b, Location loc, Value barrier, Value parity,
                                  Value suspendNanoseconds) const;

  //===--------------------------------------------------------------------===//
  // Asynchronous copies global -> shared (TargetFeature::AsyncCopies)
  //===--------------------------------------------------------------------===//

  /// Copies `bytes` (4, 8 or 16; both addresses aligned to it) from
  /// `source` (global) to `target` (shared); 16-byte copies bypass L1.
  virtual void asyncCopy(OpBuilder &b, Location loc, Value target, Value source,
                         int64_t bytes) const;
  virtual void asyncCopyCommitGroup(OpBuilder &b, Location loc) const;
  /// Waits until at most `pending` committed groups are in flight.
  virtual void asyncCopyWaitGroup(OpBuilder &b, Location loc, int64_t pending) const;
  /// Arrives at `barrier` once this thread's copies issued so far landed.
  virtual void asyncCopyArriveOnBarrier(OpBuilder &b, Location loc, Value barrier) const;

  //===--------------------------------------------------------------------===//
  // Tensor-memory copies (TargetFeature::TensorMemory)
  //===--------------------------------------------------------------------===//

  /// Loads the box at `coordinates` (i32, innermost first) of the tensor
  /// map `descriptor` into shared `target`; completes on `barrier`.
  virtual void tensorLoad(OpBuilder &b, Location loc, Value target, Value descriptor,
                          ValueRange coordinates, Value barrier) const;
  /// Stores shared `source` into the box at `coordinates` of `descriptor`.
  virtual void tensorStore(OpBuilder &b, Location loc, Value descriptor, Value source,
                           ValueRange coordinates) const;
  /// Adds `bytes` (a multiple of 16) of float32 at shared `source` to
  /// those at global `target` (both 16-byte aligned) through the copy
  /// engine, in the group of bulk stores that tensorStoreCommitGroup and
  /// tensorStoreWaitAll commit and wait for.
  virtual void bulkReduceAddF32(OpBuilder &b, Location loc, Value target, Value source,
                                int64_t bytes) const;
  virtual void tensorStoreCommitGroup(OpBuilder &b, Location loc) const;
  /// Waits for all committed stores: until their shared sources were read
  /// (`sourcesRead`) or until the global writes completed.
  virtual void tensorStoreWaitAll(OpBuilder &b, Location loc, bool sourcesRead) const;

  //===--------------------------------------------------------------------===//
  // Matrix loads and stores of 8x8 16-bit pieces, one 32-bit register each
  //===--------------------------------------------------------------------===//

  /// `count` (2 or 4) matrices by ldmatrix (`transpose`: each transposed).
  virtual SmallVector<Value> loadMatrices(OpBuilder &b, Location loc, Value address, int count,
                                          bool transpose) const;
  virtual void storeMatrices(OpBuilder &b, Location loc, Value address,
                             ValueRange registers) const;

  //===--------------------------------------------------------------------===//
  // Tensor cores
  //===--------------------------------------------------------------------===//

  /// One warp-level m16n8k16 MMA, f32 accumulators: A and B as 32-bit
  /// registers of two `element`s (f16 or bf16), C's four values; returns D's.
  virtual SmallVector<Value> mmaM16N8K16(OpBuilder &b, Location loc, Type element,
                                         SmallVector<Value> registersA,
                                         SmallVector<Value> registersB,
                                         ValueRange registersC) const;
  /// `value`, copied where it is used by an op that later passes keep in
  /// place: a value computed from it stays in the loop that uses it (one
  /// register live into the loop instead of each derived value).
  virtual Value keepInPlace(OpBuilder &b, Location loc, Value value) const { return value; }
  /// Orders register writes before the warpgroup MMAs that follow.
  virtual void warpgroupMmaFence(OpBuilder &b, Location loc) const;
  /// One m64nNk(kStep) warpgroup MMA, A and B by shared-memory descriptors,
  /// onto the accumulator struct `accumulator` (N/2 f32 a thread).
  virtual Value warpgroupMma(OpBuilder &b, Location loc, Value accumulator, Value descriptorA,
                             Value descriptorB, int64_t n, int64_t kStep, Type operandType,
                             bool transposeA, bool transposeB) const;
  /// The same with A from four 32-bit registers (16-bit operands, k16).
  virtual Value warpgroupMmaRegisterA(OpBuilder &b, Location loc, Value accumulator,
                                      ArrayRef<Value> registersA, Value descriptorB, int64_t n,
                                      Type operandType, bool transposeB) const;
  virtual void warpgroupMmaCommitGroup(OpBuilder &b, Location loc) const;
  virtual void warpgroupMmaWaitGroup(OpBuilder &b, Location loc, int64_t pending) const;
  /// The same wait, with the accumulator values of the groups it completes
  /// passed through it: their uses, which take the returned values, cannot
  /// be scheduled before the wait.
  virtual SmallVector<Value> warpgroupMmaWaitGroup(OpBuilder &b, Location loc, int64_t pending,
                                                   ValueRange accumulators) const;

  //===--------------------------------------------------------------------===//
  // Atomics (TargetFeature::VectorAtomics)
  //===--------------------------------------------------------------------===//

  /// Adds `low` and `high` to the two float32 at `pointer` (global memory,
  /// 8-byte aligned) in one relaxed reduction.
  virtual void atomicAddFloatPair(OpBuilder &b, Location loc, Value pointer, Value low,
                                  Value high) const;

  //===--------------------------------------------------------------------===//
  // Registers (TargetFeature::RegisterTransfer)
  //===--------------------------------------------------------------------===//

  /// Fixes the registers a thread of `kernel` (a gpu.func) has at launch.
  virtual void setKernelRegisters(Operation *kernel, int32_t registers) const;
  /// Raises or lowers this warpgroup's registers a thread to `registers`.
  virtual void setWarpgroupRegisters(OpBuilder &b, Location loc, int32_t registers,
                                     bool increase) const;

protected:
  /// Reports at `loc`, once, that the target lacks `what`.
  void unsupported(Location loc, StringRef what) const;

private:
  mutable bool unsupportedReported = false;
};

/// NVIDIA GPUs through the NVVM dialect (every feature; which ones a kernel
/// uses is the pass's options' choice, by chip).
std::unique_ptr<TargetInfo> createNVVMTargetInfo();
/// AMD GPUs through the ROCDL dialect.
std::unique_ptr<TargetInfo> createROCDLTargetInfo();
/// The target named `name` ("nvvm" or "rocdl"), or null.
std::unique_ptr<TargetInfo> createTargetInfo(StringRef name);

} // namespace tilec::lowering

#endif // TILEC_COMPILER_TRANSFORMS_TARGETINFO_H
