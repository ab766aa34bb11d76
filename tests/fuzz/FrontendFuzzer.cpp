//===- FrontendFuzzer.cpp - libFuzzer target over the .tl frontend --------===//
//
// Feeds arbitrary bytes through the lexer, parser, semantic checks and MLIR
// generation. Errors are expected; crashes, hangs, sanitizer reports and
// invalid IR escaping the frontend are bugs.
//
//===----------------------------------------------------------------------===//

#include "frontend/Frontend.h"

#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context;
  context.disableMultithreading();
  mlir::ScopedDiagnosticHandler quiet(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  llvm::SourceMgr sourceMgr;
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.tl"),
      llvm::SMLoc());
  tilec::frontend::Frontend frontend(sourceMgr, context, {});
  if (!frontend.parseMainBuffer(id))
    return 0;
  mlir::OwningOpRef<mlir::ModuleOp> module = frontend.generate();
  // What the frontend returns must be valid IR.
  if (module && mlir::failed(mlir::verify(*module)))
    std::abort();
  return 0;
}
