//===- TargetInfo.cpp - the hooks a target may lack -----------------------===//
//
// The base class's hooks: a located error that the target lacks the
// instruction, and a placeholder of the type the caller continues with
// (the pass fails once the kernel is lowered).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/TargetInfo.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace tilec::lowering;

void TargetInfo::unsupported(Location loc, StringRef what) const {
  if (unsupportedReported)
    return;
  unsupportedReported = true;
  emitError(loc) << "the " << name() << " target has no " << what;
}

bool TargetInfo::isBarrier(Operation *op) const { return isa<gpu::BarrierOp>(op); }

void TargetInfo::namedBarrierSync(OpBuilder &, Location loc, Value, Value) const {
  unsupported(loc, "named barriers");
}
void TargetInfo::namedBarrierArrive(OpBuilder &, Location loc, Value, Value) const {
  unsupported(loc, "named barriers");
}
void TargetInfo::fenceSharedForAsyncProxy(OpBuilder &, Location loc) const {
  unsupported(loc, "asynchronous proxy");
}
void TargetInfo::fenceGlobalFromAsyncProxy(OpBuilder &, Location loc) const {
  unsupported(loc, "asynchronous proxy");
}
void TargetInfo::mbarrierInit(OpBuilder &, Location loc, Value, Value) const {
  unsupported(loc, "transaction barriers (mbarriers)");
}
void TargetInfo::mbarrierInitFence(OpBuilder &, Location loc) const {
  unsupported(loc, "transaction barriers (mbarriers)");
}
void TargetInfo::mbarrierArrive(OpBuilder &, Location loc, Value) const {
  unsupported(loc, "transaction barriers (mbarriers)");
}
void TargetInfo::mbarrierExpectBytes(OpBuilder &, Location loc, Value, Value) const {
  unsupported(loc, "transaction barriers (mbarriers)");
}
void TargetInfo::mbarrierWaitParity(OpBuilder &, Location loc, Value, Value, Value) const {
  unsupported(loc, "transaction barriers (mbarriers)");
}
void TargetInfo::asyncCopy(OpBuilder &, Location loc, Value, Value, int64_t) const {
  unsupported(loc, "asynchronous copies into shared memory");
}
void TargetInfo::asyncCopyCommitGroup(OpBuilder &, Location loc) const {
  unsupported(loc, "asynchronous copies into shared memory");
}
void TargetInfo::asyncCopyWaitGroup(OpBuilder &, Location loc, int64_t) const {
  unsupported(loc, "asynchronous copies into shared memory");
}
void TargetInfo::asyncCopyArriveOnBarrier(OpBuilder &, Location loc, Value) const {
  unsupported(loc, "asynchronous copies into shared memory");
}
void TargetInfo::tensorLoad(OpBuilder &, Location loc, Value, Value, ValueRange, Value) const {
  unsupported(loc, "tensor-memory copies (TMA)");
}
void TargetInfo::tensorStore(OpBuilder &, Location loc, Value, Value, ValueRange) const {
  unsupported(loc, "tensor-memory copies (TMA)");
}
void TargetInfo::tensorStoreCommitGroup(OpBuilder &, Location loc) const {
  unsupported(loc, "tensor-memory copies (TMA)");
}
void TargetInfo::tensorStoreWaitAll(OpBuilder &, Location loc, bool) const {
  unsupported(loc, "tensor-memory copies (TMA)");
}

SmallVector<Value> TargetInfo::loadMatrices(OpBuilder &b, Location loc, Value, int count,
                                            bool) const {
  unsupported(loc, "matrix loads (ldmatrix)");
  return SmallVector<Value>(count, LLVM::PoisonOp::create(b, loc, b.getI32Type()));
}
void TargetInfo::storeMatrices(OpBuilder &, Location loc, Value, ValueRange) const {
  unsupported(loc, "matrix stores (stmatrix)");
}
SmallVector<Value> TargetInfo::mmaM16N8K16(OpBuilder &b, Location loc, Type,
                                           SmallVector<Value>, SmallVector<Value>,
                                           ValueRange) const {
  unsupported(loc, "warp-level MMA (mma.sync)");
  return SmallVector<Value>(4, LLVM::PoisonOp::create(b, loc, b.getF32Type()));
}
void TargetInfo::warpgroupMmaFence(OpBuilder &, Location loc) const {
  unsupported(loc, "warpgroup MMA (wgmma)");
}
Value TargetInfo::warpgroupMma(OpBuilder &, Location loc, Value accumulator, Value, Value,
                               int64_t, int64_t, Type, bool, bool) const {
  unsupported(loc, "warpgroup MMA (wgmma)");
  return accumulator;
}
Value TargetInfo::warpgroupMmaRegisterA(OpBuilder &, Location loc, Value accumulator,
                                        ArrayRef<Value>, Value, int64_t, Type, bool) const {
  unsupported(loc, "warpgroup MMA (wgmma)");
  return accumulator;
}
void TargetInfo::warpgroupMmaCommitGroup(OpBuilder &, Location loc) const {
  unsupported(loc, "warpgroup MMA (wgmma)");
}
void TargetInfo::warpgroupMmaWaitGroup(OpBuilder &, Location loc, int64_t) const {
  unsupported(loc, "warpgroup MMA (wgmma)");
}
SmallVector<Value> TargetInfo::warpgroupMmaWaitGroup(OpBuilder &, Location loc, int64_t,
                                                     ValueRange accumulators) const {
  unsupported(loc, "warpgroup MMA (wgmma)");
  return SmallVector<Value>(accumulators);
}
void TargetInfo::bulkReduceAddF32(OpBuilder &, Location loc, Value, Value, int64_t) const {
  unsupported(loc, "bulk reductions (TMA)");
}
void TargetInfo::atomicAddFloatPair(OpBuilder &, Location loc, Value, Value, Value) const {
  unsupported(loc, "vector atomic adds");
}
void TargetInfo::setKernelRegisters(Operation *kernel, int32_t) const {
  unsupported(kernel->getLoc(), "register reallocation (setmaxnreg)");
}
void TargetInfo::setWarpgroupRegisters(OpBuilder &, Location loc, int32_t, bool) const {
  unsupported(loc, "register reallocation (setmaxnreg)");
}

std::unique_ptr<TargetInfo> tilec::lowering::createTargetInfo(StringRef name) {
  if (name == "nvvm")
    return createNVVMTargetInfo();
  if (name == "rocdl")
    return createROCDLTargetInfo();
  return nullptr;
}
