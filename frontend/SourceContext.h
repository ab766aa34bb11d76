//===- SourceContext.h - source buffers and diagnostics ---------*- C++ -*-===//
//
// Holds the SourceMgr the frontend reads from and turns buffer positions into
// MLIR locations, so that every error of the lexer, parser and semantic
// checks is an MLIR diagnostic printed with file:line:col and a caret.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_SOURCECONTEXT_H
#define TILEC_FRONTEND_SOURCECONTEXT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"

namespace tilec::frontend {

/// The source files of one compilation and the MLIR context their
/// diagnostics go to.
class SourceContext {
public:
  SourceContext(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context)
      : sourceMgr(sourceMgr), context(context) {}

  llvm::SourceMgr &getSourceMgr() { return sourceMgr; }
  mlir::MLIRContext &getContext() { return context; }

  /// The MLIR location of a position in one of the buffers.
  mlir::Location getLoc(llvm::SMLoc loc);

  /// Reports an error at a source position and counts it.
  mlir::InFlightDiagnostic emitError(llvm::SMLoc loc);
  mlir::InFlightDiagnostic emitError(mlir::Location loc);

  /// How many errors were reported so far.
  unsigned getNumErrors() const { return numErrors; }

  /// While alive, errors are held back instead of reported: code that may
  /// be beyond tilec (a Python file's module-level host code) is tried, and
  /// the first error's message kept for where its result is used.
  class HeldErrors {
  public:
    explicit HeldErrors(SourceContext &source);
    ~HeldErrors();
    /// How many errors were held back.
    unsigned count() const { return held; }
    /// The first one's message ("" when none).
    const std::string &firstMessage() const { return first; }

  private:
    SourceContext &source;
    mlir::ScopedDiagnosticHandler handler;
    unsigned held = 0;
    std::string first;
  };

private:
  llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext &context;
  unsigned numErrors = 0;
  unsigned holding = 0; ///< live HeldErrors
};

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_SOURCECONTEXT_H
