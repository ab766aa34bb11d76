//===- tilec.cpp - the tile-language compiler driver ----------------------===//
//
// Parses options, runs the frontend and the pipeline from compiler/, and
// writes what --emit asks for. All compilation logic lives in the libraries.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "frontend/Frontend.h"
#include "lib/Support/ToolSupport.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace {
enum class EmitKind { AST, Tile, TileOpt };

cl::OptionCategory category("tilec options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.tl>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> kernelName("kernel", cl::desc("Compile only this kernel"),
                                cl::value_desc("name"), cl::cat(category));
cl::list<std::string> defines("D", cl::Prefix,
                              cl::desc("Override a compile-time parameter "
                                       "(T.const), e.g. -D block_M=64"),
                              cl::value_desc("name=value"), cl::cat(category));
cl::list<std::string> includeDirs("I", cl::Prefix,
                                  cl::desc("Search this folder for imported "
                                           ".tl modules"),
                                  cl::value_desc("dir"), cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Tile),
    cl::values(clEnumValN(EmitKind::AST, "ast", "the syntax tree"),
               clEnumValN(EmitKind::Tile, "tile",
                          "tile IR as the frontend generates it"),
               clEnumValN(EmitKind::TileOpt, "tile-opt",
                          "tile IR after the clean-up pipeline")),
    cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check that the diagnostics match the source's "
             "'expected-error {{...}}' annotations"),
    cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::SetVersionPrinter(
      [](raw_ostream &os) { os << "tilec " << tilec::getVersion() << "\n"; });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tilec: compile tile-language (.tl) kernels\n");

  tilec::frontend::FrontendOptions options;
  options.kernelName = kernelName;
  options.includeDirs = includeDirs;
  for (const std::string &define : defines) {
    auto parsed = tilec::parseDefine(define);
    if (!parsed) {
      WithColor::error() << "-D expects name=value, got '" << define << "'\n";
      return 1;
    }
    options.defines.push_back(*parsed);
  }

  mlir::MLIRContext context;
  context.allowUnregisteredDialects(false);
  SourceMgr sourceMgr;
  unsigned bufferId = tilec::addMainFile(sourceMgr, inputFile);
  if (!bufferId)
    return 1;
  tilec::ToolDiagnostics diagnostics(sourceMgr, context, verifyDiagnostics);
  tilec::frontend::Frontend frontend(sourceMgr, context, options);

  std::string errorMessage;
  auto output = mlir::openOutputFile(outputFile, &errorMessage);
  if (!output) {
    WithColor::error() << errorMessage << "\n";
    return 1;
  }

  auto finish = [&](bool ok) {
    if (verifyDiagnostics)
      return diagnostics.verified() ? 0 : 1;
    if (!ok)
      return 1;
    output->keep();
    return 0;
  };

  tilec::frontend::ModuleAST *ast = frontend.parseMainBuffer(bufferId);
  if (!ast)
    return finish(false);
  if (emit == EmitKind::AST) {
    tilec::frontend::dumpAST(*ast, output->os());
    return finish(true);
  }
  mlir::OwningOpRef<mlir::ModuleOp> module = frontend.generate();
  if (!module)
    return finish(false);
  if (emit == EmitKind::TileOpt) {
    mlir::PassManager pm(&context);
    tilec::compiler::buildTileCleanupPipeline(pm);
    if (mlir::failed(pm.run(*module)))
      return finish(false);
  }
  module->print(output->os());
  return finish(true);
}
