//===- MLIRGenExpr.cpp - tile IR for expressions --------------------------===//
//
// Names, attributes, element access and regions, arithmetic with Python's
// typing rules adapted to tiles, conditionals and macro calls.
//
//===----------------------------------------------------------------------===//

#include "frontend/MLIRGenImpl.h"
#include "frontend/ConstantArithmetic.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

RValue KernelGenerator::eval(const Expr &expr) {
  switch (expr.getKind()) {
  case Expr::Kind::Name:
    return evalName(cast<NameExpr>(expr));
  case Expr::Kind::Int:
    return RValue::ofInt(cast<IntExpr>(expr).value);
  case Expr::Kind::Float:
    return RValue::ofFloat(cast<FloatExpr>(expr).value);
  case Expr::Kind::String:
    if (cast<StringExpr>(expr).formatted)
      return formatString(cast<StringExpr>(expr));
    return RValue::ofStr(cast<StringExpr>(expr).value);
  case Expr::Kind::Bool:
    return RValue::ofBool(cast<BoolExpr>(expr).value);
  case Expr::Kind::None:
    return RValue::none();
  case Expr::Kind::Attribute:
    return evalAttribute(cast<AttributeExpr>(expr));
  case Expr::Kind::Call:
    return evalCall(cast<CallExpr>(expr));
  case Expr::Kind::Subscript:
    return evalSubscript(cast<SubscriptExpr>(expr));
  case Expr::Kind::Slice:
    error(expr.getLoc()) << "a slice is only allowed inside a subscript";
    return RValue::error();
  case Expr::Kind::Binary: {
    auto &bin = cast<BinaryExpr>(expr);
    RValue lhs = eval(*bin.lhs);
    RValue rhs = eval(*bin.rhs);
    return evalBinary(bin.op, std::move(lhs), std::move(rhs), bin.getLoc());
  }
  case Expr::Kind::Unary:
    return evalUnary(cast<UnaryExpr>(expr));
  case Expr::Kind::Compare: {
    auto &cmp = cast<CompareExpr>(expr);
    RValue lhs = eval(cmp.left());
    RValue rhs = eval(*cmp.rhs);
    return evalCompare(cmp.op, std::move(lhs), std::move(rhs), cmp.getLoc());
  }
  case Expr::Kind::BoolOp:
    return evalBoolOp(cast<BoolOpExpr>(expr));
  case Expr::Kind::Tuple:
  case Expr::Kind::List: {
    RValue tuple;
    tuple.kind = RValue::Kind::Tuple;
    for (const ExprPtr &element : cast<SequenceExpr>(expr).elements) {
      RValue value = eval(*element);
      if (value.isError())
        return value;
      tuple.elements.push_back(std::move(value));
    }
    return tuple;
  }
  case Expr::Kind::Dict:
    error(expr.getLoc()) << "a dictionary is only allowed as the argument of "
                            "T.annotate_layout";
    return RValue::error();
  case Expr::Kind::IfElse: {
    auto &ie = cast<IfElseExpr>(expr);
    return evalSelect(*ie.cond, *ie.thenValue, *ie.elseValue, ie.getLoc());
  }
  case Expr::Kind::Comprehension:
    return evalComprehension(cast<ComprehensionExpr>(expr));
  case Expr::Kind::Lambda:
    error(expr.getLoc()) << "a lambda is only allowed as the index map of T.Layout or "
                            "T.Fragment";
    return RValue::error();
  }
  return RValue::error();
}

/// A float as Python's str() writes it: the shortest digits that read back
/// as the same double, with ".0" on integral values.
static std::string pythonFloatText(double value) {
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  if (std::isnan(value))
    return "nan";
  char buffer[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  std::string text(buffer);
  if (text.find_first_of(".en") == std::string::npos)
    text += ".0";
  return text;
}

/// A compile-time constant as Python's str() writes it.
static std::string pythonText(const RValue &value) {
  switch (value.constKind) {
  case RValue::ConstKind::Int: return std::to_string(value.intValue);
  case RValue::ConstKind::Bool: return value.intValue ? "True" : "False";
  case RValue::ConstKind::Float: return pythonFloatText(value.floatValue);
  case RValue::ConstKind::Str: return value.str;
  case RValue::ConstKind::DType: return dtypeName(value.dtype);
  }
  return "";
}

RValue KernelGenerator::formatString(const StringExpr &literal) {
  const std::string &text = literal.value;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out += c; // {{ and }}
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    size_t close = text.find('}', i);
    if (close == std::string::npos) {
      error(literal.getLoc()) << "f-string: a '{' without its '}'";
      return RValue::error();
    }
    StringRef field = StringRef(text).slice(i + 1, close).trim();
    i = close;
    auto [nameAndConversion, spec] = field.split(':');
    StringRef name = nameAndConversion.split('!').first.trim();
    const RValue *value = lookup(name);
    bool identifier = !name.empty() && (llvm::isAlpha(name[0]) || name[0] == '_') &&
                      llvm::all_of(name, [](char ch) { return llvm::isAlnum(ch) || ch == '_'; });
    if (!identifier || !value || !value->isConst()) {
      error(literal.getLoc()) << "f-string fields are names of compile-time values; '{"
                              << field << "}' is not";
      return RValue::error();
    }
    std::string piece;
    llvm::raw_string_ostream os(piece);
    int precision = -1;
    if (spec.consume_front(".") && !spec.empty() && !spec.drop_back().getAsInteger(10, precision) &&
        StringRef("fFeEgG").contains(spec.back()))
      spec = spec.take_back();
    if (value->constKind == RValue::ConstKind::Float && precision >= 0)
      os << llvm::format(spec == "f" || spec == "F"   ? "%.*f"
                         : spec == "e" || spec == "E" ? "%.*e"
                                                      : "%.*g",
                         precision, value->floatValue);
    else
      os << pythonText(*value);
    out += piece;
  }
  return RValue::ofStr(std::move(out));
}

std::optional<std::vector<RValue>> KernelGenerator::constantIterable(const Expr &iterable) {
  // range(stop), range(start, stop[, step]) of compile-time integers.
  if (auto *call = dyn_cast<CallExpr>(&iterable); call && call->getCalleeName() == "range") {
    std::vector<int64_t> bounds;
    for (const ExprPtr &arg : call->args) {
      std::optional<int64_t> value = evalConstInt(*arg, "a compile-time range bound");
      if (!value)
        return std::nullopt;
      bounds.push_back(*value);
    }
    if (bounds.empty() || bounds.size() > 3 || !call->keywords.empty() ||
        (bounds.size() == 3 && bounds[2] == 0)) {
      error(call->getLoc()) << "range takes 1 to 3 integers, the step not 0";
      return std::nullopt;
    }
    int64_t start = bounds.size() > 1 ? bounds[0] : 0;
    int64_t stop = bounds.size() > 1 ? bounds[1] : bounds[0];
    int64_t step = bounds.size() == 3 ? bounds[2] : 1;
    std::vector<RValue> values;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (values.size() >= 65536) {
        error(call->getLoc()) << "a compile-time range of more than 65536 values";
        return std::nullopt;
      }
      values.push_back(RValue::ofInt(i));
    }
    return values;
  }
  RValue value = eval(iterable);
  if (value.isError())
    return std::nullopt;
  // A string's characters (a dtype is its name, as TileLang's are str).
  if (std::optional<std::string> text = textOf(value)) {
    std::vector<RValue> characters;
    for (char c : *text)
      characters.push_back(RValue::ofStr(std::string(1, c)));
    return characters;
  }
  if (value.kind != RValue::Kind::Tuple) {
    error(iterable.getLoc()) << "a compile-time loop runs over a tuple, a list or range() of "
                                "constants, not " << value.describe();
    return std::nullopt;
  }
  return value.elements;
}

bool KernelGenerator::bindTargets(ArrayRef<std::pair<SMLoc, std::string>> targets,
                                  const RValue &value, SMLoc where) {
  if (targets.size() == 1) {
    scopes.back().names[targets[0].second] = value;
    return true;
  }
  if (value.kind != RValue::Kind::Tuple || value.elements.size() != targets.size()) {
    error(where) << "cannot unpack " << value.describe() << " into " << targets.size()
                 << " names";
    return false;
  }
  for (auto [target, element] : llvm::zip(targets, value.elements))
    scopes.back().names[target.second] = element;
  return true;
}

