//===- tilec.cpp - the tile-language compiler driver ----------------------===//
//
// Parses options, runs the frontend and the pipeline from compiler/, and
// writes what --emit asks for. All compilation logic lives in the libraries.
//
//===----------------------------------------------------------------------===//

#include "compiler/Metadata.h"
#include "compiler/Pipeline.h"
#include "compiler/Targets/Targets.h"
#include "dialects/Tile/TileDialect.h"
#include "frontend/FrontendFlags.h"
#include "lib/Support/ToolSupport.h"
#include "runtime/cpu/HostRun.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace {
enum class EmitKind {
  AST, Dependencies, Tile, TileOpt, Metadata, GPU, NVVM, ROCDL, PTX, Cubin, GCN, HSACO
};

cl::OptionCategory category("tilec options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.tl>"),
                               cl::Required, cl::cat(category));
tilec::frontend::FrontendFlags frontendFlags(category);
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Tile),
    cl::values(clEnumValN(EmitKind::AST, "ast", "the syntax tree"),
               clEnumValN(EmitKind::Dependencies, "dependencies",
                          "the source files the kernels are built from (the file and "
                          "what it imports), one path a line"),
               clEnumValN(EmitKind::Tile, "tile",
                          "tile IR as the frontend generates it"),
               clEnumValN(EmitKind::TileOpt, "tile-opt",
                          "tile IR after the clean-up pipeline"),
               clEnumValN(EmitKind::Metadata, "metadata",
                          "the kernel's signature and launches as JSON, for "
                          "--target=cpu (GPU targets write it beside the binary)"),
               clEnumValN(EmitKind::GPU, "gpu",
                          "after tile-lower-to-gpu (gpu.func kernels)"),
               clEnumValN(EmitKind::NVVM, "nvvm",
                          "the gpu.module in the NVVM/LLVM dialects"),
               clEnumValN(EmitKind::ROCDL, "rocdl",
                          "the gpu.module in the ROCDL/LLVM dialects (AMD)"),
               clEnumValN(EmitKind::PTX, "ptx",
                          "PTX; with -o x.ptx also the launch metadata x.json"),
               clEnumValN(EmitKind::Cubin, "cubin",
                          "a cubin assembled by ptxas; with -o x.cubin also x.json"),
               clEnumValN(EmitKind::GCN, "gcn", "AMD GCN assembly"),
               clEnumValN(EmitKind::HSACO, "hsaco",
                          "an AMD code object; with -o x.hsaco also x.json")),
    cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<std::string> target("target",
                           cl::desc("Target: cpu (execute with --run), or a GPU "
                                    "chip for --emit=gpu|nvvm|ptx (sm_90a, the "
                                    "default for those; sm_80, ...) or "
                                    "--emit=gpu|rocdl|gcn|hsaco (gfx942, gfx90a)"),
                           cl::value_desc("name"), cl::init("cpu"),
                           cl::cat(category));
tilec::targets::CodegenFeatureFlags features(category);
cl::opt<unsigned> optLevel("opt-level",
                           cl::desc("How hard LLVM optimizes the GPU code before ptxas or "
                                    "the AMD back end (0-3)"),
                           cl::init(tilec::targets::GPUTarget().optLevel), cl::cat(category));
cl::opt<bool> run("run", cl::desc("Run the kernel on the target (cpu)"),
                  cl::cat(category));
cl::list<std::string> dims("dims", cl::CommaSeparated,
                           cl::desc("With --run: symbolic dimensions, e.g. "
                                    "--dims M=100,N=70"),
                           cl::value_desc("name=n,..."), cl::cat(category));
cl::list<std::string> inputs("in", cl::desc("With --run: a tensor from a .npy file"),
                             cl::value_desc("param=file.npy"), cl::cat(category));
cl::list<std::string> scalars("scalar", cl::desc("With --run: a scalar argument"),
                              cl::value_desc("param=value"), cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("With --run: seed of the random inputs"),
                       cl::init(0), cl::cat(category));
cl::opt<std::string> outDir("out",
                            cl::desc("With --run: write every tensor argument "
                                     "to DIR/<param>.npy after the run"),
                            cl::value_desc("dir"), cl::cat(category));
