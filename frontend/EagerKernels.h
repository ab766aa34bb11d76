//===- EagerKernels.h - TileLang's eager kernels as factories ---*- C++ -*-===//
//
// TileLang's eager form (`@tilelang.jit def f(A, B, block): A: T.Tensor(...);
// C = T.empty(...); with T.Kernel(...): ...; return C`), rewritten after
// parsing into a kernel factory that returns a `@T.prim_func`.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_EAGERKERNELS_H
#define TILEC_FRONTEND_EAGERKERNELS_H

#include "frontend/AST.h"

namespace tilec::frontend {

/// Whether `def` is an eager kernel: a `@jit` function with no
/// `@T.prim_func` inside whose body opens a `T.Kernel`.
bool isEagerKernel(const FunctionDef &def);

/// Rewrites every eager kernel of `module` into a kernel factory: tensors
/// annotated in its body and its `T.empty` outputs become the parameters
/// of a `@T.prim_func` of the same name that holds its body from the first
/// `T.Kernel` on (outputs marked as such); the statements before stay in
/// the factory, which returns the kernel.
void rewriteEagerKernels(ModuleAST &module);

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_EAGERKERNELS_H
