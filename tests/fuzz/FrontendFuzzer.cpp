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

/// MLIR's prebuilt libraries and this instrumented binary share LLVM's
/// header-only bump allocator: inlined here it poisons fresh slabs, inlined
/// there it does not unpoison them, and ASan then reports a false
/// use-after-poison inside MLIR. Ignoring manual poisoning removes that noise
/// and keeps every other check.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

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
