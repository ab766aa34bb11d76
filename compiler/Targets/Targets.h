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
#include "llvm/Support/CommandLine.h"

#include <string>

namespace tilec::targets {

/// What the code generator may use on a target. Each is on where the chip
/// has it, except the opt-in ones (optInFeatureNames); `--disable` turns
/// some off (to compare, or to step around a problem) and `--enable` the
/// opt-in ones on, as TileLang's pass configurations do.
struct CodegenFeatures {
  bool tensorCores = false;     ///< mma.sync / wgmma for T.gemm (sm_80+)
  bool wgmma = false;           ///< warpgroup MMA (sm_90a)
  bool tma = false;             ///< TMA loads and stores (sm_90)
  bool warpSpecialize = false;  ///< a producer warpgroup for T.Pipelined (sm_90)
  bool setmaxnreg = false;      ///< registers moved to consumers (sm_90a)
  bool stageStores = false;     ///< accumulator stores through shared tiles (sm_90)
  bool stmatrix = false;        ///< stmatrix from accumulators (sm_90)
  bool pingpong = false;        ///< consumer warpgroups take turns on wgmma (sm_90a, opt-in)
  bool persistent = false;      ///< resident blocks loop over a launch's tiles (sm_90)
  bool wgmmaOverlap = false;    ///< wgmma waited for where its results are needed (sm_90a)
  bool rotateGemms = false;     ///< a loop's last gemm overlaps its next iteration (sm_90a)
  bool carryGemms = false;      ///< a loop's one gemm in flight into the next iteration (sm_90a, opt-in)
  bool streamK = false;         ///< a persistent GEMM's last wave split along K (sm_90a, opt-in)
  bool vectorAtomics = false;   ///< float32 pairs added by one reduction (sm_90)
  bool bulkReductions = false;  ///< accumulator atomic adds staged for bulk reductions (sm_90)
};

/// The names `--disable` takes, comma-separated in one string.
llvm::StringRef codegenFeatureNames();

/// The features that stay off unless enabled, comma-separated.
llvm::StringRef optInFeatureNames();

/// The feature changes of `--disable=disabled --enable=enabled` in the form
/// changeFeatures takes: "a,b,+c".
std::string featureChanges(llvm::StringRef disabled, llvm::StringRef enabled);

/// The tools' `--disable` and `--enable` options (tilec, tile-dump).
struct CodegenFeatureFlags {
  explicit CodegenFeatureFlags(llvm::cl::OptionCategory &category);
  /// What they ask for, in the form changeFeatures takes.
  std::string changes() const { return featureChanges(disabled, enabled); }
  /// The help texts, naming the features: `llvm::cl::desc` keeps only a
  /// reference, so they live here, beside the options.
  std::string disableHelp, enableHelp;
  llvm::cl::opt<std::string> disabled, enabled;
};

/// A GPU target: its name on the command line and chip.
struct GPUTarget {
  std::string chip;       ///< "sm_90a", "sm_80"
  std::string features;   ///< "+ptx81"
  int optLevel = 3;
  int smVersion = 0;      ///< 90 for sm_90a (NVPTX only)
  CodegenFeatures codegen; ///< what the NVPTX pipeline may use
};

/// Parses `--target` (sm_90a, sm_80, ...); nullopt if not an NVPTX target.
std::optional<GPUTarget> parseNVPTXTarget(llvm::StringRef name);

/// The GPU chips tilec generates code for, as a list for messages.
std::string supportedTargetNames();
/// The AMD chips among them, comma-separated.
std::string amdgpuChipNames();

/// Applies comma-separated feature changes to `target`: `name` turns that
/// feature off (see codegenFeatureNames), `+name` an opt-in feature on
/// where the chip has it (see optInFeatureNames); false with `error` for an
/// unknown name or one that cannot be enabled.
bool changeFeatures(GPUTarget &target, llvm::StringRef changes, std::string &error);

/// Registers the dialects, interfaces and translations the NVPTX path needs.
void registerNVPTXTarget(mlir::DialectRegistry &registry);

/// The tile-level part for NVIDIA: from tile IR to gpu.func kernels
/// (clean-up, layouts, pipelining, vectorization, shared-memory plan,
/// barriers, tile-lower-to-gpu), with the options `target` supports.
void buildNVVMTilePipeline(mlir::OpPassManager &pm, const GPUTarget &target);
/// From tile IR to a module whose gpu.module is in the NVVM/LLVM dialects
/// (the tile-level part, gpu-to-nvvm, target attached).
void buildNVVMPipeline(mlir::OpPassManager &pm, const GPUTarget &target);
/// Serializes the gpu.module to PTX (gpu-module-to-binary, format=isa).
void buildPTXPipeline(mlir::OpPassManager &pm);

/// Assembles PTX into a cubin with ptxas ($CUDA_HOME/bin, PATH, or
/// /usr/local/cuda/bin); nullopt with `error` when ptxas is missing or fails.
std::optional<std::string> assembleCubin(const std::string &ptx, llvm::StringRef chip,
                                         std::string &error);

/// AMD: parses `--target` (gfx942, gfx90a, ...).
std::optional<GPUTarget> parseAMDGPUTarget(llvm::StringRef name);
/// Registers what the ROCDL path needs.
void registerAMDGPUTarget(mlir::DialectRegistry &registry);
/// The tile-level part for AMD: from tile IR to gpu.func kernels.
void buildROCDLTilePipeline(mlir::OpPassManager &pm, const GPUTarget &target);
/// From tile IR to a gpu.module in the ROCDL/LLVM dialects.
void buildROCDLPipeline(mlir::OpPassManager &pm, const GPUTarget &target);
/// Serializes the gpu.module: `assembly` gives GCN ISA text, else an
/// .hsaco code object (linked with ld.lld against the ROCm device libraries
/// found under $ROCM_PATH or the folder the build arranged).
void buildAMDGPUBinaryPipeline(mlir::OpPassManager &pm, bool assembly);

/// The bytes of the module's gpu.binary object (any target).
std::optional<std::string> extractBinary(mlir::ModuleOp module);

} // namespace tilec::targets

#endif // TILEC_COMPILER_TARGETS_TARGETS_H
