//===- NVPTX.cpp - the NVIDIA back end ------------------------------------===//
//
// gpu.module -> NVVM/LLVM dialects -> PTX, in process. The extern shared
// array and known_block_size come from tile-lower-to-gpu; libdevice is linked
// by the NVVM target when math functions need it.
//
//===----------------------------------------------------------------------===//

#include "compiler/Targets/Targets.h"

#include "compiler/Passes.h"
#include "compiler/TilePipelines.h"
#include "lib/Support/Chips.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUCommon/GPUToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

namespace {
/// A chip tilec generates code for, with the oldest PTX ISA that knows it.
struct NVPTXChip {
  const char *name;
  unsigned version;
  const char *ptx;
};
} // namespace

/// Newer chips need code paths of their own (tcgen05 and friends, not
/// wgmma).
static const NVPTXChip kNVPTXChips[] = {
    {"sm_90a", 90, "+ptx81"}, {"sm_90", 90, "+ptx81"}, {"sm_89", 89, "+ptx78"},
    {"sm_87", 87, "+ptx74"},  {"sm_86", 86, "+ptx71"}, {"sm_80", 80, "+ptx70"},
    {"sm_75", 75, "+ptx70"},  {"sm_70", 70, "+ptx70"}};

std::optional<tilec::targets::GPUTarget>
tilec::targets::parseNVPTXTarget(llvm::StringRef name) {
  const NVPTXChip *chip = llvm::find_if(kNVPTXChips, [&](const NVPTXChip &c) {
    return name == c.name;
  });
  if (chip == std::end(kNVPTXChips))
    return std::nullopt;
  unsigned version = chip->version;
  GPUTarget target;
  target.chip = name.str();
  target.features = chip->ptx;
  target.smVersion = static_cast<int>(version);
  CodegenFeatures &codegen = target.codegen;
  bool archSpecific = name == "sm_90a"; // wgmma and setmaxnreg need it
  codegen.tensorCores = version >= 80;
  codegen.wgmma = archSpecific;
  codegen.tma = codegen.warpSpecialize = codegen.stageStores = codegen.stmatrix = version >= 90;
  codegen.setmaxnreg = archSpecific;
  codegen.wgmmaOverlap = codegen.rotateGemms = archSpecific;
  codegen.vectorAtomics = version >= 90;
  codegen.bulkReductions = version >= 90;
  codegen.persistent = version >= 90;
  return target;
}

std::string tilec::targets::supportedTargetNames() {
  std::string names;
  for (const NVPTXChip &chip : kNVPTXChips)
    names += (names.empty() ? "" : ", ") + std::string(chip.name);
  return names + " (NVIDIA); " + amdgpuChipNames() + " (AMD)";
}

llvm::StringRef tilec::targets::codegenFeatureNames() {
  return "tensor-cores, wgmma, tma, warp-specialize, setmaxnreg, stage-stores, stmatrix, "
         "pingpong, carry-gemms, stream-k, persistent, wgmma-overlap, rotate-gemms, "
         "vector-atomics, bulk-reductions";
}

llvm::StringRef tilec::targets::optInFeatureNames() { return "pingpong, carry-gemms, stream-k"; }

tilec::targets::CodegenFeatureFlags::CodegenFeatureFlags(llvm::cl::OptionCategory &category)
    : disableHelp(("NVIDIA code-generation features to leave out, comma-separated: " +
                   codegenFeatureNames())
                      .str()),
      enableHelp(("Opt-in NVIDIA code-generation features to use, comma-separated: " +
                  optInFeatureNames())
                     .str()),
      disabled("disable", llvm::cl::desc(disableHelp), llvm::cl::value_desc("feature,..."),
               llvm::cl::cat(category)),
      enabled("enable", llvm::cl::desc(enableHelp), llvm::cl::value_desc("feature,..."),
              llvm::cl::cat(category)) {}

std::string tilec::targets::featureChanges(llvm::StringRef disabled, llvm::StringRef enabled) {
  std::string changes = disabled.str();
  llvm::SmallVector<llvm::StringRef> names;
  enabled.split(names, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef name : names)
    changes += ",+" + name.trim().str();
  return changes;
}