cl::opt<bool> unchecked("unchecked",
                        cl::desc("With --run: no bounds/initialisation checks"),
                        cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("With --run: no summary line on stderr"),
                    cl::cat(category));
cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check that the diagnostics match the source's "
             "'expected-error {{...}}' annotations"),
    cl::cat(category));
} // namespace

/// Splits each `name=value` of a list option into a map.
static bool splitAssignments(const cl::list<std::string> &list, const char *flag,
                             std::map<std::string, std::string> &out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!tilec::parseAssignments(list, flag, pairs))
    return false;
  for (auto &[name, value] : pairs)
    out[name] = value;
  return true;
}

/// The pass-manager options of the command line: --mlir-timing (reported
/// when `pm` goes away), --mlir-print-ir-*, --mlir-pass-statistics.
static bool applyPassManagerOptions(mlir::PassManager &pm) {
  if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
    return false;
  auto timing = std::make_unique<mlir::DefaultTimingManager>();
  mlir::applyDefaultTimingManagerCLOptions(*timing);
  if (timing->isEnabled())
    pm.enableTiming(std::move(timing));
  return true;
}

/// --emit=gpu|nvvm|rocdl|ptx|gcn|hsaco: a GPU target's IR or binary; a
/// binary written to a file also gets its launch metadata beside it.
static bool emitGPU(mlir::ModuleOp module, mlir::MLIRContext &context,
                    raw_ostream &os) {
  bool amdEmit = emit == EmitKind::ROCDL || emit == EmitKind::GCN || emit == EmitKind::HSACO;
  std::string targetName = target == "cpu" ? (amdEmit ? "gfx942" : "sm_90a") : target.getValue();
  std::optional<tilec::targets::GPUTarget> nvidia = tilec::targets::parseNVPTXTarget(targetName);
  std::optional<tilec::targets::GPUTarget> amd = tilec::targets::parseAMDGPUTarget(targetName);
  if (!nvidia && !amd) {
    WithColor::error() << "unknown or unsupported GPU target '" << targetName
                       << "'; supported: " << tilec::targets::supportedTargetNames() << "\n";
    return false;
  }
  if ((amd && (emit == EmitKind::NVVM || emit == EmitKind::PTX || emit == EmitKind::Cubin)) ||
      (nvidia && amdEmit)) {
    WithColor::error() << "--emit does not match target '" << targetName << "'\n";
    return false;
  }
  if (optLevel > 3) {
    WithColor::error() << "--opt-level is 0, 1, 2 or 3, not " << optLevel << "\n";
    return false;
  }
  (nvidia ? nvidia : amd)->optLevel = optLevel;
  std::string error;
  std::string changes = features.changes();
  if (amd && !StringRef(changes).trim().empty()) {
    WithColor::error() << "--disable and --enable apply to NVIDIA targets only\n";
    return false;
  }
  if (nvidia && !tilec::targets::changeFeatures(*nvidia, changes, error)) {
    WithColor::error() << error << "\n";
    return false;
  }
  bool hasKernel = false;
  module.walk([&](mlir::func::FuncOp f) { hasKernel |= f->hasAttr(tilec::tile::kKernelAttrName); });
  if (!hasKernel) {
    WithColor::error() << "'" << inputFile << "' has no kernel: nothing to compile (a kernel "
                          "is a function marked @T.prim_func)\n";
    return false;
  }
  mlir::PassManager pm(&context);
  if (!applyPassManagerOptions(pm))
    return false;
  if (emit == EmitKind::GPU && nvidia) {
    tilec::targets::buildNVVMTilePipeline(pm, *nvidia);
  } else if (emit == EmitKind::GPU) {
    tilec::targets::buildROCDLTilePipeline(pm, *amd);
  } else if (nvidia) {
    tilec::targets::buildNVVMPipeline(pm, *nvidia);
    if (emit == EmitKind::PTX || emit == EmitKind::Cubin)
      tilec::targets::buildPTXPipeline(pm);
  } else {
    tilec::targets::buildROCDLPipeline(pm, *amd);
    if (emit != EmitKind::ROCDL)
      tilec::targets::buildAMDGPUBinaryPipeline(pm, /*assembly=*/emit == EmitKind::GCN);
  }
  if (mlir::failed(pm.run(module)))
    return false;
  if (emit == EmitKind::GPU || emit == EmitKind::NVVM || emit == EmitKind::ROCDL) {
    module.print(os);
    return true;
  }
  std::optional<std::string> binary = tilec::targets::extractBinary(module);
  if (!binary) {
    WithColor::error() << "no binary was produced\n";
    return false;
  }
  if (emit == EmitKind::Cubin) {
    binary = tilec::targets::assembleCubin(*binary, nvidia->chip, error);
    if (!binary) {
      WithColor::error() << error << "\n";
      return false;
    }
  }
  os << *binary;
  if (outputFile == "-" || emit == EmitKind::GCN)
    return true;
  std::vector<mlir::func::FuncOp> kernels;
  module.walk([&](mlir::func::FuncOp f) {
    if (f->hasAttr(tilec::tile::kKernelAttrName))
      kernels.push_back(f);
  });
  if (kernels.size() != 1) {
    WithColor::error() << "metadata needs exactly one kernel; pick one with --kernel\n";
    return false;
  }
  mlir::FailureOr<std::string> metadata =
      tilec::compiler::buildKernelMetadata(kernels.front(), targetName, *binary);
  if (mlir::failed(metadata))
    return false;
  SmallString<256> jsonPath(outputFile.getValue());
  sys::path::replace_extension(jsonPath, ".json");
  std::string errorMessage;
  auto jsonFile = mlir::openOutputFile(jsonPath, &errorMessage);
  if (!jsonFile) {
    WithColor::error() << errorMessage << "\n";
    return false;
  }
  jsonFile->os() << *metadata;
  jsonFile->keep();
  return true;
}