RValue KernelGenerator::evalComprehension(const ComprehensionExpr &expr) {
  std::optional<std::vector<RValue>> items = constantIterable(*expr.iterable);
  if (!items)
    return RValue::error();
  RValue result;
  result.kind = RValue::Kind::Tuple;
  for (const RValue &item : *items) {
    pushScope(false);
    llvm::scope_exit pop([&] { popScope(); });
    if (!bindTargets(expr.targets, item, expr.iterable->getLoc()))
      return RValue::error();
    if (expr.condition) {
      std::optional<bool> keep = evalConstBool(*expr.condition, "a comprehension's condition");
      if (!keep)
        return RValue::error();
      if (!*keep)
        continue;
    }
    RValue element = eval(*expr.element);
    if (element.isError())
      return element;
    result.elements.push_back(std::move(element));
  }
  return result;
}

RValue KernelGenerator::evalName(const NameExpr &expr) {
  const RValue *value = lookup(expr.name);
  if (!value) {
    error(expr.getLoc()) << "name '" << expr.name << "' is not defined";
    return RValue::error();
  }
  if (value->kind == RValue::Kind::Var)
    return readVar(*value, expr.getLoc());
  if (value->kind == RValue::Kind::HostOnly) {
    error(expr.getLoc()) << "'" << expr.name << "' " << value->str;
    return RValue::error();
  }
  return *value;
}

RValue KernelGenerator::evalAttribute(const AttributeExpr &expr) {
  RValue base = eval(*expr.base);
  if (base.isError())
    return base;
  switch (base.kind) {
  case RValue::Kind::Namespace: {
    if (base.str == kDeviceProperties) {
      // torch.cuda.get_device_properties(0): major, minor, SM count.
      static const StringRef fields[] = {"major", "minor", "multi_processor_count"};
      for (auto [field, value] : llvm::zip(fields, base.elements))
        if (expr.name == field) {
          if (value.isConstInt() && value.intValue >= 0)
            return value;
          error(expr.getLoc()) << "the " << field << " of target '" << options.target
                               << "' is not known; set the value in the program";
          return RValue::error();
        }
      error(expr.getLoc()) << "the device properties of the target have 'major', 'minor' "
                              "and 'multi_processor_count', not '"
                           << expr.name << "'";
      return RValue::error();
    }
    std::string path = tileLangNamespace(base.str + "." + expr.name);
    if (base.str == "T")
      if (Type dtype = parseDType(*ctx, expr.name))
        return RValue::ofDType(dtype);
    // PyTorch's dtypes (torch.float16, torch.half, torch.long, ...): the
    // dtype table's names and aliases.
    if (base.str == "torch")
      if (Type dtype = parseDType(*ctx, expr.name))
        return RValue::ofDType(dtype);
    if (base.str == "math") {
      if (expr.name == "pi")
        return RValue::ofFloat(M_PI);
      if (expr.name == "e")
        return RValue::ofFloat(M_E);
      if (expr.name == "tau")
        return RValue::ofFloat(2 * M_PI);
      if (expr.name == "inf")
        return RValue::ofFloat(INFINITY);
    }
    return RValue::ofNamespace(path);
  }
  case RValue::Kind::Module: {
    auto found = base.module->globals.find(expr.name);
    if (found == base.module->globals.end()) {
      error(expr.getLoc()) << "module '" << base.module->path
                           << "' has no name '" << expr.name << "'";
      return RValue::error();
    }
    return found->second;
  }
  case RValue::Kind::Buffer: {
    tile::BufferType type = base.getBufferType();
    if (expr.name == "dtype")
      return RValue::ofDType(type.getElementType());
    if (expr.name == "data") // TileLang's handle of a tensor's storage
      return base;
    if (expr.name == "shape") {
      RValue shape;
      shape.kind = RValue::Kind::Tuple;
      for (auto [i, dim] : llvm::enumerate(type.getShape())) {
        if (!ShapedType::isDynamic(dim)) {
          shape.elements.push_back(RValue::ofInt(dim));
          continue;
        }
        shape.elements.push_back(RValue::ofScalar(tile::DimOp::create(
            builder, loc(expr.getLoc()), builder.getIndexType(), base.value,
            builder.getI64IntegerAttr(i))));
      }
      return shape;
    }
    error(expr.getLoc()) << "a buffer has no attribute '" << expr.name
                         << "'; it has 'shape', 'dtype' and 'data'";
    return RValue::error();
  }
  case RValue::Kind::HostTensor: {
    if (expr.name == "shape") {
      RValue shape;
      shape.kind = RValue::Kind::Tuple;
      shape.elements = base.elements;
      return shape;
    }
    if (expr.name == "dtype")
      return RValue::ofDType(base.dtype);
    if (expr.name == "ndim")
      return RValue::ofInt(base.elements.size());
    if (expr.name == "T" || expr.name == "mT") {
      if (base.elements.size() >= 2)
        std::swap(base.elements[base.elements.size() - 2], base.elements.back());
      return base;
    }
    error(expr.getLoc()) << "tilec knows a PyTorch tensor of module-level code by its "
                            "'shape', 'dtype' and 'ndim' (and .T), not '"
                         << expr.name << "'";
    return RValue::error();
  }
  case RValue::Kind::Const:
    // A dtype's width, as TVM's DataType(dtype).bits (T.float16.bits).
    if (base.constKind == RValue::ConstKind::DType && expr.name == "bits" &&
        base.dtype.isIntOrFloat())
      return RValue::ofInt(base.dtype.getIntOrFloatBitWidth());
    // (A dtype given by its name, -D dtype=float16, is a dtype all the same.)
    if (base.constKind == RValue::ConstKind::Str && expr.name == "bits")
      if (Type dtype = parseDType(*ctx, base.str); dtype && dtype.isIntOrFloat())
        return RValue::ofInt(dtype.getIntOrFloatBitWidth());
    break;
  case RValue::Kind::Scalar:
    // A runtime value's type, as TileLang's PrimExpr.dtype (an index is
    // TileLang's int32 loop variable): a uint8 element read from memory is
    // a uint8, although it computes in an i32.
    if (expr.name == "dtype") {
      if (base.declared)
        return RValue::ofDType(base.declared);
      Type type = base.value.getType();
      return RValue::ofDType(type.isIndex() ? builder.getI32Type() : type);
    }
    break;
  default:
    break;
  }
  error(expr.getLoc()) << base.describe() << " has no attribute '" << expr.name << "'";
  return RValue::error();
}

//===----------------------------------------------------------------------===//
// Element access and regions
//===----------------------------------------------------------------------===//

namespace {
/// An integer expression as a sum of terms times coefficients, to see that
/// the extent of `a*64:(a+1)*64` is the constant 64. Terms that are not
/// names (calls, loads) are keyed by their printed form: within a statement
/// the same text denotes the same value.
struct LinearForm {
  std::map<std::string, int64_t> terms;
  int64_t constant = 0;
  bool valid = true;

  LinearForm &add(const LinearForm &other, int64_t sign) {
    valid &= other.valid;
    constant += sign * other.constant;
    for (const auto &[term, coeff] : other.terms)
      terms[term] += sign * coeff;
    return *this;
  }
  bool isConstant() const {
    return valid && llvm::all_of(terms, [](const auto &t) { return t.second == 0; });
  }
};
} // namespace

/// Builds the linear form of `expr`; constants come from `lookupConst`.
static LinearForm linearize(const Expr &expr,
                            llvm::function_ref<std::optional<int64_t>(StringRef)>
                                lookupConst) {
  LinearForm form;
  auto opaque = [&]() {
    std::string text;
    llvm::raw_string_ostream os(text);
    dumpExpr(expr, os);
    form.terms[text] = 1;
    return form;
  };
  switch (expr.getKind()) {
  case Expr::Kind::Int:
    form.constant = cast<IntExpr>(expr).value;
    return form;
  case Expr::Kind::Name: {
    if (std::optional<int64_t> value = lookupConst(cast<NameExpr>(expr).name)) {
      form.constant = *value;
      return form;
    }
    return opaque();
  }
  case Expr::Kind::Unary: {
    auto &un = cast<UnaryExpr>(expr);
    if (un.op != UnaryOp::Neg && un.op != UnaryOp::Plus)
      return opaque();
    LinearForm inner = linearize(*un.operand, lookupConst);
    return LinearForm().add(inner, un.op == UnaryOp::Neg ? -1 : 1);
  }
  case Expr::Kind::Binary: {
    auto &bin = cast<BinaryExpr>(expr);
    LinearForm lhs = linearize(*bin.lhs, lookupConst);
    LinearForm rhs = linearize(*bin.rhs, lookupConst);
    if (bin.op == BinaryOp::Add)
      return lhs.add(rhs, 1);
    if (bin.op == BinaryOp::Sub)
      return lhs.add(rhs, -1);
    // Integer arithmetic of two constants (`dim // 2`, shifts, bit
    // operations), as Python does it.
    bool divides = bin.op == BinaryOp::FloorDiv || bin.op == BinaryOp::Mod;
    if (lhs.isConstant() && rhs.isConstant() && bin.op != BinaryOp::Mul &&
        bin.op != BinaryOp::Pow && !(divides && rhs.constant == 0))
      if (std::optional<int64_t> value = foldInteger(bin.op, lhs.constant, rhs.constant)) {
        LinearForm result;
        result.constant = *value;
        return result;
      }
    if (bin.op == BinaryOp::Mul) {
      const LinearForm *scalar = lhs.isConstant() ? &lhs : rhs.isConstant() ? &rhs : nullptr;
      const LinearForm *other = scalar == &lhs ? &rhs : &lhs;
      if (!scalar)
        return opaque();
      LinearForm result;
      result.valid = other->valid;
      result.constant = other->constant * scalar->constant;
      for (const auto &[term, coeff] : other->terms)
        result.terms[term] = coeff * scalar->constant;
      return result;
    }
    return opaque();
  }
  default:
    return opaque();
  }
}