bool tilec::targets::changeFeatures(GPUTarget &target, llvm::StringRef changes,
                                    std::string &error) {
  llvm::SmallVector<llvm::StringRef> list;
  changes.split(list, ',', -1, /*KeepEmpty=*/false);
  CodegenFeatures &codegen = target.codegen;
  // The opt-in features need the chip's wgmma (sm_90a).
  bool hasOptIns = target.chip == "sm_90a";
  for (llvm::StringRef change : list) {
    change = change.trim();
    if (change.empty())
      continue;
    bool enable = change.consume_front("+");
    if (enable) {
      bool *optIn = llvm::StringSwitch<bool *>(change)
                        .Case("pingpong", &codegen.pingpong)
                        .Case("carry-gemms", &codegen.carryGemms)
                        .Case("stream-k", &codegen.streamK)
                        .Default(nullptr);
      if (!optIn) {
        error = ("'" + change + "' cannot be enabled; --enable takes " + optInFeatureNames())
                    .str();
        return false;
      }
      *optIn = hasOptIns;
      continue;
    }
    bool *feature = llvm::StringSwitch<bool *>(change)
                        .Case("tensor-cores", &codegen.tensorCores)
                        .Case("wgmma", &codegen.wgmma)
                        .Case("tma", &codegen.tma)
                        .Case("warp-specialize", &codegen.warpSpecialize)
                        .Case("setmaxnreg", &codegen.setmaxnreg)
                        .Case("stage-stores", &codegen.stageStores)
                        .Case("stmatrix", &codegen.stmatrix)
                        .Case("pingpong", &codegen.pingpong)
                        .Case("carry-gemms", &codegen.carryGemms)
                        .Case("stream-k", &codegen.streamK)
                        .Case("persistent", &codegen.persistent)
                        .Case("wgmma-overlap", &codegen.wgmmaOverlap)
                        .Case("rotate-gemms", &codegen.rotateGemms)
                        .Case("vector-atomics", &codegen.vectorAtomics)
                        .Case("bulk-reductions", &codegen.bulkReductions)
                        .Default(nullptr);
    if (!feature) {
      error = ("unknown code-generation feature '" + change + "'; --disable takes " +
               codegenFeatureNames())
                  .str();
      return false;
    }
    *feature = false;
  }
  // What rests on what: wgmma is a tensor core; registers move, and turns
  // pass, between the warpgroups of a specialized block; a staged store is
  // stored by TMA.
  codegen.wgmma &= codegen.tensorCores;
  codegen.setmaxnreg &= codegen.warpSpecialize;
  codegen.pingpong &= codegen.warpSpecialize && codegen.wgmma;
  codegen.persistent &= codegen.warpSpecialize;
  codegen.streamK &= codegen.persistent;
  codegen.stageStores &= codegen.tma;
  codegen.wgmmaOverlap &= codegen.wgmma;
  codegen.rotateGemms &= codegen.wgmmaOverlap;
  codegen.carryGemms &= codegen.wgmmaOverlap;
  codegen.bulkReductions &= codegen.stageStores;
  return true;
}

