//===- ToolSupport.h - shared pieces of the command-line tools --*- C++ -*-===//
//
// What tilec and tile-dump share: reading the main file into a SourceMgr,
// printing (or verifying) diagnostics, and parsing -D overrides.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_SUPPORT_TOOLSUPPORT_H
#define TILEC_LIB_SUPPORT_TOOLSUPPORT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tilec {

/// The compiler's name, version and build id, `tilec 0.3.0 (build <id>)`:
/// what `tilec --version` prints, metadata records and kernel caches key
/// on. The build id is a hash of the sources this compiler was built from
/// and of the MLIR it uses (16 hex digits), so a changed compiler of the
/// same version never reuses an older one's kernels.
std::string getCompilerIdentity();

/// Splits `name=value`; nullopt when there is no '=' or no name.
std::optional<std::pair<std::string, std::string>>
parseDefine(llvm::StringRef text);

/// Splits each `name=value` of a command-line list (`-D`, `--in`, ...) into
/// `out`; prints "<flag> expects name=value" and fails on a malformed one.
bool parseAssignments(llvm::ArrayRef<std::string> items, llvm::StringRef flag,
                      std::vector<std::pair<std::string, std::string>> &out);

/// Installs the diagnostic handler a tool uses: the SourceMgr printer (file,
/// line, column, source line and caret), or with `verify` the checker of
/// `expected-error {{...}}` annotations in the source.
class ToolDiagnostics {
public:
  ToolDiagnostics(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                  bool verify);
  ~ToolDiagnostics();
  /// With `verify`: whether every expected diagnostic was seen and no other.
  bool verified();

private:
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> printer;
  std::unique_ptr<mlir::SourceMgrDiagnosticVerifierHandler> verifier;
  mlir::MLIRContext *context = nullptr;
  std::optional<mlir::DiagnosticEngine::HandlerID> unlocatedHandler;
};

/// Reads `path` ("-" is standard input) into `sourceMgr`; returns its buffer
/// id, or 0 after printing an error.
unsigned addMainFile(llvm::SourceMgr &sourceMgr, llvm::StringRef path);

/// The floating-point flags of the tools that compile: `--fp-contract`
/// (fused multiply-adds, on by default) and `--fast-math` (approximate
/// math functions), in the tool's option category.
struct FloatingPointFlags {
  explicit FloatingPointFlags(llvm::cl::OptionCategory &category);
  llvm::cl::opt<bool> fpContract;
  llvm::cl::opt<bool> fastMath;
};

} // namespace tilec

#endif // TILEC_LIB_SUPPORT_TOOLSUPPORT_H
