//===- JIT.cpp - compile and run kernels from C++ host code ---------------===//

#include "runtime/jit/JIT.h"

#include "compiler/Metadata.h"
#include "compiler/Pipeline.h"
#include "compiler/Targets/Targets.h"
#include "frontend/Frontend.h"
#include "dialects/Tile/TileDialect.h"
#include "lib/Support/ToolSupport.h"

#ifdef TILEC_HAVE_CUDA
#include "runtime/cuda/CudaKernel.h"
#endif

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace tilec;
using namespace tilec::jit;

/// Everything a compiled kernel keeps alive: the context, the sources (for
/// diagnostics at run time) and the module.
struct Kernel::State {
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream{diagnostics};
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> handler;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp func;
#ifdef TILEC_HAVE_CUDA
  std::unique_ptr<gpu::CudaKernel> cudaKernel;
#endif

  static mlir::DialectRegistry registry() {
    mlir::DialectRegistry registry;
    targets::registerAMDGPUTarget(registry);
    return registry;
  }

  State() : context(registry(), mlir::MLIRContext::Threading::DISABLED) {
    context.printOpOnDiagnostic(false);
    handler = std::make_unique<mlir::SourceMgrDiagnosticHandler>(
        sourceMgr, &context, diagnosticStream);
  }
  /// The diagnostics reported so far, as an error; clears them.
  llvm::Error takeError(llvm::StringRef fallback) {
    std::string text = diagnostics.empty() ? fallback.str() : diagnostics;
    diagnostics.clear();
    return llvm::createStringError(llvm::inconvertibleErrorCode(), text);
  }
};

Kernel::Kernel(std::unique_ptr<State> state) : state(std::move(state)) {}
Kernel::~Kernel() = default;


llvm::Expected<std::unique_ptr<Kernel>>
Kernel::fromFile(const std::string &path, const CompileOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "cannot read '%s': %s",
                                   path.c_str(), buffer.getError().message().c_str());
  return fromSource((*buffer)->getBuffer().str(), options, path);
}

llvm::Expected<std::unique_ptr<Kernel>>
Kernel::fromSource(const std::string &source, const CompileOptions &options,
                   const std::string &bufferName) {
  bool onGPU = options.target != "cpu";
  if (onGPU && !targets::parseNVPTXTarget(options.target))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "unsupported target '%s' (available: cpu and the NVIDIA chips of %s)",
                                   options.target.c_str(),
                                   targets::supportedTargetNames().c_str());
  // Feature names are checked where the pipeline is built (a name that
  // fails never reaches the cache).
  std::string featureChanges =
      targets::featureChanges(options.disabledFeatures, options.enabledFeatures);
  if (!onGPU && !llvm::StringRef(featureChanges).trim().empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "disabled and enabled features apply to GPU targets only");
  auto state = std::make_unique<State>();
  frontend::loadTileDialects(state->context);
  unsigned id = state->sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  frontend::FrontendOptions frontendOptions;
  frontendOptions.kernelName = options.kernel;
  frontendOptions.defines = options.defines;
  frontendOptions.includeDirs = options.includeDirs;
  frontendOptions.fpContract = options.fpContract;
  frontendOptions.fastMath = options.fastMath;
  frontendOptions.target = options.target;
  frontend::Frontend frontend(state->sourceMgr, state->context, frontendOptions);
  if (!frontend.parseMainBuffer(id))
    return state->takeError("syntax errors");
  state->module = frontend.generate();
  if (!state->module)
    return state->takeError("compilation failed");
  std::vector<mlir::func::FuncOp> kernels;
  state->module->walk([&](mlir::func::FuncOp f) { kernels.push_back(f); });
  if (kernels.size() != 1)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s has %zu kernels; name the one to compile in CompileOptions::kernel",
        bufferName.c_str(), kernels.size());
  state->func = kernels.front();
  std::vector<abi::ParamSpec> params = tile::getKernelParams(state->func);
  std::string name = state->func.getName().str();

  Artifact artifact;
  bool hit = false;
  if (onGPU) {
    // The key covers every source the kernel was built from (imports too).
    std::string keyText = tilec::getCompilerIdentity() + "\n" + options.target + "\n" +
                          name + "\n" +
                          (options.fpContract ? "fp-contract\n" : "no-fp-contract\n") +
                          (options.fastMath ? "fast-math\n" : "") + "features " +
                          featureChanges + "\n";
    for (const auto &[define, value] : options.defines)
      keyText += define + "=" + value + "\n";
    for (unsigned id = 1; id <= state->sourceMgr.getNumBuffers(); ++id)
      keyText += state->sourceMgr.getMemoryBuffer(id)->getBuffer().str() + "\n";
    std::string key = KernelCache::hashBinary(keyText) + "-" + name;
    KernelCache cache(options.cacheDir);
    if (std::optional<Artifact> found = cache.lookup(key)) {
      artifact = *found;
      hit = true;
    } else {
      mlir::PassManager pm(&state->context);
      std::string error;
      if (mlir::failed(
              compiler::buildPipeline(pm, options.target, featureChanges, error)))
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", error.c_str());
      if (mlir::failed(pm.run(*state->module)))
        return state->takeError("the pipeline failed");
      std::optional<std::string> ptx = targets::extractBinary(*state->module);
      if (!ptx)
        return state->takeError("no PTX was produced");
      mlir::FailureOr<std::string> metadata =
          compiler::buildKernelMetadata(state->func, options.target, *ptx);
      if (mlir::failed(metadata))
        return state->takeError("no launch metadata");
      artifact = Artifact{*ptx, *metadata};
      cache.store(key, artifact); // a failed disk write only costs a recompile
    }
  } else {
    mlir::PassManager pm(&state->context);
    compiler::buildCPUPipeline(pm);
    if (mlir::failed(pm.run(*state->module)))
      return state->takeError("the pipeline failed");
    state->module->walk([&](mlir::func::FuncOp f) { state->func = f; });
  }
  std::unique_ptr<Kernel> kernel(new Kernel(std::move(state)));
  kernel->paramInfo = std::move(params);
  kernel->kernelName = std::move(name);
  kernel->compiled = std::move(artifact);
  kernel->cacheHit = hit;
  return kernel;
}

llvm::Error Kernel::launchOnGPU(const std::vector<gpu::Argument> &args, void *stream) {
#ifdef TILEC_HAVE_CUDA
  if (compiled.binary.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "kernel '%s' was not compiled for a GPU", kernelName.c_str());
  std::string error;
  if (!state->cudaKernel) {
    state->cudaKernel = gpu::CudaKernel::load(compiled.binary, compiled.metadata, error);
    if (!state->cudaKernel)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", error.c_str());
  }
  if (!state->cudaKernel->launch(args, static_cast<CUstream>(stream), error))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", error.c_str());
  return llvm::Error::success();
#else
  (void)args;
  (void)stream;
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "this build of tilec has no CUDA runtime");
#endif
}

llvm::Error Kernel::launch(llvm::ArrayRef<cpu::KernelArg> args,
                           const cpu::RunOptions &options) {
  if (!compiled.binary.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "kernel '%s' was compiled for a GPU; use launchOnGPU",
                                   kernelName.c_str());
  if (mlir::failed(cpu::runKernel(state->func, args, options)))
    return state->takeError("the kernel failed");
  // Remarks (ignored annotations) are not errors.
  state->diagnostics.clear();
  return llvm::Error::success();
}
