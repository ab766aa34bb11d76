//===- EagerKernels.cpp - TileLang's eager kernels as factories -----------===//
//
// TileLang's newer form of a kernel is one function that is both factory
// and kernel:
//
//   @tilelang.jit
//   def add(A, B, block):
//       M, N = T.const("M, N")
//       A: T.Tensor((M, N), T.float32)
//       B: T.Tensor((M, N), T.float32)
//       C = T.empty((M, N), T.float32)
//       with T.Kernel(T.ceildiv(M, block), threads=128) as bx:
//           ...
//       return C
//
// Its parameters annotated as tensors in the body are the kernel's, the
// others compile-time values; `T.empty` declares an output the caller
// receives. After parsing, such a function is rewritten into the factory
// form the rest of the frontend knows: the statements before the first
// T.Kernel stay in the factory (T.const binds its names there), and a
// `@T.prim_func` of the same name, taking the tensors and then the outputs,
// holds the rest and is returned.
//
//===----------------------------------------------------------------------===//

#include "frontend/EagerKernels.h"

#include "llvm/ADT/StringSet.h"

using namespace tilec::frontend;

/// Whether `stmt` is `with T.Kernel(...)` (any spelling ending in Kernel).
static bool opensKernel(const Stmt &stmt) {
  auto *with = llvm::dyn_cast<WithStmt>(&stmt);
  auto *call = with ? llvm::dyn_cast<CallExpr>(with->context.get()) : nullptr;
  return call && llvm::StringRef(call->getCalleeName()).ends_with("Kernel");
}

/// The call of `T.<name>(...)` (or `tilelang.language.<name>`) `expr` is, or null.
static CallExpr *callOf(Expr *expr, llvm::StringRef name) {
  auto *call = llvm::dyn_cast_or_null<CallExpr>(expr);
  auto *callee = call ? llvm::dyn_cast<AttributeExpr>(call->callee.get()) : nullptr;
  return callee && callee->name == name ? call : nullptr;
}

bool tilec::frontend::isEagerKernel(const FunctionDef &def) {
  if (def.hasDecorator("prim_func") || def.hasDecorator("macro") || !def.hasDecorator("jit"))
    return false;
  bool opens = false;
  for (const StmtPtr &stmt : def.body) {
    if (auto *inner = llvm::dyn_cast<FunctionDef>(stmt.get()); inner && inner->hasDecorator("prim_func"))
      return false;
    opens |= opensKernel(*stmt);
  }
  return opens;
}

void tilec::frontend::rewriteEagerKernels(ModuleAST &module) {
  for (StmtPtr &stmt : module.body) {
    auto *def = llvm::dyn_cast<FunctionDef>(stmt.get());
    if (!def || !isEagerKernel(*def))
      continue;
    StmtList factoryBody, kernelBody;
    std::vector<Param> inputs, outputs;
    bool inKernel = false;
    for (StmtPtr &part : def->body) {
      inKernel |= opensKernel(*part);
      auto *assign = llvm::dyn_cast<AssignStmt>(part.get());
      auto *name = assign && assign->chained.empty()
                       ? llvm::dyn_cast<NameExpr>(assign->target.get())
                       : nullptr;
      if (!inKernel && name && !assign->value && assign->annotation) {
        // `A: T.Tensor(shape, dtype)`: a tensor parameter.
        Param param;
        param.loc = assign->getLoc();
        param.name = name->name;
        param.annotation = std::move(assign->annotation);
        inputs.push_back(std::move(param));
        continue;
      }
      if (!inKernel && name && !assign->annotation) {
        if (CallExpr *empty = callOf(assign->value.get(), "empty")) {
          // `C = T.empty(shape, dtype)`: an output, T.Tensor(shape, dtype).
          llvm::cast<AttributeExpr>(empty->callee.get())->name = "Tensor";
          Param param;
          param.loc = assign->getLoc();
          param.name = name->name;
          param.annotation = std::move(assign->value);
          param.output = true;
          outputs.push_back(std::move(param));
          continue;
        }
      }
      if (inKernel && llvm::isa<ReturnStmt>(part.get()))
        continue; // the outputs, which the caller receives
      (inKernel ? kernelBody : factoryBody).push_back(std::move(part));
    }
    // Inputs in the order of the function's parameters; the function keeps
    // the others, its compile-time values.
    llvm::StringSet<> tensors;
    for (const Param &input : inputs)
      tensors.insert(input.name);
    std::vector<Param> kernelParams, factoryParams;
    for (Param &param : def->params) {
      if (!tensors.contains(param.name)) {
        factoryParams.push_back(std::move(param));
        continue;
      }
      for (Param &input : inputs)
        if (input.name == param.name && input.annotation)
          kernelParams.push_back(std::move(input));
    }
    for (Param &input : inputs) // annotated names that are not parameters
      if (input.annotation)
        kernelParams.push_back(std::move(input));
    for (Param &output : outputs)
      kernelParams.push_back(std::move(output));
    std::vector<ExprPtr> decorators;
    decorators.push_back(std::make_unique<AttributeExpr>(
        def->getLoc(), std::make_unique<NameExpr>(def->getLoc(), "T"), "prim_func"));
    factoryBody.push_back(std::make_unique<FunctionDef>(def->getLoc(), std::move(decorators),
                                                        def->name, std::move(kernelParams),
                                                        std::move(kernelBody)));
    factoryBody.push_back(std::make_unique<ReturnStmt>(
        def->getLoc(), std::make_unique<NameExpr>(def->getLoc(), def->name)));
    def->params = std::move(factoryParams);
    def->body = std::move(factoryBody);
  }
}