/// --emit=metadata: the signature and launches of the (single or --kernel)
/// kernel as the cpu target runs it, in the metadata format of the GPU
/// targets.
static bool emitCPUMetadata(mlir::ModuleOp module, raw_ostream &os) {
  if (target != "cpu") {
    WithColor::error() << "--emit=metadata is for --target=cpu; a GPU target writes the "
                          "metadata beside its binary (-o x.ptx writes x.json)\n";
    return false;
  }
  std::vector<mlir::func::FuncOp> kernels;
  module.walk([&](mlir::func::FuncOp f) { kernels.push_back(f); });
  if (kernels.size() != 1) {
    WithColor::error() << "metadata needs exactly one kernel; the file has " << kernels.size()
                       << ", pick one with --kernel\n";
    return false;
  }
  std::string ir;
  llvm::raw_string_ostream irStream(ir);
  module.print(irStream);
  mlir::FailureOr<std::string> metadata =
      tilec::compiler::buildKernelMetadata(kernels.front(), "cpu", ir);
  if (mlir::failed(metadata))
    return false;
  os << *metadata;
  return true;
}

/// --run: executes the (single or --kernel) kernel on the CPU.
static bool runKernel(mlir::ModuleOp module) {
  if (target != "cpu") {
    WithColor::error() << "--run supports --target=cpu only; got '" << target << "'\n";
    return false;
  }
  std::vector<mlir::func::FuncOp> kernels;
  module.walk([&](mlir::func::FuncOp f) { kernels.push_back(f); });
  if (kernels.size() != 1) {
    WithColor::error() << "--run needs exactly one kernel; the file has "
                       << kernels.size() << ", pick one with --kernel\n";
    return false;
  }
  tilec::cpu::HostRunOptions options;
  std::map<std::string, std::string> dimTexts;
  if (!splitAssignments(dims, "--dims", dimTexts) ||
      !splitAssignments(inputs, "--in", options.inputs) ||
      !splitAssignments(scalars, "--scalar", options.scalars))
    return false;
  for (const auto &[name, text] : dimTexts) {
    int64_t value;
    if (StringRef(text).getAsInteger(0, value)) {
      WithColor::error() << "--dims " << name << ": '" << text << "' is not an integer\n";
      return false;
    }
    options.dims[name] = value;
  }
  options.seed = seed;
  options.outDir = outDir;
  options.run.checked = !unchecked;
  if (!quiet)
    options.summary = &errs();
  return mlir::succeeded(tilec::cpu::runFromFiles(kernels.front(), options));
}

