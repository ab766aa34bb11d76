//===- Passes.td - tilec passes ----------------------------*- tablegen -*-===//

#ifndef TILEC_COMPILER_PASSES_TD
#define TILEC_COMPILER_PASSES_TD

include "mlir/Pass/PassBase.td"

def TileLowerToGPU : Pass<"tile-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower tile kernels to gpu.func kernels with a simple, correct schedule";
  let description = [{
    Turns every `tile.kernel` function into a `gpu.func` in the
    `@tilec_kernels` gpu.module. The schedule is the reference one that later
    passes refine: all threads run the scalar code; `T.Parallel` iterations and
    the elements of whole-tile ops (copy, fill, gemm, reduce, atomic add) are
    spread cyclically over the block's threads; shared, fragment buffers live in
    one extern dynamic shared-memory array (carved at planned offsets), local
    buffers and variables in each thread's private memory; a barrier surrounds
    every whole-tile op and `T.Parallel` loop. Copies from and to global memory
    are predicated at the tensor's edges (reads outside give zero). Tensor
    parameters become a global pointer followed by one i64 per dimension bound
    at launch; the host function keeps the grid computation and records the
    kernel's symbol and shared-memory size in `tile.gpu_kernel` and
    `tile.shared_bytes`.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect"
  ];
}

#endif // TILEC_COMPILER_PASSES_TD
