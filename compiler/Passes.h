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

/// Whether a block taking `sharedBytes` of shared memory leaves an sm_90 SM
/// room for no second one (registers may then move within the block).
inline bool oneBlockPerSM(int64_t sharedBytes) {
  return 2 * (sharedBytes + kSharedReservedPerBlock) > kSharedPerSM;
}

} // namespace tilec

#endif // TILEC_COMPILER_PASSES_H
