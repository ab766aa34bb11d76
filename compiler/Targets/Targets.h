//===- Targets.h - GPU back ends --------------------------------*- C++ -*-===//
//
// The target interface: generic tile passes know nothing of NVIDIA or AMD;
// a target turns the gpu.module that tile-lower-to-gpu produced into a
// binary (PTX text for NVPTX). Heavy MLIR headers stay in the target's .cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TARGETS_TARGETS_H
#define TILEC_COMPILER_TARGETS_TARGETS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace tilec::targets {

/// A GPU target: its name on the command line and chip.
struct GPUTarget {
  std::string chip;       ///< "sm_90a", "sm_80"
  std::string features;   ///< "+ptx80"
  int optLevel = 3;
};

/// Parses `--target` (sm_90a, sm_80, ...); nullopt if not an NVPTX target.
std::optional<GPUTarget> parseNVPTXTarget(llvm::StringRef name);

/// Registers the dialects, interfaces and translations the NVPTX path needs.
void registerNVPTXTarget(mlir::DialectRegistry &registry);

/// From tile IR to a module whose gpu.module is in the NVVM/LLVM dialects
/// (clean-up, tile-lower-to-gpu, gpu-to-nvvm, target attached).
void buildNVVMPipeline(mlir::OpPassManager &pm, const GPUTarget &target);
/// Serializes the gpu.module to PTX (gpu-module-to-binary, format=isa).
void buildPTXPipeline(mlir::OpPassManager &pm);

/// The PTX text of the module's gpu.binary, after buildPTXPipeline ran.
std::optional<std::string> extractPTX(mlir::ModuleOp module);

} // namespace tilec::targets

#endif // TILEC_COMPILER_TARGETS_TARGETS_H
