//===- Frontend.h - from .tl source to tile IR ------------------*- C++ -*-===//
//
// The entry point of the frontend: parse a `.tl` file (and the files it
// imports), check it and generate a `builtin.module` of tile kernels. Every
// error is reported through the MLIR context's diagnostic engine.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_FRONTEND_H
#define TILEC_FRONTEND_FRONTEND_H

#include "frontend/AST.h"
#include "frontend/SourceContext.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tilec::frontend {

/// What to compile and how.
struct FrontendOptions {
  /// Only this kernel (empty: every `@T.prim_func` of the main file).
  std::string kernelName;
  /// `-D name=value` overrides of compile-time parameters, as written.
  std::vector<std::pair<std::string, std::string>> defines;
  /// Folders searched for imported `.tl` modules after the importing file's.
  std::vector<std::string> includeDirs;
  /// Lets float multiplies and adds contract into fused multiply-adds
  /// (`fastmath<contract>`); off for bit-exact unfused arithmetic.
  bool fpContract = true;
  /// Lets math functions be approximated (`fastmath<afn>`): libdevice's
  /// fast forms on NVIDIA, tile-approximate-math's expansions elsewhere.
  bool fastMath = false;
  /// The target compiled for (sm_90a, gfx942, cpu, ...): what host code's
  /// device queries in a Python file answer (the compute capability, the
  /// number of SMs). The cpu target answers as sm_90a, the GPU it stands for.
  std::string target = "sm_90a";
};

class ModuleLoader;
struct ModuleInfo;

/// Parses and lowers one main file. Keeps the ASTs alive for the lifetime of
/// the generated IR's locations.
class Frontend {
public:
  Frontend(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
           FrontendOptions options);
  ~Frontend();

  /// Parses the main file, a buffer already added to the SourceMgr (so that
  /// a diagnostic verifier can see it). Returns null on syntax errors.
  ModuleAST *parseMainBuffer(unsigned bufferId);

  /// Generates tile IR for the main file's kernels. Returns null when any
  /// error was reported.
  mlir::OwningOpRef<mlir::ModuleOp> generate();

  /// Names of the kernels (`@T.prim_func`) of the main file.
  std::vector<std::string> getKernelNames() const;

  /// The paths of the source files read so far (the main file and the
  /// modules it imports), sorted: what a kernel is built from.
  std::vector<std::string> getSourceFiles() const;

  unsigned getNumErrors() const { return source.getNumErrors(); }
  SourceContext &getSource() { return source; }

private:
  SourceContext source;
  FrontendOptions options;
  std::unique_ptr<ModuleLoader> loader;
  ModuleAST *mainModule = nullptr;
  ModuleInfo *mainInfo = nullptr;
};

/// Registers the dialects tile IR uses in `context`.
void loadTileDialects(mlir::MLIRContext &context);

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_FRONTEND_H
