//===- ROCDLTargetInfo.cpp - AMD GPUs for tile-lower-to-gpu ---------------===//
//
// AMD's hooks. The lowering's vendor-neutral code (gpu.barrier, gpu.shuffle
// of 32 lanes, plain loads and stores) serves CDNA and RDNA chips; the
// NVIDIA instruction families have no counterpart here yet, so the base
// class reports any use of them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/TargetInfo.h"

using namespace mlir;
using namespace tilec::lowering;

namespace {
class ROCDLTargetInfo final : public TargetInfo {
public:
  StringRef name() const override { return "rocdl"; }
  bool supports(TargetFeature) const override { return false; }
  /// AMDGPU's private (scratch) memory.
  unsigned privateAddressSpace() const override { return 5; }
  /// CDNA's (gfx90a, gfx942) wavefronts.
  int64_t subgroupSize() const override { return 64; }
};
} // namespace

std::unique_ptr<TargetInfo> tilec::lowering::createROCDLTargetInfo() {
  return std::make_unique<ROCDLTargetInfo>();
}
