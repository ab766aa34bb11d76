//===- JIT.cpp - compile and run kernels from C++ host code ---------------===//

#include "runtime/jit/JIT.h"

#include "compiler/Pipeline.h"
#include "frontend/Frontend.h"

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

  State() {
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
  if (options.target != "cpu")
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "unsupported target '%s' (available: cpu)",
                                   options.target.c_str());
  auto state = std::make_unique<State>();
  frontend::loadTileDialects(state->context);
  unsigned id = state->sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  frontend::FrontendOptions frontendOptions;
  frontendOptions.kernelName = options.kernel;
  frontendOptions.defines = options.defines;
  frontendOptions.includeDirs = options.includeDirs;
  frontend::Frontend frontend(state->sourceMgr, state->context, frontendOptions);
  if (!frontend.parseMainBuffer(id))
    return state->takeError("syntax errors");
  state->module = frontend.generate();
  if (!state->module)
    return state->takeError("compilation failed");
  mlir::PassManager pm(&state->context);
  compiler::buildTileCleanupPipeline(pm);
  if (mlir::failed(pm.run(*state->module)))
    return state->takeError("the pipeline failed");
  std::vector<mlir::func::FuncOp> kernels;
  state->module->walk([&](mlir::func::FuncOp f) { kernels.push_back(f); });
  if (kernels.size() != 1)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s has %zu kernels; name the one to compile in CompileOptions::kernel",
        bufferName.c_str(), kernels.size());
  state->func = kernels.front();
  std::unique_ptr<Kernel> kernel(new Kernel(std::move(state)));
  kernel->paramInfo = cpu::describeParams(kernel->state->func);
  kernel->kernelName = kernel->state->func.getName().str();
  return kernel;
}

llvm::Error Kernel::launch(llvm::ArrayRef<cpu::KernelArg> args,
                           const cpu::RunOptions &options) {
  if (mlir::failed(cpu::runKernel(state->func, args, options)))
    return state->takeError("the kernel failed");
  // Remarks (ignored annotations) are not errors.
  state->diagnostics.clear();
  return llvm::Error::success();
}
