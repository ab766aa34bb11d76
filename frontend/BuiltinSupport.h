//===- BuiltinSupport.h - what the builtin handlers share -------*- C++ -*-===//
//
// Argument binding and message helpers for the handlers of the T.* and
// Python builtins (Builtins*.cpp). Not a public header.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_BUILTINSUPPORT_H
#define TILEC_FRONTEND_BUILTINSUPPORT_H

#include "frontend/MLIRGenImpl.h"

namespace tilec::frontend {

/// A call's arguments bound to parameter names (null where not given).
struct BoundArgs {
  llvm::SmallVector<const Expr *> values;
  bool ok = true;
  const Expr *get(size_t i) const { return values[i]; }
};

/// Binds `call`'s positional and keyword arguments to `params`, of which the
/// first `required` must be given; reports unknown, repeated, missing and
/// extra arguments at their place.
BoundArgs bindArgs(KernelGenerator &gen, const CallExpr &call, llvm::StringRef name,
                   llvm::ArrayRef<llvm::StringRef> params, size_t required);

/// Binds `call`'s one argument `param` and evaluates it (`argument`, when
/// given, is set to its expression); an error value, already reported,
/// when the call does not fit.
RValue evalSingleArgument(KernelGenerator &gen, const CallExpr &call, llvm::StringRef name,
                          llvm::StringRef param, const Expr **argument = nullptr);

/// The shape as text for messages ("a scalar", "4x?").
std::string shapeText(llvm::ArrayRef<int64_t> shape);

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_BUILTINSUPPORT_H