bool KernelGenerator::isStartOnlySubscript(const Expr &expr) {
  auto *subscript = dyn_cast<SubscriptExpr>(&expr);
  if (!subscript)
    return false;
  auto *name = dyn_cast<NameExpr>(subscript->base.get());
  if (!name)
    return false;
  const RValue *base = lookup(name->name);
  if (!base || !base->isBuffer())
    return false;
  return llvm::none_of(subscript->indices,
                       [](const ExprPtr &e) { return isa<SliceExpr>(e.get()); });
}

/// `value` as a sum of constant multiples of opaque values plus a constant,
/// through the integer arithmetic the frontend emits for index expressions.
static void linearizeValue(Value value, int64_t scale, llvm::MapVector<Value, int64_t> &terms,
                           int64_t &constant, unsigned depth = 0) {
  if (std::optional<int64_t> c = getConstantIntValue(value)) {
    constant += scale * *c;
    return;
  }
  Operation *def = value.getDefiningOp();
  if (def && depth < 16) {
    if (isa<arith::IndexCastOp, arith::ExtSIOp>(def))
      return linearizeValue(def->getOperand(0), scale, terms, constant, depth + 1);
    if (isa<arith::AddIOp, arith::SubIOp>(def)) {
      linearizeValue(def->getOperand(0), scale, terms, constant, depth + 1);
      linearizeValue(def->getOperand(1), isa<arith::SubIOp>(def) ? -scale : scale, terms,
                     constant, depth + 1);
      return;
    }
    if (isa<arith::MulIOp>(def)) {
      if (std::optional<int64_t> c = getConstantIntValue(def->getOperand(1)))
        return linearizeValue(def->getOperand(0), scale * *c, terms, constant, depth + 1);
      if (std::optional<int64_t> c = getConstantIntValue(def->getOperand(0)))
        return linearizeValue(def->getOperand(1), scale * *c, terms, constant, depth + 1);
    }
  }
  terms[value] += scale;
}

std::optional<int64_t> KernelGenerator::constantDifference(Value upper, Value lower) {
  llvm::MapVector<Value, int64_t> terms;
  int64_t constant = 0;
  linearizeValue(upper, 1, terms, constant);
  linearizeValue(lower, -1, terms, constant);
  if (llvm::any_of(terms, [](const auto &term) { return term.second != 0; }))
    return std::nullopt;
  return constant;
}

RValue KernelGenerator::makeRegion(const SubscriptExpr &expr, RValue base,
                                   std::optional<ArrayRef<int64_t>> extentHint) {
  tile::BufferType type = base.getBufferType();
  ArrayRef<int64_t> shape = type.getShape();
  size_t rank = shape.size();
  if (expr.indices.size() != rank) {
    error(expr.getLoc()) << "a rank-" << rank << " buffer needs " << rank
                         << " indices, got " << expr.indices.size();
    return RValue::error();
  }
  auto lookupConst = [&](StringRef name) -> std::optional<int64_t> {
    const RValue *value = lookup(name);
    if (value && value->isConstInt())
      return value->intValue;
    return std::nullopt;
  };
  SmallVector<Value> offsets;
  SmallVector<int64_t> sizes;
  SmallVector<int64_t> resultShape;
  for (auto [dim, indexExpr] : llvm::enumerate(expr.indices)) {
    auto *slice = dyn_cast<SliceExpr>(indexExpr.get());
    if (!slice) {
      Value offset = toIndex(eval(*indexExpr), indexExpr->getLoc());
      if (!offset)
        return RValue::error();
      offsets.push_back(offset);
      sizes.push_back(1);
      continue;
    }
    if (slice->step) {
      RValue step = eval(*slice->step);
      if (!step.isConstInt() || step.intValue != 1) {
        error(slice->step->getLoc()) << "strided slices are not supported";
        return RValue::error();
      }
    }
    Value offset = slice->lower ? toIndex(eval(*slice->lower), slice->lower->getLoc())
                                : materialize(RValue::ofInt(0), slice->getLoc());
    if (!offset)
      return RValue::error();
    int64_t extent;
    if (slice->upper) {
      LinearForm diff = linearize(*slice->upper, lookupConst);
      if (slice->lower)
        diff.add(linearize(*slice->lower, lookupConst), -1);
      // Bounds held in names (`kv_start:kv_end` with kv_end = kv_start +
      // block_N): the difference of the values they name.
      if (!diff.isConstant()) {
        Value upper = toIndex(eval(*slice->upper), slice->upper->getLoc());
        if (!upper)
          return RValue::error();
        if (std::optional<int64_t> difference = constantDifference(upper, offset)) {
          diff = LinearForm();
          diff.constant = *difference;
        }
      }
      if (!diff.isConstant()) {
        error(slice->getLoc())
            << "the extent of this slice must be a compile-time constant "
               "(upper - lower did not simplify to a number)";
        return RValue::error();
      }
      extent = diff.constant;
    } else {
      if (ShapedType::isDynamic(shape[dim])) {
        error(slice->getLoc())
            << "an open slice ':' needs a constant extent, but dimension " << dim
            << " is bound at launch";
        return RValue::error();
      }
      int64_t lower = 0;
      if (slice->lower) {
        LinearForm low = linearize(*slice->lower, lookupConst);
        if (!low.isConstant()) {
          error(slice->getLoc()) << "the extent of this slice must be a "
                                    "compile-time constant";
          return RValue::error();
        }
        lower = low.constant;
      }
      extent = shape[dim] - lower;
    }
    if (extent <= 0) {
      error(slice->getLoc()) << "slice extent must be positive, got " << extent;
      return RValue::error();
    }
    // A window of a tensor may be longer than the dimension (TileLang's
    // `Q[b, h * g : h * g + block_H, :]` with block_H above the heads): the
    // copies clip it, element accesses past the end are guarded. On-chip
    // buffers hold no more than their shape.
    bool tensor = type.getScope() == tile::MemoryScope::Global;
    if (!tensor && !ShapedType::isDynamic(shape[dim]) && extent > shape[dim]) {
      error(slice->getLoc()) << "slice extent " << extent
                             << " exceeds dimension " << dim << " of extent "
                             << shape[dim];
      return RValue::error();
    }
    offsets.push_back(offset);
    sizes.push_back(extent);
    resultShape.push_back(extent);
  }
  if (extentHint) {
    // Start-only region: the extents come from the other operand, aligned to
    // the trailing dimensions.
    SmallVector<int64_t> hint(extentHint->begin(), extentHint->end());
    if (hint.size() > rank)
      llvm::erase(hint, 1);
    if (hint.size() > rank) {
      error(expr.getLoc()) << "a region of a rank-" << rank
                           << " buffer cannot hold a tile of rank "
                           << extentHint->size();
      return RValue::error();
    }
    for (size_t i = 0; i < rank; ++i)
      sizes[i] = i < rank - hint.size() ? 1 : hint[i - (rank - hint.size())];
    // (As with slices, a tile may reach past a tensor's end: copies clip.)
    for (size_t i = 0; i < rank; ++i)
      if (type.getScope() != tile::MemoryScope::Global && !ShapedType::isDynamic(shape[i]) &&
          sizes[i] > shape[i]) {
        error(expr.getLoc()) << "the copied tile (extent " << sizes[i]
                             << ") does not fit in dimension " << i
                             << " of extent " << shape[i];
        return RValue::error();
      }
    resultShape.assign(hint.begin(), hint.end());
  }
  auto region = tile::RegionOp::create(builder, loc(expr.getLoc()), base.value, offsets, sizes,
                                       resultShape);
  Value result = region.getResult();
  if (!verifyNow(region))
    return RValue::error();
  return RValue::ofBuffer(result);
}

