//===- SourceContext.cpp - source buffers and diagnostics -----------------===//

#include "frontend/SourceContext.h"

using namespace tilec::frontend;

mlir::Location SourceContext::getLoc(llvm::SMLoc loc) {
  unsigned bufferId = sourceMgr.FindBufferContainingLoc(loc);
  if (bufferId == 0)
    return mlir::UnknownLoc::get(&context);
  auto [line, column] = sourceMgr.getLineAndColumn(loc, bufferId);
  llvm::StringRef name =
      sourceMgr.getMemoryBuffer(bufferId)->getBufferIdentifier();
  return mlir::FileLineColLoc::get(&context, name, line, column);
}

mlir::InFlightDiagnostic SourceContext::emitError(llvm::SMLoc loc) {
  return emitError(getLoc(loc));
}

mlir::InFlightDiagnostic SourceContext::emitError(mlir::Location loc) {
  if (!holding)
    ++numErrors;
  return mlir::emitError(loc);
}

SourceContext::HeldErrors::HeldErrors(SourceContext &source)
    : source(source), handler(&source.getContext(), [this](mlir::Diagnostic &diag) {
        if (diag.getSeverity() != mlir::DiagnosticSeverity::Error)
          return mlir::success(); // remarks and notes of held code: dropped too
        if (held++ == 0)
          first = diag.str();
        return mlir::success();
      }) {
  ++source.holding;
}

SourceContext::HeldErrors::~HeldErrors() { --source.holding; }