/// `tilec tune ...`: the autotuner lives in the Python package
/// (tilec/tune.py); run it with this tilec as the compiler it drives.
/// The interpreter is $TILEC_PYTHON, else python3 on PATH.
static int runTune(int argc, char **argv) {
  const char *chosen = std::getenv("TILEC_PYTHON");
  std::string interpreter = chosen && *chosen ? chosen : "python3";
  ErrorOr<std::string> python = sys::findProgramByName(interpreter);
  if (!python) {
    WithColor::error(errs(), "tilec") << "tilec tune runs the Python autotuner: " << interpreter
                                      << " is not on PATH (set TILEC_PYTHON)\n";
    return 1;
  }
  // The child inherits the environment: this tilec is the compiler it
  // drives, and the checkout's package (where this tilec was built from
  // it) comes first on its path; an installed package is found anyway.
  std::string self = sys::fs::getMainExecutable(argv[0], reinterpret_cast<void *>(&runTune));
  std::string pythonPath = TILEC_PYTHON_DIR;
  if (const char *existing = std::getenv("PYTHONPATH"))
    pythonPath += std::string(":") + existing;
  setenv("TILEC", self.c_str(), 1);
  setenv("PYTHONPATH", pythonPath.c_str(), 1);
  SmallVector<StringRef> arguments = {*python, "-m", "tilec.tune"};
  for (int i = 2; i < argc; ++i)
    arguments.push_back(argv[i]);
  std::string message;
  int code = sys::ExecuteAndWait(*python, arguments, std::nullopt, {}, 0, 0, &message);
  if (code < 0) {
    WithColor::error(errs(), "tilec") << "tilec tune: " << message << "\n";
    return 1;
  }
  return code;
}

int main(int argc, char **argv) {
  if (argc > 1 && StringRef(argv[1]) == "tune")
    return runTune(argc, argv);
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // --mlir-timing, --mlir-print-ir-after-all and the other pass-manager
  // options, on every pipeline tilec runs.
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](raw_ostream &os) { os << tilec::getCompilerIdentity() << "\n"; });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tilec: compile tile-language (.tl) kernels\n\n"
                              "  tilec tune <file.tl> --space name=v1,v2,... : autotune "
                              "compile-time parameters (tilec tune --help)\n");

  tilec::frontend::FrontendOptions options;
  if (!frontendFlags.fill(options))
    return 1;
  options.target = target;
  // `-o x.ptx|x.cubin|x.hsaco` without --emit says what to produce.
  if (emit.getNumOccurrences() == 0) {
    StringRef extension = sys::path::extension(outputFile.getValue());
    if (extension == ".ptx")
      emit = EmitKind::PTX;
    else if (extension == ".cubin")
      emit = EmitKind::Cubin;
    else if (extension == ".hsaco")
      emit = EmitKind::HSACO;
  }

  mlir::DialectRegistry registry;
  tilec::targets::registerAMDGPUTarget(registry);
  mlir::MLIRContext context(registry);
  context.allowUnregisteredDialects(false);
  // DSL users want the source line, not the IR operation, under an error.
  context.printOpOnDiagnostic(false);
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

  if (!StringRef(features.changes()).trim().empty() &&
      (run || emit < EmitKind::GPU)) {
    WithColor::error()
        << "--disable and --enable apply to GPU code (--emit=gpu, nvvm, ptx or cubin)\n";
    return finish(false);
  }
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
  if (emit == EmitKind::Dependencies) {
    for (const std::string &path : frontend.getSourceFiles())
      output->os() << path << "\n";
    return finish(true);
  }
  if (emit == EmitKind::TileOpt || emit == EmitKind::Metadata || run) {
    mlir::PassManager pm(&context);
    if (!applyPassManagerOptions(pm))
      return finish(false);
    if (run || emit == EmitKind::Metadata)
      tilec::compiler::buildCPUPipeline(pm);
    else
      tilec::compiler::buildTileCleanupPipeline(pm);
    if (mlir::failed(pm.run(*module)))
      return finish(false);
  }
  if (run)
    return finish(runKernel(*module));
  if (emit == EmitKind::Metadata)
    return finish(emitCPUMetadata(*module, output->os()));
  if (emit >= EmitKind::GPU)
    return finish(emitGPU(*module, context, output->os()));
  module->print(output->os());
  return finish(true);
}