/// `{key: value, ...}[key]` on compile-time keys: a table of constants
/// (TileLang programs pick sizes by dtype this way).
RValue KernelGenerator::evalDictLookup(const DictExpr &dict, const SubscriptExpr &expr) {
  if (expr.indices.size() != 1 || isa<SliceExpr>(expr.indices[0].get())) {
    error(expr.getLoc()) << "a dictionary takes one key";
    return RValue::error();
  }
  RValue key = eval(*expr.indices[0]);
  if (key.isError())
    return key;
  if (!key.isConst()) {
    error(expr.indices[0]->getLoc())
        << "a dictionary's key must be a compile-time constant, got " << key.describe();
    return RValue::error();
  }
  const Expr *found = nullptr; // as in Python, the last of equal keys wins
  for (auto [candidateExpr, valueExpr] : llvm::zip(dict.keys, dict.values)) {
    RValue candidate = eval(*candidateExpr);
    if (candidate.isError())
      return candidate;
    if (!candidate.isConst()) {
      error(candidateExpr->getLoc()) << "a dictionary's keys must be compile-time constants";
      return RValue::error();
    }
    RValue same = evalCompare(CompareOp::Eq, candidate, key, candidateExpr->getLoc());
    if (same.isError())
      return same;
    if (same.isConst() && same.intValue)
      found = valueExpr.get();
  }
  if (found)
    return eval(*found);
  std::string quote = key.constKind == RValue::ConstKind::Str ? "'" : "";
  error(expr.indices[0]->getLoc())
      << "key " << quote << pythonText(key) << quote << " is not in the dictionary";
  return RValue::error();
}

RValue KernelGenerator::evalSubscript(const SubscriptExpr &expr) {
  if (auto *dict = dyn_cast<DictExpr>(expr.base.get()))
    return evalDictLookup(*dict, expr);
  RValue base = eval(*expr.base);
  if (base.isError())
    return base;
  if (base.kind == RValue::Kind::Tuple) {
    if (expr.indices.size() != 1) {
      error(expr.getLoc()) << "a tuple takes one index";
      return RValue::error();
    }
    if (auto *slice = dyn_cast<SliceExpr>(expr.indices[0].get())) {
      // xs[a:b] (constant bounds, Python's clamping and negative ends).
      int64_t size = static_cast<int64_t>(base.elements.size());
      auto bound = [&](const ExprPtr &e, int64_t fallback) -> std::optional<int64_t> {
        if (!e)
          return fallback;
        std::optional<int64_t> v = evalConstInt(*e, "a tuple slice bound");
        if (!v)
          return std::nullopt;
        int64_t at = *v < 0 ? *v + size : *v;
        return std::clamp<int64_t>(at, 0, size);
      };
      std::optional<int64_t> lower = bound(slice->lower, 0), upper = bound(slice->upper, size);
      if (!lower || !upper)
        return RValue::error();
      if (slice->step) {
        error(slice->step->getLoc()) << "a tuple slice takes no step";
        return RValue::error();
      }
      RValue part;
      part.kind = RValue::Kind::Tuple;
      for (int64_t i = *lower; i < *upper; ++i)
        part.elements.push_back(base.elements[i]);
      return part;
    }
    RValue index = eval(*expr.indices[0]);
    if (!index.isConstInt()) {
      error(expr.indices[0]->getLoc()) << "a tuple index must be a constant";
      return RValue::error();
    }
    int64_t i = index.intValue < 0 ? index.intValue + base.elements.size()
                                   : index.intValue;
    if (i < 0 || i >= static_cast<int64_t>(base.elements.size())) {
      error(expr.indices[0]->getLoc()) << "tuple index " << index.intValue
                                       << " out of range";
      return RValue::error();
    }
    return base.elements[i];
  }
  if (!base.isBuffer()) {
    error(expr.base->getLoc()) << "cannot index " << base.describe();
    return RValue::error();
  }
  bool hasSlice = llvm::any_of(expr.indices, [](const ExprPtr &e) {
    return isa<SliceExpr>(e.get());
  });
  if (hasSlice)
    return makeRegion(expr, base, std::nullopt);
  tile::BufferType type = base.getBufferType();
  if (expr.indices.size() != type.getShape().size()) {
    error(expr.getLoc()) << "a rank-" << type.getShape().size()
                         << " buffer needs " << type.getShape().size()
                         << " indices, got " << expr.indices.size();
    return RValue::error();
  }
  SmallVector<RValue> indexValues;
  for (const ExprPtr &indexExpr : expr.indices) {
    indexValues.push_back(eval(*indexExpr));
    if (indexValues.back().isError())
      return RValue::error();
  }
  if (llvm::any_of(indexValues, [](const RValue &v) { return v.isBlockValue(); }))
    return readOverRange(expr, base, indexValues);
  SmallVector<Value> indices;
  for (auto [indexExpr, indexValue] : llvm::zip(expr.indices, indexValues)) {
    Value index = toIndex(indexValue, indexExpr->getLoc());
    if (!index)
      return RValue::error();
    indices.push_back(index);
  }
  if (!checkInLaunch(expr.getLoc(), "reads of buffer elements"))
    return RValue::error();
  return RValue::ofScalar(tile::LoadOp::create(builder, loc(expr.getLoc()),
                                               tile::scalarTypeOf(type.getElementType()),
                                               base.value, indices),
                          type.getElementType());
}

RValue KernelGenerator::evalTileOperand(const Expr &expr,
                                        std::optional<ArrayRef<int64_t>> extentHint) {
  if (extentHint && isStartOnlySubscript(expr)) {
    auto &subscript = cast<SubscriptExpr>(expr);
    RValue base = eval(*subscript.base);
    return makeRegion(subscript, base, extentHint);
  }
  RValue value = eval(expr);
  if (value.isError() || value.isBuffer())
    return value;
  error(expr.getLoc()) << "expected a buffer or a region of one, got "
                       << value.describe();
  return RValue::error();
}

//===----------------------------------------------------------------------===//
// Arithmetic
//===----------------------------------------------------------------------===//