void tilec::targets::registerNVPTXTarget(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, LLVM::LLVMDialect, NVVM::NVVMDialect,
                  nvgpu::NVGPUDialect, vector::VectorDialect,
                  cf::ControlFlowDialect, memref::MemRefDialect, index::IndexDialect,
                  ub::UBDialect>();
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  gpu::registerConvertGpuToLLVMInterface(registry);
  NVVM::registerConvertGpuToNVVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

void tilec::targets::buildNVVMTilePipeline(OpPassManager &pm, const GPUTarget &target) {
  compiler::buildTileCleanupPipeline(pm);
  const CodegenFeatures &codegen = target.codegen;
  // The chip's SM count and shared memory a block (lib/Support/Chips.h).
  std::optional<ChipFacts> facts = chipFacts(target.chip);
  TileInferLayoutsOptions layouts;
  layouts.wgmma = codegen.wgmma;
  // Accumulators in registers for mma.sync where wgmma is absent.
  layouts.mmaSync = codegen.tensorCores;
  pm.addPass(createTileInferLayouts(layouts));
  bool ampere = target.smVersion >= 80;
  if (ampere) { // cp.async; on Hopper TMA and a producer warpgroup
    TileSoftwarePipelineOptions pipelining;
    pipelining.warpSpecialize = codegen.warpSpecialize;
    pipelining.persistent = codegen.persistent;
    pipelining.smCount = facts ? facts->smCount : 0; // 0: no persistent grids
    pm.addPass(createTileSoftwarePipeline(pipelining));
    if (codegen.streamK) // the persistent launches just built
      pm.addPass(createTileStreamK());
  }
  if (codegen.rotateGemms) { // the consumers' loops built
    TileRotateGemmsOptions rotation;
    rotation.setmaxnreg = codegen.setmaxnreg;
    pm.addPass(createTileRotateGemms(rotation));
  }
  if (codegen.carryGemms) // loops of one gemm, which rotation leaves alone
    pm.addPass(createTileCarryGemms());
  pm.addPass(createTileVectorizeParallel());
  // Loads behind small value-producing ifs (masks) become straight-line
  // code; the CPU target keeps the branches its checks follow.
  pm.addPass(createTileFlattenConditionals());
  if (codegen.stageStores) {
    TileStageStoresOptions staging;
    // Accumulators added atomically go through shared tiles and bulk
    // reductions where the SM keeps its blocks.
    if (codegen.bulkReductions)
      staging.sharedPerSM = kSharedPerSM;
    pm.addPass(createTileStageStores(staging));
  }
  pm.addPass(createTilePlanSharedMemory());
  TileInsertBarriersOptions barriers;
  barriers.tma = codegen.tma;
  pm.addPass(createTileInsertBarriers(barriers));
  if (codegen.pingpong) // after the barriers: a turn must not span one
    pm.addPass(createTilePingPong());
  pm.addPass(createTilePartitionParallel());
  TileLowerToGPUOptions lowering;
  lowering.mmaSync = codegen.tensorCores; // tensor cores through mma.sync
  lowering.asyncCopies = ampere;
  lowering.tma = codegen.tma;
  lowering.stmatrix = codegen.stmatrix;
  lowering.setmaxnreg = codegen.setmaxnreg;
  lowering.wgmmaOverlap = codegen.wgmmaOverlap;
  lowering.vectorAtomics = codegen.vectorAtomics;
  // Shared memory a block may opt in to.
  if (facts)
    lowering.maxSharedBytes = facts->sharedBytesPerBlock;
  // Local memory a thread may use (the PTX ISA's 512 KiB).
  lowering.maxPrivateBytes = 512 * 1024;
  pm.addPass(createTileLowerToGPU(lowering));
  TileConvertToLLVMOptions toLLVM;
  toLLVM.targetName = "nvvm";
  pm.addNestedPass<gpu::GPUModuleOp>(createTileConvertToLLVM(toLLVM));
  pm.addNestedPass<gpu::GPUModuleOp>(createTileLowerFloat8());
}

void tilec::targets::buildNVVMPipeline(OpPassManager &pm, const GPUTarget &target) {
  buildNVVMTilePipeline(pm, target);
  GpuNVVMAttachTargetOptions attach;
  attach.chip = target.chip;
  attach.features = target.features;
  attach.optLevel = target.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  OpPassManager &gpuPM = pm.nest<gpu::GPUModuleOp>();
  gpuPM.addPass(compiler::createLoweredKernelCanonicalizer());
  gpuPM.addPass(createCSEPass());
  gpuPM.addNestedPass<gpu::GPUFuncOp>(createTileNarrowCompares());
  gpuPM.addPass(createTileNVVMFastMath());
  gpuPM.addPass(createSCFToControlFlowPass());
  gpuPM.addPass(createConvertNVGPUToNVVMPass());
  gpuPM.addPass(createConvertGpuOpsToNVVMOps());
  gpuPM.addPass(createTileNVVMGridConstants());
  // NVVM ops with no LLVM intrinsic (wgmma.mma_async) become inline PTX.
  gpuPM.addPass(createConvertNVVMToLLVMPass());
  gpuPM.addPass(createCanonicalizerPass());
  gpuPM.addPass(createCSEPass());
  gpuPM.addPass(createReconcileUnrealizedCastsPass());
}

/// The CUDA toolkit, whose libdevice provides the math functions:
/// $CUDA_HOME, else the folder above ptxas on PATH, else /usr/local/cuda.
static std::string findCudaToolkit() {
  if (const char *home = std::getenv("CUDA_HOME"))
    return home;
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas)).str();
  return "/usr/local/cuda";
}

void tilec::targets::buildPTXPipeline(OpPassManager &pm) {
  // gpu-module-to-binary's PTX, with a module's kernels compiled in
  // parallel.
  TileSerializePTXOptions options;
  options.toolkitPath = findCudaToolkit();
  pm.addPass(createTileSerializePTX(options));
}

std::optional<std::string> tilec::targets::assembleCubin(const std::string &ptx,
                                                         llvm::StringRef chip,
                                                         std::string &error) {
  llvm::SmallString<256> ptxas(findCudaToolkit());
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  if (!llvm::sys::fs::can_execute(ptxas)) {
    if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
      ptxas = *found;
    else {
      error = "ptxas was not found (set CUDA_HOME or PATH); --emit=ptx needs no ptxas";
      return std::nullopt;
    }
  }
  llvm::SmallString<128> input, output;
  if (llvm::sys::fs::createTemporaryFile("tilec", "ptx", input) ||
      llvm::sys::fs::createTemporaryFile("tilec", "cubin", output)) {
    error = "cannot create temporary files for ptxas";
    return std::nullopt;
  }
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(input);
    llvm::sys::fs::remove(output);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(input, ec);
    if (ec) {
      error = ec.message();
      return std::nullopt;
    }
    os << ptx;
  }
  std::string arch = ("-arch=" + chip).str();
  llvm::SmallVector<llvm::StringRef> args = {ptxas, arch, input, "-o", output};
  std::string message;
  if (llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, {}, 0, 0, &message) != 0) {
    error = "ptxas failed" + (message.empty() ? std::string() : ": " + message);
    return std::nullopt;
  }
  auto cubin = llvm::MemoryBuffer::getFile(output, /*IsText=*/false);
  if (!cubin) {
    error = "ptxas wrote no cubin";
    return std::nullopt;
  }
  return (*cubin)->getBuffer().str();
}
