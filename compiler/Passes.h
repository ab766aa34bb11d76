//===- Passes.h - tilec passes ----------------------------------*- C++ -*-===//

#ifndef TILEC_COMPILER_PASSES_H
#define TILEC_COMPILER_PASSES_H

#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

#include <optional>
#include <utility>

namespace tilec {

#define GEN_PASS_DECL
#include "compiler/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Passes.h.inc"

/// Whether a buffer lives in shared memory: shared buffers, and fragments
/// without a register layout.
bool isOnChip(tile::AllocOp alloc);

/// Bytes of a buffer's elements (index elements count as i64).
int64_t bufferBytes(tile::BufferType type);

/// Sets `shared_offset` on each on-chip buffer of a launch body (see
/// tile-plan-shared-memory); returns the bytes they take.
int64_t planSharedMemory(mlir::Block &body);

/// Replaces each f32 `math.exp2` under `root` marked `fastmath<afn>` by a
/// call of the target's one-instruction exp2 intrinsic `intrinsic` (f32 ->
/// f32), which flushes results below 2^-126 to zero (tile-nvvm-fast-math,
/// tile-rocdl-fast-math).
void approximateExp2(mlir::Operation *root, llvm::StringRef intrinsic);

/// T.use_swizzle(panel): the block indices (x, y) of the `linear`-th block
/// of a `columns` x `rows` grid when blocks go down the rows of a panel of
/// `panel` columns before the next panel starts, so that blocks running
/// together share rows of A and columns of B in L2.
std::pair<mlir::Value, mlir::Value> rasterizePanels(mlir::OpBuilder &b, mlir::Location loc,
                                                    mlir::Value linear, mlir::Value columns,
                                                    mlir::Value rows, mlir::Value panel);

/// Shared memory of an sm_90 SM, and what the system keeps of it a block.
constexpr int64_t kSharedPerSM = 233472, kSharedReservedPerBlock = 1024;

/// Blocks of `bytes` of shared memory an SM of `perSM` bytes holds (each
/// block also takes `reserved` bytes).
inline int64_t blocksPerSM(int64_t bytes, int64_t perSM = kSharedPerSM,
                           int64_t reserved = kSharedReservedPerBlock) {
  return perSM / (bytes + reserved);
}

/// How the register file of a warp-specialized block splits once
/// registers move from its producer warpgroup to its consumers
/// (setmaxnreg): registers a thread at launch (64 K split evenly over the
/// block's warpgroups), of the producer, and of each consumer.
struct RegisterSplit {
  int32_t launch, producer, consumer;
};

/// The split for a block of `consumerThreads` consumer threads and one
/// producer warpgroup: two consumer warpgroups 56 + 2 x 224 (what 3 x 168
/// was), three 32 + 3 x 160 (4 x 128); none for other counts.
std::optional<RegisterSplit> registerSplit(int64_t consumerThreads);

/// Registers each of a block's `threads` gets where the register file is
/// split evenly (at most 255, in steps of 8).
int64_t evenRegisters(int64_t threads);

/// 32-bit registers a thread holds of the block's register fragments
/// (#tile.wgmma accumulators, 16-bit ones two elements a register, their
/// rows, #tile.cyclic fragments).
int64_t fragmentRegisters(tile::LaunchOp launch);

/// Registers a thread needs beside its fragments (addresses, indices,
/// loop state) for tile-rotate-gemms to rotate a loop: FlashAttention at
/// head dim 128 (170 fragment registers) rotates in the 224 moved to its
/// two consumer warpgroups; at head dim 64 on three consumer warpgroups
/// (130-odd of 160) the rotated loop ran 0.89x the unrotated one's speed
/// on an H100, with 128-query blocks and 176-key ones (166 of 168) it
/// spilled.
constexpr int64_t kRegisterHeadroom = 32;

/// How tile-lower-to-gpu (with setmaxnreg) splits the registers of the
/// warp-specialized `launch` between its producer and consumer warpgroups
/// (registerSplit), if it moves them: where the block already has the SM
/// to itself, by its `sharedBytes` of shared memory or because two blocks
/// would leave a thread fewer registers than its fragments need (a smaller
/// kernel keeps its blocks side by side instead).
std::optional<RegisterSplit> consumerRegisterSplit(tile::LaunchOp launch, int64_t sharedBytes);

} // namespace tilec

#endif // TILEC_COMPILER_PASSES_H