RValue KernelGenerator::evalBinary(BinaryOp op, RValue lhs, RValue rhs, SMLoc where) {
  if (lhs.isError() || rhs.isError())
    return RValue::error();
  if (lhs.kind == RValue::Kind::Var)
    lhs = readVar(lhs, where);
  if (rhs.kind == RValue::Kind::Var)
    rhs = readVar(rhs, where);
  if (lhs.isBlockValue() || rhs.isBlockValue())
    return intervalBinary(op, lhs, rhs, where);
  // A PyTorch tensor of module-level code with numbers (`torch.rand(m, k)
  // * 2 - 1`): a tensor of the same shape and dtype.
  bool lhsTensor = lhs.kind == RValue::Kind::HostTensor,
       rhsTensor = rhs.kind == RValue::Kind::HostTensor;
  if (lhsTensor || rhsTensor) {
    const RValue &tensor = lhsTensor ? lhs : rhs, &other = lhsTensor ? rhs : lhs;
    bool sameShape = other.kind == RValue::Kind::HostTensor && other.elements.size() ==
                         tensor.elements.size() &&
                     llvm::all_of(llvm::zip(other.elements, tensor.elements), [](auto pair) {
                       return std::get<0>(pair).intValue == std::get<1>(pair).intValue;
                     });
    bool elementwise = op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul ||
                       op == BinaryOp::Div || op == BinaryOp::FloorDiv ||
                       op == BinaryOp::Mod || op == BinaryOp::Pow;
    if (elementwise && (other.isConstNumber() || sameShape))
      return tensor;
    error(where) << "tilec models PyTorch tensors of module-level code by shape: element-wise "
                    "arithmetic with numbers or tensors of the same shape only";
    return RValue::error();
  }
  // Tuples and lists: `a + b` joins them, `[x] * n` repeats one (n a
  // compile-time integer), as in Python.
  bool lhsTuple = lhs.kind == RValue::Kind::Tuple, rhsTuple = rhs.kind == RValue::Kind::Tuple;
  if (op == BinaryOp::Add && lhsTuple && rhsTuple) {
    lhs.elements.insert(lhs.elements.end(), rhs.elements.begin(), rhs.elements.end());
    return lhs;
  }
  if (op == BinaryOp::Mul && lhsTuple != rhsTuple) {
    const RValue &tuple = lhsTuple ? lhs : rhs, &count = lhsTuple ? rhs : lhs;
    if (!count.isConstInt()) {
      error(where) << "a tuple is repeated a compile-time number of times, not "
                   << count.describe();
      return RValue::error();
    }
    if (count.intValue > 0 && tuple.elements.size() * uint64_t(count.intValue) > 65536) {
      error(where) << "a tuple of more than 65536 elements";
      return RValue::error();
    }
    RValue repeated;
    repeated.kind = RValue::Kind::Tuple;
    for (int64_t i = 0; i < count.intValue; ++i)
      repeated.elements.insert(repeated.elements.end(), tuple.elements.begin(),
                               tuple.elements.end());
    return repeated;
  }
  // Strings join with + (a dtype's name built from parts).
  auto isStr = [](const RValue &v) { return v.isConst() && v.constKind == RValue::ConstKind::Str; };
  if (op == BinaryOp::Add && isStr(lhs) && isStr(rhs))
    return RValue::ofStr(lhs.str + rhs.str);
  for (const RValue *operand : {&lhs, &rhs})
    if (operand->kind != RValue::Kind::Scalar && !operand->isConstNumber()) {
      error(where) << "operator '" << binaryOpSpelling(op)
                   << "' needs numbers, got " << operand->describe();
      return RValue::error();
    }

  // Constant folding, with Python's semantics.
  if (lhs.isConst() && rhs.isConst()) {
    bool isFloat = lhs.constKind == RValue::ConstKind::Float ||
                   rhs.constKind == RValue::ConstKind::Float;
    double lf = lhs.constKind == RValue::ConstKind::Float ? lhs.floatValue
                                                          : double(lhs.intValue);
    double rf = rhs.constKind == RValue::ConstKind::Float ? rhs.floatValue
                                                          : double(rhs.intValue);
    int64_t li = lhs.intValue, ri = rhs.intValue;
    bool divides = op == BinaryOp::Div || op == BinaryOp::FloorDiv ||
                   op == BinaryOp::Mod;
    if (divides && rf == 0) {
      error(where) << "division by zero in a constant expression";
      return RValue::error();
    }
    bool bitwise = op == BinaryOp::BitAnd || op == BinaryOp::BitOr ||
                   op == BinaryOp::BitXor || op == BinaryOp::Shl || op == BinaryOp::Shr;
    if (isFloat && bitwise) {
      error(where) << "operator '" << binaryOpSpelling(op) << "' needs integers";
      return RValue::error();
    }
    if ((op == BinaryOp::Shl || op == BinaryOp::Shr) && ri < 0) {
      error(where) << "negative shift amount " << ri;
      return RValue::error();
    }
    switch (op) {
    case BinaryOp::Add: if (isFloat) return RValue::ofFloat(lf + rf); break;
    case BinaryOp::Sub: if (isFloat) return RValue::ofFloat(lf - rf); break;
    case BinaryOp::Mul: if (isFloat) return RValue::ofFloat(lf * rf); break;
    case BinaryOp::Div: return RValue::ofFloat(lf / rf);
    case BinaryOp::FloorDiv:
      if (isFloat)
        return RValue::ofFloat(std::floor(lf / rf));
      break;
    case BinaryOp::Mod:
      if (isFloat)
        return RValue::ofFloat(lf - std::floor(lf / rf) * rf);
      break;
    case BinaryOp::Pow:
      if (isFloat || ri < 0)
        return RValue::ofFloat(std::pow(lf, rf));
      break;
    default: break;
    }
    // Python's integers have no bound; tilec's constants are int64.
    std::optional<int64_t> folded = foldInteger(op, li, ri);
    if (!folded) {
      error(where) << "the constant " << li << " " << binaryOpSpelling(op) << " " << ri
                   << " does not fit in a 64-bit integer";
      return RValue::error();
    }
    return RValue::ofInt(*folded);
  }

  // Runtime arithmetic: find the common type.
  Type lt = scalarType(lhs), rt = scalarType(rhs);
  auto constType = [&](const RValue &c, Type other) -> Type {
    if (c.constKind == RValue::ConstKind::Float && !isa<FloatType>(other))
      return builder.getF32Type();
    return other;
  };
  Type common = lt && rt ? unifyTypes(lt, rt) : lt ? constType(rhs, lt) : constType(lhs, rt);
  if (common.isInteger(1) && op != BinaryOp::BitAnd && op != BinaryOp::BitOr &&
      op != BinaryOp::BitXor)
    common = builder.getI32Type();
  if (op == BinaryOp::Div && !isa<FloatType>(common))
    common = builder.getF32Type(); // true division, as in Python
  auto [a, b] = operandsAs(lhs, rhs, common, where);
  if (!a || !b)
    return RValue::error();
  Location l = loc(where);
  bool isFloat = isa<FloatType>(common);
  // A multiply feeding an add may become one fused multiply-add (one
  // rounding), as nvcc and Triton allow by default.
  auto contract = arith::FastMathFlags::contract;
  if (!options.fpContract)
    contract = arith::FastMathFlags::none;
  Value result;
  switch (op) {
  case BinaryOp::Add:
    result = isFloat ? Value(arith::AddFOp::create(builder, l, a, b, contract))
                     : Value(arith::AddIOp::create(builder, l, a, b));
    break;
  case BinaryOp::Sub:
    result = isFloat ? Value(arith::SubFOp::create(builder, l, a, b, contract))
                     : Value(arith::SubIOp::create(builder, l, a, b));
    break;
  case BinaryOp::Mul:
    result = isFloat ? Value(arith::MulFOp::create(builder, l, a, b, contract))
                     : Value(arith::MulIOp::create(builder, l, a, b));
    break;
  case BinaryOp::Div:
    result = arith::DivFOp::create(builder, l, a, b);
    break;
  case BinaryOp::FloorDiv:
    result = isFloat ? Value(math::FloorOp::create(
                           builder, l, arith::DivFOp::create(builder, l, a, b)))
                     : Value(arith::FloorDivSIOp::create(builder, l, a, b));
    break;
  case BinaryOp::Mod: {
    if (isFloat) {
      Value q = math::FloorOp::create(builder, l, arith::DivFOp::create(builder, l, a, b));
      result = arith::SubFOp::create(builder, l, a, arith::MulFOp::create(builder, l, q, b));
    } else {
      Value q = arith::FloorDivSIOp::create(builder, l, a, b);
      result = arith::SubIOp::create(builder, l, a, arith::MulIOp::create(builder, l, q, b));
    }
    break;
  }
  case BinaryOp::Pow:
    if (isFloat)
      result = math::PowFOp::create(builder, l, a, b);
    else
      result = math::IPowIOp::create(builder, l, a, b);
    break;
  case BinaryOp::BitAnd:
  case BinaryOp::BitOr:
  case BinaryOp::BitXor:
  case BinaryOp::Shl:
  case BinaryOp::Shr:
    if (isFloat) {
      error(where) << "operator '" << binaryOpSpelling(op)
                   << "' needs integers, got " << dtypeName(common);
      return RValue::error();
    }
    if (op == BinaryOp::BitAnd) result = arith::AndIOp::create(builder, l, a, b);
    else if (op == BinaryOp::BitOr) result = arith::OrIOp::create(builder, l, a, b);
    else if (op == BinaryOp::BitXor) result = arith::XOrIOp::create(builder, l, a, b);
    else if (op == BinaryOp::Shl) result = arith::ShLIOp::create(builder, l, a, b);
    else result = arith::ShRSIOp::create(builder, l, a, b);
    break;
  }
  // Unsigned dtypes wrap at their width (TVM's uint8 arithmetic), whether
  // both operands have one or one is a constant; they are held in wider
  // integers (non-negative there, so >> and the divisions need nothing).
  auto unsignedOf = [](const RValue &v) {
    auto type = dyn_cast_or_null<IntegerType>(v.declared);
    return type && type.isUnsigned() ? type : IntegerType();
  };
  IntegerType lu = unsignedOf(lhs), ru = unsignedOf(rhs);
  if (isFloat || !(lu || ru) || (!(lu && ru) && !lhs.isConstInt() && !rhs.isConstInt()))
    return RValue::ofScalar(result);
  IntegerType declared = !lu ? ru : !ru ? lu : lu.getWidth() >= ru.getWidth() ? lu : ru;
  if (op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul ||
      op == BinaryOp::Shl || op == BinaryOp::Pow)
    result = castTo(result, declared, where);
  return RValue::ofScalar(result, declared);
}

