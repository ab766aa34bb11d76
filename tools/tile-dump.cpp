//===- tile-dump.cpp - show the IR after every stage ----------------------===//
//
// Runs a .tl file through the frontend and the pipeline of compiler/ and
// prints the syntax tree and the IR after each stage and pass.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "compiler/Targets/Targets.h"
#include "frontend/FrontendFlags.h"
#include "lib/Support/ToolSupport.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace {
cl::OptionCategory category("tile-dump options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.tl>"),
                               cl::cat(category));
tilec::frontend::FrontendFlags frontendFlags(category);
cl::opt<std::string> afterStage("after",
                                cl::desc("Show this stage and every later one"),
                                cl::value_desc("stage"), cl::cat(category));
cl::opt<std::string> onlyStage("only", cl::desc("Show only this stage"),
                               cl::value_desc("stage"), cl::cat(category));
cl::opt<bool> listStages("list", cl::desc("List the stages and exit"),
                         cl::cat(category));
tilec::targets::CodegenFeatureFlags features(category);
cl::opt<std::string> target("target",
                            cl::desc("The pipeline to show: a GPU chip down to its "
                                     "assembly (sm_90a, sm_80: PTX; gfx942: GCN), "
                                     "or 'tile' for the tile-level passes only"),
                            cl::value_desc("name"), cl::init("sm_90a"),
                            cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tile-dump: the IR of a .tl file after each stage\n");
  mlir::DialectRegistry registry;
  tilec::targets::registerAMDGPUTarget(registry);
  mlir::MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  mlir::PassManager pm(&context);
  std::string error;
  if (mlir::failed(tilec::compiler::buildPipeline(
          pm, target, features.changes(), error))) {
    WithColor::error() << error << "\n";
    return 1;
  }
  std::vector<std::string> stages = tilec::compiler::listStages(pm, target);
  if (listStages) {
    for (const std::string &stage : stages)
      outs() << stage << "\n";
    return 0;
  }
  if (inputFile.empty()) {
    WithColor::error() << "no input file; see --help\n";
    return 1;
  }
  for (const std::string *filter : {&afterStage.getValue(), &onlyStage.getValue()})
    if (!filter->empty() && !is_contained(stages, *filter)) {
      WithColor::error() << "unknown stage '" << *filter << "'; stages: "
                         << llvm::join(stages, ", ") << "\n";
      return 1;
    }
  size_t firstShown = 0;
  if (!afterStage.empty())
    firstShown = find(stages, afterStage.getValue()) - stages.begin();
  auto shown = [&](StringRef stage) {
    if (!onlyStage.empty())
      return stage == onlyStage.getValue();
    return size_t(find(stages, stage) - stages.begin()) >= firstShown;
  };
  auto banner = [](StringRef stage) {
    outs() << "// ----- after " << stage << " -----\n";
  };

  tilec::frontend::FrontendOptions options;
  if (!frontendFlags.fill(options))
    return 1;
  if (target != "tile")
    options.target = target;
  SourceMgr sourceMgr;
  unsigned bufferId = tilec::addMainFile(sourceMgr, inputFile);
  if (!bufferId)
    return 1;
  tilec::ToolDiagnostics diagnostics(sourceMgr, context, /*verify=*/false);
  tilec::frontend::Frontend frontend(sourceMgr, context, options);
  tilec::frontend::ModuleAST *ast = frontend.parseMainBuffer(bufferId);
  if (!ast)
    return 1;
  if (shown(tilec::compiler::kASTStage)) {
    banner(tilec::compiler::kASTStage);
    tilec::frontend::dumpAST(*ast, outs());
  }
  mlir::OwningOpRef<mlir::ModuleOp> module = frontend.generate();
  if (!module)
    return 1;
  if (shown(tilec::compiler::kTileStage)) {
    banner(tilec::compiler::kTileStage);
    module->print(outs());
  }
  context.disableMultithreading();
  pm.enableIRPrinting(
      /*shouldPrintBeforePass=*/[](mlir::Pass *, mlir::Operation *) { return false; },
      /*shouldPrintAfterPass=*/
      [&](mlir::Pass *pass, mlir::Operation *) { return shown(pass->getArgument()); },
      /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
      /*printAfterOnlyOnFailure=*/false, outs());
  if (mlir::failed(pm.run(*module)))
    return 1;
  if (target != "tile" && shown(stages.back())) {
    std::optional<std::string> assembly = tilec::targets::extractBinary(*module);
    if (!assembly) {
      WithColor::error() << "no assembly was produced\n";
      return 1;
    }
    banner(stages.back());
    outs() << *assembly;
  }
  return 0;
}
