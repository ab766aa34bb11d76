//===- Registers.cpp - what a block's registers hold ----------------------===//
//
// The register model the Hopper passes share: the registers a thread
// holds of the block's fragments, and how a warp-specialized block splits
// its register file between producer and consumers (see Passes.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace tilec;

/// The register file of an sm_90 SM, in 32-bit registers.
static constexpr int64_t kRegistersPerSM = 65536;

std::optional<RegisterSplit> tilec::registerSplit(int64_t consumerThreads) {
  // setmaxnreg moves registers within the block's allocation: what the
  // producer gives up is what the consumers take.
  static constexpr RegisterSplit kTwoConsumers{168, 56, 224}, kThreeConsumers{128, 32, 160};
  static_assert(kTwoConsumers.producer + 2 * kTwoConsumers.consumer == 3 * kTwoConsumers.launch &&
                    3 * 128 * kTwoConsumers.launch <= kRegistersPerSM,
                "two consumer warpgroups: the registers of three");
  static_assert(kThreeConsumers.producer + 3 * kThreeConsumers.consumer ==
                        4 * kThreeConsumers.launch &&
                    4 * 128 * kThreeConsumers.launch <= kRegistersPerSM,
                "three consumer warpgroups: the registers of four");
  if (consumerThreads == 256)
    return kTwoConsumers;
  if (consumerThreads == 384)
    return kThreeConsumers;
  return std::nullopt;
}

int64_t tilec::evenRegisters(int64_t threads) {
  return std::min<int64_t>(255, kRegistersPerSM / threads / 8 * 8);
}

int64_t tilec::fragmentRegisters(tile::LaunchOp launch) {
  int64_t registers = 0;
  launch.walk([&](tile::AllocOp alloc) {
    tile::BufferType type = alloc.getType();
    int64_t elements = 1;
    for (int64_t extent : type.getShape())
      elements *= extent;
    int64_t threads = 0;
    Attribute layout = tile::getLayout(alloc);
    if (auto wgmma = dyn_cast_or_null<tile::WgmmaLayoutAttr>(layout))
      threads = 128 * wgmma.getWarpgroups() * wgmma.getColumnGroups();
    else if (auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(layout))
      threads = 128 * rows.getWarpgroups() / 2; // two rows a 64-row block
    else if (auto cyclic = dyn_cast_or_null<tile::CyclicLayoutAttr>(layout))
      threads = cyclic.getThreads();
    if (threads == 0 || type.getElementType().isIndex())
      return;
    int64_t bits = type.getElementType().getIntOrFloatBitWidth();
    registers += (llvm::divideCeil(elements, threads) * std::max<int64_t>(bits, 16) + 31) / 32;
  });
  return registers;
}

std::optional<RegisterSplit> tilec::consumerRegisterSplit(tile::LaunchOp launch,
                                                         int64_t sharedBytes) {
  std::optional<RegisterSplit> split = registerSplit(launch.getThreads());
  if (launch.getNoSetmaxnreg() || !split)
    return std::nullopt;
  if (blocksPerSM(sharedBytes) < 2)
    return split;
  // Two blocks side by side would split the register file over twice the
  // block's threads (the consumers and the producer warpgroup).
  int64_t threads = launch.getThreads() + 128;
  if (fragmentRegisters(launch) + kRegisterHeadroom > kRegistersPerSM / (2 * threads))
    return split;
  return std::nullopt;
}