RValue KernelGenerator::evalUnary(const UnaryExpr &expr) {
  RValue operand = eval(*expr.operand);
  if (operand.isError())
    return operand;
  SMLoc where = expr.getLoc();
  if (operand.isBlockValue())
    return intervalUnary(expr.op, operand, where);
  if (operand.isConst()) {
    if (!operand.isConstNumber()) {
      error(where) << "unary operator needs a number, got " << operand.describe();
      return RValue::error();
    }
    bool isFloat = operand.constKind == RValue::ConstKind::Float;
    switch (expr.op) {
    case UnaryOp::Neg: {
      if (isFloat)
        return RValue::ofFloat(-operand.floatValue);
      std::optional<int64_t> negated = negateInteger(operand.intValue);
      if (!negated) {
        error(where) << "the constant -(" << operand.intValue
                     << ") does not fit in a 64-bit integer";
        return RValue::error();
      }
      return RValue::ofInt(*negated);
    }
    case UnaryOp::Plus:
      return operand;
    case UnaryOp::Not:
      return RValue::ofBool(isFloat ? operand.floatValue == 0 : operand.intValue == 0);
    case UnaryOp::Invert:
      if (isFloat) {
        error(where) << "'~' needs an integer";
        return RValue::error();
      }
      return RValue::ofInt(~operand.intValue);
    }
  }
  if (expr.op == UnaryOp::Not) {
    Value cond = toBool(operand, where);
    if (!cond)
      return RValue::error();
    Value trueValue = arith::ConstantOp::create(builder, loc(where), builder.getBoolAttr(true));
    return RValue::ofScalar(arith::XOrIOp::create(builder, loc(where), cond, trueValue));
  }
  Value v = materialize(operand, where);
  if (!v)
    return RValue::error();
  Location l = loc(where);
  switch (expr.op) {
  case UnaryOp::Plus:
    return RValue::ofScalar(v);
  case UnaryOp::Neg:
    if (isa<FloatType>(v.getType()))
      return RValue::ofScalar(arith::NegFOp::create(builder, l, v));
    return RValue::ofScalar(
        arith::SubIOp::create(builder, l, constantOf(v.getType(), 0, where), v));
  case UnaryOp::Invert:
    if (isa<FloatType>(v.getType())) {
      error(where) << "'~' needs an integer";
      return RValue::error();
    }
    return RValue::ofScalar(
        arith::XOrIOp::create(builder, l, v, constantOf(v.getType(), -1, where)));
  default:
    return RValue::error();
  }
}

RValue KernelGenerator::evalCompare(CompareOp op, RValue lhs, RValue rhs, SMLoc where) {
  if (lhs.isError() || rhs.isError())
    return RValue::error();
  if (lhs.isBlockValue() || rhs.isBlockValue())
    return intervalCompare(op, lhs, rhs, where);
  if (op == CompareOp::Is || op == CompareOp::IsNot) {
    // `x is None` (a factory's optional argument): known at compile time;
    // so is `flag is True` (only a bool is True or False).
    auto isBool = [](const RValue &v) {
      return v.isConst() && v.constKind == RValue::ConstKind::Bool;
    };
    if (isBool(lhs) || isBool(rhs)) {
      bool same = isBool(lhs) && isBool(rhs) && lhs.intValue == rhs.intValue;
      return RValue::ofBool(same == (op == CompareOp::Is));
    }
    bool lhsNone = lhs.kind == RValue::Kind::None, rhsNone = rhs.kind == RValue::Kind::None;
    if (!lhsNone && !rhsNone) {
      error(where) << "'" << compareOpSpelling(op) << "' compares with None, True or False";
      return RValue::error();
    }
    return RValue::ofBool((lhsNone == rhsNone) == (op == CompareOp::Is));
  }
  if (op == CompareOp::In || op == CompareOp::NotIn) {
    // Membership of a constant in a tuple or list of constants.
    if (rhs.kind != RValue::Kind::Tuple || !lhs.isConst()) {
      error(where) << "'" << compareOpSpelling(op)
                   << "' tests a constant against a tuple or list of constants";
      return RValue::error();
    }
    bool found = false;
    for (const RValue &element : rhs.elements) {
      if (!element.isConst())
        continue;
      RValue equal = evalCompare(CompareOp::Eq, lhs, element, where);
      if (equal.isError())
        return equal;
      found = found || equal.intValue != 0;
    }
    return RValue::ofBool(found == (op == CompareOp::In));
  }
  if (lhs.kind == RValue::Kind::Tuple && rhs.kind == RValue::Kind::Tuple &&
      (op == CompareOp::Eq || op == CompareOp::Ne)) {
    // Python's tuple equality, element by element (`capability == (9, 0)`).
    bool equal = lhs.elements.size() == rhs.elements.size();
    for (size_t i = 0; equal && i < lhs.elements.size(); ++i) {
      RValue same = evalCompare(CompareOp::Eq, lhs.elements[i], rhs.elements[i], where);
      if (same.isError())
        return same;
      if (!same.isConstInt()) {
        error(where) << "tuples compare at compile time: their elements must be constants";
        return RValue::error();
      }
      equal = same.intValue != 0;
    }
    return RValue::ofBool(equal == (op == CompareOp::Eq));
  }
  if (lhs.isConst() && rhs.isConst()) {
    if (lhs.constKind == RValue::ConstKind::Str || rhs.constKind == RValue::ConstKind::Str ||
        lhs.constKind == RValue::ConstKind::DType || rhs.constKind == RValue::ConstKind::DType) {
      bool equal = lhs.constKind == rhs.constKind && lhs.str == rhs.str &&
                   lhs.dtype == rhs.dtype;
      // TileLang's dtypes are their names: T.float16 == "float16".
      auto dtypeOf = [&](const RValue &v) -> Type {
        return v.constKind == RValue::ConstKind::DType ? v.dtype
               : v.constKind == RValue::ConstKind::Str ? parseDType(*ctx, v.str)
                                                       : Type();
      };
      if (lhs.constKind != rhs.constKind && dtypeOf(lhs) && dtypeOf(rhs))
        equal = dtypeOf(lhs) == dtypeOf(rhs);
      if (op == CompareOp::Eq) return RValue::ofBool(equal);
      if (op == CompareOp::Ne) return RValue::ofBool(!equal);
      error(where) << "strings and dtypes can only be compared with == and !=";
      return RValue::error();
    }
    double a = lhs.constKind == RValue::ConstKind::Float ? lhs.floatValue : double(lhs.intValue);
    double b = rhs.constKind == RValue::ConstKind::Float ? rhs.floatValue : double(rhs.intValue);
    switch (op) {
    case CompareOp::Lt: return RValue::ofBool(a < b);
    case CompareOp::Le: return RValue::ofBool(a <= b);
    case CompareOp::Gt: return RValue::ofBool(a > b);
    case CompareOp::Ge: return RValue::ofBool(a >= b);
    case CompareOp::Eq: return RValue::ofBool(a == b);
    case CompareOp::Ne: return RValue::ofBool(a != b);
    case CompareOp::Is:
    case CompareOp::IsNot:
    case CompareOp::In:
    case CompareOp::NotIn: break; // handled above
    }
  }
  if (lhs.kind == RValue::Kind::Var)
    lhs = readVar(lhs, where);
  if (rhs.kind == RValue::Kind::Var)
    rhs = readVar(rhs, where);
  for (const RValue *operand : {&lhs, &rhs})
    if (operand->kind != RValue::Kind::Scalar && !operand->isConstNumber()) {
      error(where) << "cannot compare " << operand->describe();
      return RValue::error();
    }
  Type lt = scalarType(lhs), rt = scalarType(rhs);
  Type common;
  if (lt && rt)
    common = unifyTypes(lt, rt);
  else {
    const RValue &c = lt ? rhs : lhs;
    Type other = lt ? lt : rt;
    common = c.constKind == RValue::ConstKind::Float && !isa<FloatType>(other)
                 ? builder.getF32Type() : other;
  }
  auto [a, b] = operandsAs(lhs, rhs, common, where);
  if (!a || !b)
    return RValue::error();
  Location l = loc(where);
  // Indexed by CompareOp (Lt, Le, Gt, Ge, Eq, Ne); `!=` holds for NaN, as in
  // Python.
  static constexpr arith::CmpFPredicate floatPredicates[] = {
      arith::CmpFPredicate::OLT, arith::CmpFPredicate::OLE, arith::CmpFPredicate::OGT,
      arith::CmpFPredicate::OGE, arith::CmpFPredicate::OEQ, arith::CmpFPredicate::UNE};
  static constexpr arith::CmpIPredicate intPredicates[] = {
      arith::CmpIPredicate::slt, arith::CmpIPredicate::sle, arith::CmpIPredicate::sgt,
      arith::CmpIPredicate::sge, arith::CmpIPredicate::eq,  arith::CmpIPredicate::ne};
  auto index = static_cast<size_t>(op);
  if (isa<FloatType>(common))
    return RValue::ofScalar(arith::CmpFOp::create(builder, l, floatPredicates[index], a, b));
  return RValue::ofScalar(arith::CmpIOp::create(builder, l, intPredicates[index], a, b));
}

