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

/// Shared memory of an sm_90 SM, and what the system keeps of it a block.
constexpr int64_t kSharedPerSM = 233472, kSharedReservedPerBlock = 1024;

/// Blocks of `bytes` of shared memory an SM of `perSM` bytes holds (each
/// block also takes `reserved` bytes).
inline int64_t blocksPerSM(int64_t bytes, int64_t perSM = kSharedPerSM,
                           int64_t reserved = kSharedReservedPerBlock) {
  return perSM / (bytes + reserved);
}

/// Registers per thread of a warp-specialized block of three warpgroups at
/// launch (the register file's 64 K split evenly), and of its producer and
/// two consumer warpgroups once registers move (setmaxnreg).
constexpr int32_t kLaunchRegisters = 168, kProducerRegisters = 56, kConsumerRegisters = 224;
static_assert(kProducerRegisters + 2 * kConsumerRegisters == 3 * kLaunchRegisters &&
                  3 * 128 * kLaunchRegisters <= 65536,
              "setmaxnreg moves registers within the block's allocation");

/// Whether tile-lower-to-gpu (with setmaxnreg) moves registers from the
/// producer warpgroup of the warp-specialized `launch` to its two consumer
/// warpgroups: where the block, taking `sharedBytes` of shared memory,
/// already has the SM to itself (a smaller kernel keeps its blocks side by
/// side instead).
inline bool movesRegistersToConsumers(tile::LaunchOp launch, int64_t sharedBytes) {
  return !launch.getNoSetmaxnreg() && launch.getThreads() == 256 && blocksPerSM(sharedBytes) < 2;
}

} // namespace tilec

#endif // TILEC_COMPILER_PASSES_H
