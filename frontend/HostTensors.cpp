//===- HostTensors.cpp - PyTorch tensors of module-level code -------------===//
//
// TileLang scripts often make their example tensors at module level and
// size kernels from them (`A = torch.randn(m, k, dtype=torch.float16)`,
// then `M, K = A.shape`). tilec runs that code at compile time
// (KernelGenerator::runModuleHostCode) with tensors modelled by their shape
// and dtype only: factories, arithmetic with numbers, and the methods that
// keep or reshape a tensor.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

/// A host tensor of `shape` and `dtype`.
static RValue hostTensor(ArrayRef<int64_t> shape, Type dtype) {
  RValue tensor;
  tensor.kind = RValue::Kind::HostTensor;
  tensor.dtype = dtype;
  for (int64_t extent : shape)
    tensor.elements.push_back(RValue::ofInt(extent));
  return tensor;
}

static SmallVector<int64_t> shapeOf(const RValue &tensor) {
  SmallVector<int64_t> shape;
  for (const RValue &extent : tensor.elements)
    shape.push_back(extent.intValue);
  return shape;
}

/// Sizes given as `f(2, 3)`, `f((2, 3))`, `f([2, 3])` or `size=(2, 3)`:
/// non-negative integer constants.
static std::optional<SmallVector<int64_t>> readSizes(KernelGenerator &gen,
                                                     ArrayRef<const Expr *> args, SMLoc where,
                                                     StringRef name) {
  SmallVector<int64_t> shape;
  auto take = [&](const RValue &value, SMLoc at) {
    if (!value.isConstInt() || value.intValue < 0) {
      InFlightDiagnostic diag = gen.error(at);
      diag << name << " takes sizes that are non-negative integers, got ";
      if (value.isConstInt())
        diag << value.intValue;
      else
        diag << value.describe();
      return false;
    }
    shape.push_back(value.intValue);
    return true;
  };
  for (const Expr *arg : args) {
    RValue value = gen.eval(*arg);
    if (value.isError())
      return std::nullopt;
    if (value.kind == RValue::Kind::Tuple) {
      for (const RValue &element : value.elements)
        if (!take(element, arg->getLoc()))
          return std::nullopt;
      continue;
    }
    if (!take(value, arg->getLoc()))
      return std::nullopt;
  }
  return shape;
}

/// The tensor methods hostTensorMethod models.
static const StringRef kTensorMethods[] = {
    "cuda", "cpu", "contiguous", "clone", "detach", "requires_grad_", "uniform_", "normal_",
    "zero_", "fill_", "random_", "half", "float", "bfloat16", "to", "size", "dim", "numel",
    "t", "transpose", "view", "reshape"};

bool KernelGenerator::isHostTensorMethod(StringRef name) {
  return llvm::is_contained(kTensorMethods, name);
}

bool KernelGenerator::mayBeHostTensor(const Expr &expr) {
  if (auto *name = dyn_cast<NameExpr>(&expr)) {
    const RValue *value = lookup(name->name);
    return value && value->kind == RValue::Kind::HostTensor;
  }
  auto *call = dyn_cast<CallExpr>(&expr);
  if (!call)
    return false;
  if (auto *method = dyn_cast<AttributeExpr>(call->callee.get());
      method && isHostTensorMethod(method->name))
    return mayBeHostTensor(*method->base);
  return StringRef(call->getCalleeName()).starts_with("torch.");
}

RValue KernelGenerator::hostTensorFactory(StringRef name, const CallExpr &call) {
  StringRef fn = name.drop_front(strlen("torch."));
  // The sizes: every positional argument, but randint(low, high, size)
  // takes its last one and full(size, fill_value) its first.
  SmallVector<const Expr *> sizeArgs;
  for (const ExprPtr &arg : call.args)
    sizeArgs.push_back(arg.get());
  if (fn == "randint" && !sizeArgs.empty()) {
    for (const Expr *bound : ArrayRef(sizeArgs).drop_back())
      if (eval(*bound).isError())
        return RValue::error();
    sizeArgs.erase(sizeArgs.begin(), sizeArgs.end() - 1);
  } else if (fn == "full" && sizeArgs.size() > 1) {
    if (eval(*sizeArgs[1]).isError())
      return RValue::error();
    sizeArgs.resize(1);
  }
  Type dtype = fn == "randint" ? Type(builder.getI64Type()) : Type(builder.getF32Type());
  for (const KeywordArg &kw : call.keywords) {
    if (kw.name == "size") {
      sizeArgs.assign({kw.value.get()});
    } else if (kw.name == "dtype") {
      dtype = evalDType(*kw.value);
      if (!dtype)
        return RValue::error();
    } else if (kw.name == "device" || kw.name == "requires_grad" || kw.name == "generator" ||
               kw.name == "pin_memory" || kw.name == "layout" || kw.name == "low" ||
               kw.name == "high" || kw.name == "fill_value") {
      if (eval(*kw.value).isError())
        return RValue::error();
    } else {
      error(kw.loc) << name << " has no argument '" << kw.name << "'";
      return RValue::error();
    }
  }
  std::optional<SmallVector<int64_t>> shape = readSizes(*this, sizeArgs, call.getLoc(), name);
  if (!shape)
    return RValue::error();
  return hostTensor(*shape, dtype);
}