RValue KernelGenerator::evalBoolOp(const BoolOpExpr &expr) {
  RValue lhs = eval(*expr.lhs);
  if (lhs.isError())
    return lhs;
  if (evaluatingIntervals() && !lhs.isConst()) {
    // Over a block both sides are conditions to combine; evaluating a
    // range reads nothing, so nothing needs the short circuit.
    RValue rhs = eval(*expr.rhs);
    if (rhs.isError())
      return rhs;
    return truthBoolOp(expr.isAnd, lhs, rhs, expr.getLoc());
  }
  if (lhs.isConst()) {
    bool truthy = lhs.constKind == RValue::ConstKind::Float ? lhs.floatValue != 0
                                                            : lhs.intValue != 0;
    if (expr.isAnd != truthy)
      return RValue::ofBool(truthy); // short-circuit at compile time
    RValue rhs = eval(*expr.rhs);
    if (rhs.isError() || rhs.isConst() || rhs.isBlockValue())
      return rhs;
    Value cond = toBool(rhs, expr.rhs->getLoc());
    return cond ? RValue::ofScalar(cond) : RValue::error();
  }
  Value cond = toBool(lhs, expr.lhs->getLoc());
  if (!cond)
    return RValue::error();
  // Short-circuit: the right side runs only when it decides the result, so
  // `i < n and A[i] > 0` never reads out of range.
  Location l = loc(expr.getLoc());
  auto ifOp = scf::IfOp::create(builder, l, TypeRange{builder.getI1Type()}, cond,
                                /*addThenBlock=*/true, /*addElseBlock=*/true);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(ifOp.thenBlock());
  Value thenValue, elseValue;
  if (expr.isAnd) {
    pushScope(true);
    thenValue = toBool(eval(*expr.rhs), expr.rhs->getLoc());
    popScope();
  } else {
    thenValue = arith::ConstantOp::create(builder, l, builder.getBoolAttr(true));
  }
  if (!thenValue)
    thenValue = arith::ConstantOp::create(builder, l, builder.getBoolAttr(false));
  scf::YieldOp::create(builder, l, thenValue);
  builder.setInsertionPointToStart(ifOp.elseBlock());
  if (expr.isAnd) {
    elseValue = arith::ConstantOp::create(builder, l, builder.getBoolAttr(false));
  } else {
    pushScope(true);
    elseValue = toBool(eval(*expr.rhs), expr.rhs->getLoc());
    popScope();
  }
  if (!elseValue)
    elseValue = arith::ConstantOp::create(builder, l, builder.getBoolAttr(false));
  scf::YieldOp::create(builder, l, elseValue);
  return RValue::ofScalar(ifOp.getResult(0));
}

RValue KernelGenerator::evalSelect(const Expr &condExpr, const Expr &thenExpr,
                                   const Expr &elseExpr, SMLoc where) {
  RValue cond = eval(condExpr);
  if (cond.isError())
    return cond;
  if (cond.isConst()) {
    bool truthy = cond.constKind == RValue::ConstKind::Float ? cond.floatValue != 0
                                                             : cond.intValue != 0;
    return eval(truthy ? thenExpr : elseExpr);
  }
  Value condition = toBool(cond, condExpr.getLoc());
  if (!condition)
    return RValue::error();
  // Only the taken branch runs, so a guarded out-of-range load is legal. The
  // result type is known only after both branches are generated: build them
  // in a result-less scf.if, then move them into the final one.
  Location l = loc(where);
  auto draft = scf::IfOp::create(builder, l, condition, /*withElseRegion=*/true);
  RValue thenValue, elseValue;
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(draft.thenBlock()->getTerminator());
    pushScope(true);
    thenValue = eval(thenExpr);
    popScope();
    builder.setInsertionPoint(draft.elseBlock()->getTerminator());
    pushScope(true);
    elseValue = eval(elseExpr);
    popScope();
  }
  auto isNumber = [](const RValue &v) {
    return v.kind == RValue::Kind::Scalar || v.isConstNumber();
  };
  if (thenValue.isError() || elseValue.isError() || !isNumber(thenValue) ||
      !isNumber(elseValue)) {
    if (!thenValue.isError() && !elseValue.isError())
      error(where) << "both branches of a conditional must be numbers";
    draft.erase();
    return RValue::error();
  }
  Type lt = scalarType(thenValue), rt = scalarType(elseValue);
  Type common;
  if (lt && rt)
    common = unifyTypes(lt, rt);
  else if (lt || rt) {
    const RValue &c = lt ? elseValue : thenValue;
    Type other = lt ? lt : rt;
    common = c.constKind == RValue::ConstKind::Float && !isa<FloatType>(other)
                 ? builder.getF32Type() : other;
  } else {
    bool anyFloat = thenValue.constKind == RValue::ConstKind::Float ||
                    elseValue.constKind == RValue::ConstKind::Float;
    common = anyFloat ? Type(builder.getF32Type()) : Type(builder.getIndexType());
  }
  auto finish = [&](Block *block, const RValue &value) {
    OpBuilder::InsertionGuard guard(builder);
    Operation *oldYield = block->getTerminator();
    builder.setInsertionPoint(oldYield);
    Value v = castTo(materialize(value, where, common), common, where);
    scf::YieldOp::create(builder, l, v);
    oldYield->erase();
  };
  finish(draft.thenBlock(), thenValue);
  finish(draft.elseBlock(), elseValue);
  auto result = scf::IfOp::create(builder, l, TypeRange{common}, condition,
                                  /*addThenBlock=*/false, /*addElseBlock=*/false);
  result.getThenRegion().takeBody(draft.getThenRegion());
  result.getElseRegion().takeBody(draft.getElseRegion());
  draft.erase();
  return RValue::ofScalar(result.getResult(0));
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

RValue KernelGenerator::castScalar(const RValue &value, Type dtype, SMLoc valueLoc,
                                   SMLoc where) {
  if (value.isError())
    return value;
  Value v = materialize(value, valueLoc, dtype);
  if (!v)
    return RValue::error();
  Value cast = castTo(v, dtype, where);
  return RValue::ofScalar(cast, dtype);
}

RValue KernelGenerator::evalCall(const CallExpr &call) {
  // `x.astype(dtype)` (TileLang's spelling of T.cast(x, dtype)).
  auto *method = dyn_cast<AttributeExpr>(call.callee.get());
  if (method && method->name == "astype") {
    if (call.args.size() != 1 || !call.keywords.empty()) {
      error(call.getLoc()) << "astype takes one dtype";
      return RValue::error();
    }
    RValue value = eval(*method->base);
    Type dtype = evalDType(*call.args[0]);
    if (value.isError() || !dtype)
      return RValue::error();
    if (value.isBuffer()) {
      error(call.getLoc()) << "astype converts scalars; copy a tile with T.copy into a buffer "
                              "of the other dtype";
      return RValue::error();
    }
    return castScalar(value, dtype, method->base->getLoc(), call.getLoc());
  }
  // `xs.append(x)` of a list a name holds (a factory building a table).
  if (method && method->name == "append" && isa<NameExpr>(method->base.get())) {
    const std::string &listName = cast<NameExpr>(method->base.get())->name;
    RValue *list = nullptr;
    for (auto it = scopes.rbegin(); it != scopes.rend() && !list; ++it)
      if (auto found = it->names.find(listName); found != it->names.end())
        list = &found->second;
    if (list && list->kind == RValue::Kind::Tuple) {
      if (call.args.size() != 1 || !call.keywords.empty()) {
        error(call.getLoc()) << "append takes one value";
        return RValue::error();
      }
      RValue value = eval(*call.args[0]);
      if (value.isError())
        return value;
      list->elements.push_back(std::move(value));
      return RValue::none();
    }
  }
  // str(x) of a compile-time value, as Python writes it.
  if (call.getCalleeName() == "str" && !lookup("str")) {
    if (call.args.size() != 1 || !call.keywords.empty()) {
      error(call.getLoc()) << "str takes one value";
      return RValue::error();
    }
    RValue value = eval(*call.args[0]);
    if (value.isError())
      return value;
    if (!value.isConst()) {
      error(call.args[0]->getLoc()) << "str writes compile-time values, got "
                                    << value.describe();
      return RValue::error();
    }
    return RValue::ofStr(pythonText(value));
  }
  // String methods factories parse dtype names with: `"".join(parts)`,
  // `c.isdigit()`, `c.isalpha()`, `s.startswith(p)`, `s.endswith(p)` (a
  // dtype is its name).
  if (method && llvm::is_contained({"join", "isdigit", "isalpha", "startswith", "endswith"},
                                   StringRef(method->name))) {
    RValue base = eval(*method->base);
    if (base.isError())
      return base;
    if (std::optional<std::string> text = textOf(base))
      return stringMethod(*text, method->name, call);
  }
  // Methods of a PyTorch tensor of module-level code (.to, .size, .view, ...).
  if (method && isHostTensorMethod(method->name) && mayBeHostTensor(*method->base)) {
    RValue base = eval(*method->base);
    if (base.isError())
      return base;
    if (base.kind == RValue::Kind::HostTensor)
      if (std::optional<RValue> result = hostTensorMethod(base, method->name, call))
        return *result;
  }
  // `n.bit_length()` of a constant integer (power-of-two checks in factories).
  if (method && method->name == "bit_length" && call.args.empty() && call.keywords.empty()) {
    RValue value = eval(*method->base);
    if (value.isError())
      return value;
    if (value.isConstInt()) {
      uint64_t magnitude = value.intValue < 0 ? 0 - static_cast<uint64_t>(value.intValue)
                                              : static_cast<uint64_t>(value.intValue);
      return RValue::ofInt(64 - llvm::countl_zero(magnitude));
    }
    error(call.getLoc()) << "bit_length needs a constant integer, got " << value.describe();
    return RValue::error();
  }
  RValue callee = eval(*call.callee);
  if (callee.isError())
    return callee;
  switch (callee.kind) {
  case RValue::Kind::Namespace:
    return evalBuiltin(callee.str, call);
  case RValue::Kind::Builtin:
    return evalBuiltin(callee.str, call);
  case RValue::Kind::Macro:
    return callMacro(callee, call);
  case RValue::Kind::Const:
    if (callee.constKind == RValue::ConstKind::DType) {
      // `T.float16(x)`: a typed value.
      if (call.args.size() != 1 || !call.keywords.empty()) {
        error(call.getLoc()) << "a dtype call takes one value";
        return RValue::error();
      }
      return castScalar(eval(*call.args[0]), callee.dtype, call.args[0]->getLoc(),
                        call.getLoc());
    }
    if (callee.constKind == RValue::ConstKind::Str) {
      // A macro named by a string (`score_mod: T.const = "alibi"`, set with
      // -D score_mod=softcap): the macro of that name where the call is, or
      // in the kernel's own module.
      const RValue *named = lookup(callee.str);
      if ((!named || named->kind != RValue::Kind::Macro) && kernelHome) {
        auto found = kernelHome->globals.find(callee.str);
        named = found != kernelHome->globals.end() ? &found->second : nullptr;
      }
      if (named && named->kind == RValue::Kind::Macro) {
        RValue macro = *named;
        return callMacro(macro, call);
      }
      error(call.getLoc()) << "'" << callee.str
                           << "' names no @T.macro here or in the kernel's module";
      return RValue::error();
    }
    break;
  case RValue::Kind::Kernel:
    error(call.getLoc()) << "kernel '" << callee.function->name
                         << "' cannot be called from device code; only "
                            "@T.macro functions can";
    return RValue::error();
  default:
    break;
  }
  error(call.getLoc()) << callee.describe() << " is not callable";
  return RValue::error();
}

