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

/// Whether `use` reads or writes the fragment `buffer` element by element in
/// the order of the threads.
static bool isThreadLocalUse(OpOperand &use, Value buffer) {
  Operation *user = use.getOwner();
  auto identityInParallel = [&](ValueRange indices) {
    auto parallel = user->getParentOfType<tile::ParallelOp>();
    if (!parallel)
      return false;
    auto type = cast<tile::BufferType>(buffer.getType());
    if (parallel.getExtents() != type.getShape())
      return false;
    Block &body = parallel.getBody().front();
    if (indices.size() != body.getNumArguments())
      return false;
    for (auto [index, arg] : llvm::zip(indices, body.getArguments()))
      if (index != arg)
        return false;
    return true;
  };
  if (auto load = dyn_cast<tile::LoadOp>(user))
    return identityInParallel(load.getIndices());
  if (auto store = dyn_cast<tile::StoreOp>(user))
    return store.getBuffer() == buffer && identityInParallel(store.getIndices());
  if (isa<tile::FillOp, tile::CopyOp>(user))
    return true;
  if (auto reduce = dyn_cast<tile::ReduceOp>(user)) {
    // Partials are combined across threads in f32 or i32.
    Type element = cast<tile::BufferType>(buffer.getType()).getElementType();
    bool combinable = (isa<FloatType>(element) && element.getIntOrFloatBitWidth() <= 32) ||
                      (element.isInteger() && element.getIntOrFloatBitWidth() <= 32 &&
                       !element.isInteger(1));
    // Each thread keeps one partial per output; with many outputs those
    // spill to local memory and shared memory does better.
    auto shape = cast<tile::BufferType>(buffer.getType()).getShape();
    int64_t outputs = 1;
    for (auto [d, extent] : llvm::enumerate(shape))
      if (static_cast<int64_t>(d) != reduce.getDim())
        outputs *= extent;
    return combinable && outputs <= kMaxReduceOutputs && reduce.getSource() == buffer &&
           reduce.getTarget() != buffer;
  }
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(user))
    return atomic.getValue() == buffer;
  return false;
}

namespace {
struct TileInferLayoutsPass
    : public tilec::impl::TileInferLayoutsBase<TileInferLayoutsPass> {
  void runOnOperation() override {
    getOperation().walk([&](tile::AllocOp alloc) {
      auto type = alloc.getType();
      auto launch = alloc->getParentOfType<tile::LaunchOp>();
      if (type.getScope() != tile::MemoryScope::Fragment || !launch ||
          launch.getThreads() % 32 != 0 || type.getShape().empty())
        return;
      Value buffer = alloc.getResult();
      for (OpOperand &use : buffer.getUses())
        if (!isThreadLocalUse(use, buffer)) {
          LLVM_DEBUG(llvm::dbgs() << "shared: " << alloc << " (used by "
                                  << use.getOwner()->getName() << ")\n");
          return;
        }
      alloc->setAttr("tile.layout", tile::CyclicLayoutAttr::get(&getContext(),
                                                           launch.getThreads()));
    });
  }
};
} // namespace
