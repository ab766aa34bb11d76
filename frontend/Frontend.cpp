//===- Frontend.cpp - from .tl source to tile IR --------------------------===//

#include "frontend/Frontend.h"
#include "frontend/MLIRGenImpl.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace tilec::frontend;

void tilec::frontend::loadTileDialects(MLIRContext &context) {
  context.loadDialect<tile::TileDialect, arith::ArithDialect, scf::SCFDialect,
                      math::MathDialect, func::FuncDialect>();
}

Frontend::Frontend(llvm::SourceMgr &sourceMgr, MLIRContext &context,
                   FrontendOptions options)
    : source(sourceMgr, context), options(std::move(options)),
      loader(std::make_unique<ModuleLoader>(source, this->options.includeDirs)) {
  loadTileDialects(context);
}

Frontend::~Frontend() = default;

ModuleAST *Frontend::parseMainBuffer(unsigned bufferId) {
  unsigned errorsBefore = source.getNumErrors();
  mainInfo = loader->loadBuffer(bufferId);
  if (!mainInfo || source.getNumErrors() != errorsBefore)
    return nullptr;
  mainModule = mainInfo->ast.get();
  return mainModule;
}

std::vector<std::string> Frontend::getSourceFiles() const {
  return loader->loadedPaths();
}

std::vector<std::string> Frontend::getKernelNames() const {
  std::vector<std::string> names;
  if (!mainModule)
    return names;
  for (const StmtPtr &stmt : mainModule->body)
    if (auto *def = dyn_cast<FunctionDef>(stmt.get()))
      if (def->hasDecorator("prim_func") || def->factoryKernel())
        names.push_back(def->name);
  return names;
}

OwningOpRef<ModuleOp> Frontend::generate() {
  MLIRContext &context = source.getContext();
  if (!mainModule)
    return nullptr;
  ModuleInfo *main = mainInfo;
  loader->resolveGlobals(*main);

  OwningOpRef<ModuleOp> module =
      ModuleOp::create(source.getLoc(llvm::SMLoc::getFromPointer(
          source.getSourceMgr()
              .getMemoryBuffer(source.getSourceMgr().getMainFileID())
              ->getBufferStart())));
  std::map<std::string, bool> usedDefines;
  KernelGenerator generator(*loader, *module, options, usedDefines);
  bool found = false, anyFailed = false;
  std::vector<std::string> names = getKernelNames();
  for (const StmtPtr &stmt : mainModule->body) {
    auto *def = dyn_cast<FunctionDef>(stmt.get());
    if (!def || !(def->hasDecorator("prim_func") || def->factoryKernel()))
      continue;
    if (!options.kernelName.empty() && def->name != options.kernelName)
      continue;
    found = true;
    if (failed(generator.genKernel(*main, *def)))
      anyFailed = true;
  }
  if (!options.kernelName.empty() && !found) {
    auto diag = source.emitError(UnknownLoc::get(&context));
    diag << "no kernel named '" << options.kernelName << "' in "
         << mainModule->path;
    if (!names.empty()) {
      diag << "; kernels: ";
      llvm::interleaveComma(names, diag);
    }
  }
  for (const auto &[name, value] : options.defines)
    if (!usedDefines.count(name) && found)
      source.emitError(UnknownLoc::get(&context))
          << "-D " << name << ": no compiled kernel has a compile-time "
                              "parameter (T.const, or of its factory) named '"
          << name << "'";
  if (source.getNumErrors() != 0 || anyFailed)
    return nullptr;
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}
