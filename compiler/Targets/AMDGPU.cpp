//===- AMDGPU.cpp - the AMD back end --------------------------------------===//
//
// gpu.module -> ROCDL/LLVM dialects -> GCN ISA or an .hsaco code object, in
// process, with Debian's rocm-device-libs (ocml/ockl bitcode) and lld.
//
//===----------------------------------------------------------------------===//

#include "compiler/Targets/Targets.h"

#include "compiler/Passes.h"
#include "compiler/TilePipelines.h"

#include "llvm/ADT/StringExtras.h"
#include "mlir/Conversion/GPUToROCDL/GPUToROCDLPass.h"
#include "mlir/Conversion/MathToROCDL/MathToROCDL.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Target/LLVM/ROCDL/Target.h"
#include "mlir/Target/LLVMIR/Dialect/ROCDL/ROCDLToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>

using namespace mlir;

/// The AMD chips tilec generates code for.
static const char *const kAMDGPUChips[] = {"gfx942", "gfx90a", "gfx950", "gfx1100"};

std::string tilec::targets::amdgpuChipNames() {
  return llvm::join(std::begin(kAMDGPUChips), std::end(kAMDGPUChips), ", ");
}

std::optional<tilec::targets::GPUTarget>
tilec::targets::parseAMDGPUTarget(llvm::StringRef name) {
  if (!llvm::is_contained(kAMDGPUChips, name))
    return std::nullopt;
  GPUTarget target;
  target.chip = name.str();
  return target;
}

void tilec::targets::registerAMDGPUTarget(DialectRegistry &registry) {
  // The conversion interfaces are shared with the NVPTX path.
  registerNVPTXTarget(registry);
  registry.insert<ROCDL::ROCDLDialect>();
  registerROCDLDialectTranslation(registry);
  ROCDL::registerROCDLTargetInterfaceExternalModels(registry);
}

void tilec::targets::buildROCDLTilePipeline(OpPassManager &pm, const GPUTarget &target) {
  compiler::buildTileCleanupPipeline(pm);
  pm.addPass(createTileInferLayouts());
  pm.addPass(createTileVectorizeParallel());
  // Loads behind small value-producing ifs (masks) become straight-line
  // code; the CPU target keeps the branches its checks follow.
  pm.addPass(createTileFlattenConditionals());
  pm.addPass(createTilePlanSharedMemory());
  pm.addPass(createTileInsertBarriers());
  pm.addPass(createTilePartitionParallel());
  TileLowerToGPUOptions lowering;
  lowering.targetName = "rocdl";
  // LDS a workgroup may use: 64 KiB, 160 KiB on gfx950.
  lowering.maxSharedBytes = target.chip == "gfx950" ? 163840 : 65536;
  // Scratch a work-item may use: the back end's limit is 131056 bytes of
  // stack frame, some of it its own.
  lowering.maxPrivateBytes = 128 * 1024;
  pm.addPass(createTileLowerToGPU(lowering));
  TileConvertToLLVMOptions toLLVM;
  toLLVM.targetName = "rocdl";
  pm.addNestedPass<gpu::GPUModuleOp>(createTileConvertToLLVM(toLLVM));
  pm.addNestedPass<gpu::GPUModuleOp>(createTileLowerFloat8());
}

void tilec::targets::buildROCDLPipeline(OpPassManager &pm, const GPUTarget &target) {
  buildROCDLTilePipeline(pm, target);
  GpuROCDLAttachTargetOptions attach;
  attach.triple = "amdgcn-amd-amdhsa";
  attach.chip = target.chip;
  attach.abiVersion = "400";
  attach.optLevel = target.optLevel;
  pm.addPass(createGpuROCDLAttachTarget(attach));
  // Math functions as the device library's (__ocml_tanh_f32, ...), before
  // the generic lowering would leave LLVM intrinsics such as llvm.tanh that
  // the AMDGPU back end cannot lower (a module pass: the declarations go
  // into each function's symbol table, the kernels' gpu.module).
  // Approximable exp2 (--fast-math) as the bare instruction first.
  pm.addNestedPass<gpu::GPUModuleOp>(createTileROCDLFastMath());
  ConvertMathToROCDLOptions math;
  math.chipset = target.chip;
  pm.addPass(createConvertMathToROCDL(math));
  OpPassManager &gpuPM = pm.nest<gpu::GPUModuleOp>();
  gpuPM.addPass(compiler::createLoweredKernelCanonicalizer());
  gpuPM.addPass(createCSEPass());
  gpuPM.addNestedPass<gpu::GPUFuncOp>(createTileNarrowCompares());
  gpuPM.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToROCDLOpsOptions rocdl;
  rocdl.chipset = target.chip;
  rocdl.runtime = gpu::amd::Runtime::HIP;
  gpuPM.addPass(createConvertGpuOpsToROCDLOps(rocdl));
  gpuPM.addPass(createCanonicalizerPass());
  gpuPM.addPass(createReconcileUnrealizedCastsPass());
}

void tilec::targets::buildAMDGPUBinaryPipeline(OpPassManager &pm, bool assembly) {
  GpuModuleToBinaryPassOptions options;
  options.compilationTarget = assembly ? "isa" : "bin";
  // $ROCM_PATH, else the folder the build arranged with links to Debian's
  // device libraries (amdgcn/bitcode) and ld.lld (llvm/bin).
  const char *rocm = std::getenv("ROCM_PATH");
  options.toolkitPath = rocm ? rocm : TILEC_ROCM_PATH;
  pm.addPass(createGpuModuleToBinaryPass(options));
}

std::optional<std::string> tilec::targets::extractBinary(ModuleOp module) {
  std::optional<std::string> bytes;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        bytes = object.getObject().getValue().str();
  });
  return bytes;
}
