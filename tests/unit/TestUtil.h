//===- TestUtil.h - compile .tl text in memory for unit tests ---*- C++ -*-===//

#ifndef TILEC_TESTS_UNIT_TESTUTIL_H
#define TILEC_TESTS_UNIT_TESTUTIL_H

#include "frontend/Frontend.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <string>
#include <vector>

namespace tilec::test {

/// One in-memory compilation: the diagnostics it produced and, when it
/// succeeded, the printed IR.
struct Compilation {
  std::vector<std::string> errors; // "line:col: message"
  std::string ir;
  bool ok = false;
};

inline Compilation compile(const std::string &source,
                           frontend::FrontendOptions options = {}) {
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  Compilation result;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diag) {
    std::string text;
    if (auto loc = mlir::dyn_cast<mlir::FileLineColLoc>(diag.getLocation()))
      text = std::to_string(loc.getLine()) + ":" + std::to_string(loc.getColumn()) + ": ";
    text += diag.str();
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      result.errors.push_back(text);
    return mlir::success();
  });
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "test.tl"), llvm::SMLoc());
  frontend::Frontend fe(sourceMgr, context, options);
  if (!fe.parseMainBuffer(id))
    return result;
  auto module = fe.generate();
  if (!module)
    return result;
  llvm::raw_string_ostream os(result.ir);
  module->print(os);
  result.ok = true;
  return result;
}

} // namespace tilec::test

#endif