std::optional<RValue> KernelGenerator::hostTensorMethod(const RValue &tensor, StringRef name,
                                                        const CallExpr &call) {
  SmallVector<int64_t> shape = shapeOf(tensor);
  auto rank = static_cast<int64_t>(shape.size());
  auto dimension = [&](const Expr &arg) -> std::optional<int64_t> {
    std::optional<int64_t> d = evalConstInt(arg, "a dimension");
    if (!d)
      return std::nullopt;
    int64_t at = *d < 0 ? *d + rank : *d;
    if (at < 0 || at >= rank) {
      error(arg.getLoc()) << "dimension " << *d << " is out of range for a tensor of rank "
                          << rank;
      return std::nullopt;
    }
    return at;
  };
  // Methods that keep the tensor as it is (placement, copies, grads).
  if (llvm::is_contained({"cuda", "cpu", "contiguous", "clone", "detach", "requires_grad_",
                          "uniform_", "normal_", "zero_", "fill_", "random_"},
                         name)) {
    for (const ExprPtr &arg : call.args)
      if (eval(*arg).isError())
        return RValue::error();
    return tensor;
  }
  auto converted = [&](Type dtype) { return hostTensor(shape, dtype); };
  if (name == "half")
    return converted(builder.getF16Type());
  if (name == "float")
    return converted(builder.getF32Type());
  if (name == "bfloat16")
    return converted(builder.getBF16Type());
  if (name == "to") {
    // .to(device), .to(dtype), .to(device, dtype), .to(dtype=...).
    Type dtype = tensor.dtype;
    for (const ExprPtr &arg : call.args) {
      RValue value = eval(*arg);
      if (value.isError())
        return RValue::error();
      if (value.isConst() && value.constKind == RValue::ConstKind::DType)
        dtype = value.dtype;
    }
    for (const KeywordArg &kw : call.keywords) {
      RValue value = eval(*kw.value);
      if (value.isError())
        return RValue::error();
      if (kw.name == "dtype" && value.isConst() && value.constKind == RValue::ConstKind::DType)
        dtype = value.dtype;
    }
    return converted(dtype);
  }
  if (name == "size" || name == "dim" || name == "numel") {
    if (name == "size" && call.args.size() == 1) {
      std::optional<int64_t> d = dimension(*call.args[0]);
      return d ? RValue::ofInt(shape[*d]) : RValue::error();
    }
    if (!call.args.empty()) {
      error(call.getLoc()) << name << " takes " << (name == "size" ? "at most one dimension"
                                                                   : "no arguments");
      return RValue::error();
    }
    if (name == "dim")
      return RValue::ofInt(rank);
    int64_t count = 1;
    for (int64_t extent : shape)
      count *= extent;
    if (name == "numel")
      return RValue::ofInt(count);
    RValue sizes;
    sizes.kind = RValue::Kind::Tuple;
    sizes.elements = tensor.elements;
    return sizes;
  }
  if (name == "t" || name == "transpose") {
    int64_t a = rank - 2, b = rank - 1;
    if (name == "transpose") {
      if (call.args.size() != 2) {
        error(call.getLoc()) << "transpose takes two dimensions";
        return RValue::error();
      }
      std::optional<int64_t> da = dimension(*call.args[0]), db = dimension(*call.args[1]);
      if (!da || !db)
        return RValue::error();
      a = *da, b = *db;
    }
    if (rank >= 2 || name == "transpose")
      std::swap(shape[a], shape[b]);
    return converted(tensor.dtype);
  }
  if (name == "view" || name == "reshape") {
    SmallVector<const Expr *> args;
    for (const ExprPtr &arg : call.args)
      args.push_back(arg.get());
    SmallVector<int64_t> sizes;
    int64_t inferred = -1, known = 1, count = 1;
    for (int64_t extent : shape)
      count *= extent;
    for (const Expr *arg : args) {
      RValue value = eval(*arg);
      if (value.isError())
        return RValue::error();
      SmallVector<RValue> parts =
          value.kind == RValue::Kind::Tuple ? SmallVector<RValue>(value.elements.begin(),
                                                                  value.elements.end())
                                            : SmallVector<RValue>{value};
      for (const RValue &part : parts) {
        if (!part.isConstInt() || part.intValue < -1) {
          error(arg->getLoc()) << name << " takes sizes that are integers, got "
                               << part.describe();
          return RValue::error();
        }
        if (part.intValue == -1) {
          if (inferred >= 0) {
            error(arg->getLoc()) << "only one size of " << name << " can be -1";
            return RValue::error();
          }
          inferred = sizes.size();
        } else {
          known *= part.intValue;
        }
        sizes.push_back(part.intValue);
      }
    }
    if (inferred >= 0 && known > 0 && count % known == 0)
      sizes[inferred] = count / known;
    int64_t total = 1;
    for (int64_t extent : sizes)
      total *= extent;
    if (total != count) {
      error(call.getLoc()) << "a tensor of " << count << " elements cannot be viewed as "
                           << shapeText(sizes);
      return RValue::error();
    }
    return hostTensor(sizes, tensor.dtype);
  }
  return std::nullopt;
}