RValue KernelGenerator::callMacro(const RValue &macro, const CallExpr &call) {
  const FunctionDef &def = *macro.function;
  // Once the nesting limit is hit, the rest of that expansion unwinds
  // without expanding: a macro that calls itself twice would otherwise
  // expand 2^32 times.
  if (macroNestingExceeded)
    return RValue::error();
  if (callStack.size() >= 32) {
    error(call.getLoc()) << "macro calls nested too deeply (recursive macro "
                            "'" << def.name << "'?)";
    macroNestingExceeded = true;
    return RValue::error();
  }
  // Macros that each call the next several times multiply: bound the
  // kernel's expansions as well as their depth.
  if (++macroExpansions > kMaxMacroExpansions) {
    error(call.getLoc()) << "more than " << kMaxMacroExpansions
                         << " macro expansions in one kernel (macros that call each other "
                            "several times multiply)";
    macroNestingExceeded = true;
    return RValue::error();
  }
  if (call.args.size() > def.params.size()) {
    error(call.getLoc()) << "macro '" << def.name << "' takes "
                         << def.params.size() << " arguments, got "
                         << call.args.size();
    return RValue::error();
  }
  // Arguments are evaluated in the caller's scope. A T.alloc_var passed by
  // name stays a variable, so the macro can update it.
  auto evalArg = [&](const Expr &e) -> RValue {
    if (auto *name = dyn_cast<NameExpr>(&e))
      if (const RValue *bound = lookup(name->name))
        if (bound->kind == RValue::Kind::Var)
          return *bound;
    return eval(e);
  };
  std::map<std::string, RValue> params;
  for (auto [i, arg] : llvm::enumerate(call.args)) {
    RValue value = evalArg(*arg);
    if (value.isError())
      return value;
    params[def.params[i].name] = std::move(value);
  }
  for (const KeywordArg &kw : call.keywords) {
    auto param = llvm::find_if(def.params, [&](const Param &p) { return p.name == kw.name; });
    if (param == def.params.end()) {
      error(kw.loc) << "macro '" << def.name << "' has no parameter '" << kw.name << "'";
      return RValue::error();
    }
    if (params.count(kw.name)) {
      error(kw.loc) << "argument '" << kw.name << "' given twice";
      return RValue::error();
    }
    RValue value = evalArg(*kw.value);
    if (value.isError())
      return value;
    params[kw.name] = std::move(value);
  }
  return expandMacro(macro, std::move(params), call.getLoc());
}

RValue KernelGenerator::expandMacro(const RValue &macro, std::map<std::string, RValue> params,
                                    SMLoc where) {
  const FunctionDef &def = *macro.function;
  // Defaults are evaluated in the macro's own module.
  ModuleInfo *savedModule = currentModule;
  std::vector<Scope> savedScopes = std::move(scopes);
  unsigned savedDepth = regionDepth;
  scopes.clear();
  currentModule = macro.module;
  pushScope(false);
  if (macro.closure)
    scopes.back().names = *macro.closure;
  for (const Param &param : def.params) {
    if (params.count(param.name))
      continue;
    if (!param.defaultValue) {
      error(where) << "macro '" << def.name << "' is missing argument '" << param.name << "'";
      scopes = std::move(savedScopes);
      currentModule = savedModule;
      regionDepth = savedDepth;
      return RValue::error();
    }
    params[param.name] = eval(*param.defaultValue);
  }
  for (auto &[name, value] : params)
    scopes.back().names[name] = std::move(value);
  std::vector<LoopContext> savedLoops = std::move(loops);
  loops.clear();
  callStack.push_back(loc(where));
  macroResults.emplace_back();
  genBlock(def.body);
  RValue result = macroResults.back().value_or(RValue::none());
  macroResults.pop_back();
  callStack.pop_back();
  if (callStack.empty())
    macroNestingExceeded = false; // later calls are checked afresh
  loops = std::move(savedLoops);
  scopes = std::move(savedScopes);
  currentModule = savedModule;
  regionDepth = savedDepth;
  return result;
}

std::optional<std::string> KernelGenerator::textOf(const RValue &value) {
  if (!value.isConst())
    return std::nullopt;
  if (value.constKind == RValue::ConstKind::Str)
    return value.str;
  if (value.constKind == RValue::ConstKind::DType)
    return dtypeName(value.dtype);
  return std::nullopt;
}

RValue KernelGenerator::stringMethod(const std::string &text, StringRef name,
                                     const CallExpr &call) {
  if (name == "isdigit" || name == "isalpha") {
    if (!call.args.empty() || !call.keywords.empty()) {
      error(call.getLoc()) << name << " takes no arguments";
      return RValue::error();
    }
    bool all = !text.empty();
    for (char c : text)
      all = all && (name == "isdigit" ? llvm::isDigit(c) : llvm::isAlpha(c));
    return RValue::ofBool(all);
  }
  if (call.args.size() != 1 || !call.keywords.empty()) {
    error(call.getLoc()) << name << (name == "join" ? " takes one iterable of strings"
                                                    : " takes one string");
    return RValue::error();
  }
  if (name == "join") {
    std::optional<std::vector<RValue>> parts = constantIterable(*call.args[0]);
    if (!parts)
      return RValue::error();
    std::string joined;
    for (auto [i, part] : llvm::enumerate(*parts)) {
      std::optional<std::string> piece = textOf(part);
      if (!piece) {
        error(call.args[0]->getLoc()) << "join joins strings, got " << part.describe();
        return RValue::error();
      }
      joined += (i ? text : "") + *piece;
    }
    return RValue::ofStr(joined);
  }
  RValue affix = eval(*call.args[0]);
  std::optional<std::string> piece = textOf(affix);
  if (!piece) {
    if (!affix.isError())
      error(call.args[0]->getLoc()) << name << " takes a string, got " << affix.describe();
    return RValue::error();
  }
  return RValue::ofBool(name == "startswith" ? StringRef(text).starts_with(*piece)
                                             : StringRef(text).ends_with(*piece));
}
