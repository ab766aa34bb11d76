//===- BuiltinsScalar.cpp - scalar math and Python builtins ---------------===//
//
// T.exp and the other math functions, abs/min/max, T.clamp, T.floordiv,
// T.floormod, T.if_then_else, T.ceildiv, T.cast, T.infinity and the dtype
// limits; Python's int, float, bool and len. Constants fold.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"
#include "frontend/ConstantArithmetic.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

/// T.exp, T.log, T.sqrt, ... (one argument).
RValue KernelGenerator::builtinUnaryMath(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  const Expr *argument = nullptr;
  RValue x = evalSingleArgument(*this, call, name, "x", &argument);
  if (x.isError())
    return x;
  if (x.isConstNumber()) {
    double v = x.constKind == RValue::ConstKind::Float ? x.floatValue : double(x.intValue);
    double r = llvm::StringSwitch<double>(fn)
                   .Case("exp", std::exp(v)).Case("exp2", std::exp2(v))
                   .Case("log", std::log(v)).Case("log2", std::log2(v))
                   .Case("log10", std::log10(v)).Case("sqrt", std::sqrt(v))
                   .Case("rsqrt", 1.0 / std::sqrt(v)).Case("floor", std::floor(v))
                   .Case("ceil", std::ceil(v)).Case("tanh", std::tanh(v))
                   .Case("sin", std::sin(v)).Case("cos", std::cos(v))
                   .Case("erf", std::erf(v)).Case("sigmoid", 1.0 / (1.0 + std::exp(-v)))
                   .Case("round", std::nearbyint(v)).Case("trunc", std::trunc(v))
                   .Default(0);
    return RValue::ofFloat(r);
  }
  Value v = materialize(x, argument->getLoc());
  if (!v)
    return RValue::error();
  if (!isa<FloatType>(v.getType()))
    v = castTo(v, builder.getF32Type(), where);
  Value r;
  if (fn == "exp") r = math::ExpOp::create(builder, l, v);
  else if (fn == "exp2") r = math::Exp2Op::create(builder, l, v);
  else if (fn == "log") r = math::LogOp::create(builder, l, v);
  else if (fn == "log2") r = math::Log2Op::create(builder, l, v);
  else if (fn == "log10") r = math::Log10Op::create(builder, l, v);
  else if (fn == "sqrt") r = math::SqrtOp::create(builder, l, v);
  else if (fn == "rsqrt") r = math::RsqrtOp::create(builder, l, v);
  else if (fn == "floor") r = math::FloorOp::create(builder, l, v);
  else if (fn == "ceil") r = math::CeilOp::create(builder, l, v);
  else if (fn == "tanh") r = math::TanhOp::create(builder, l, v);
  else if (fn == "sin") r = math::SinOp::create(builder, l, v);
  else if (fn == "cos") r = math::CosOp::create(builder, l, v);
  else if (fn == "erf") r = math::ErfOp::create(builder, l, v);
  else if (fn == "round") r = math::RoundEvenOp::create(builder, l, v);
  else if (fn == "trunc") r = math::TruncOp::create(builder, l, v);
  else { // sigmoid
    Value one = constantOf(v.getType(), 1.0, where);
    Value e = math::ExpOp::create(builder, l, arith::NegFOp::create(builder, l, v));
    r = arith::DivFOp::create(builder, l, one, arith::AddFOp::create(builder, l, one, e));
    if (options.fastMath)
      allowApproximation(e);
  }
  if (options.fastMath)
    allowApproximation(r);
  return RValue::ofScalar(r);
}

/// T.abs, abs.
RValue KernelGenerator::builtinAbs(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  RValue x = evalSingleArgument(*this, call, name, "x");
  if (x.isError())
    return x;
  if (x.isConstNumber())
    return x.constKind == RValue::ConstKind::Float ? RValue::ofFloat(std::fabs(x.floatValue))
                                                   : RValue::ofInt(std::llabs(x.intValue));
  Value v = materialize(x, where);
  if (!v)
    return RValue::error();
  if (isa<FloatType>(v.getType()))
    return RValue::ofScalar(math::AbsFOp::create(builder, l, v));
  return RValue::ofScalar(math::AbsIOp::create(builder, l, v));
}

/// T.max, T.min, max, min.
RValue KernelGenerator::builtinMinMax(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  bool isMax = fn == "max";
  if (call.args.empty() || !call.keywords.empty()) {
    error(where) << name << " takes two or more values, or a tuple of them";
    return RValue::error();
  }
  std::vector<RValue> values;
  for (const ExprPtr &arg : call.args) {
    RValue value = eval(*arg);
    if (value.isError())
      return value;
    values.push_back(std::move(value));
  }
  // max(xs) of a tuple: its elements.
  if (values.size() == 1 && values[0].kind == RValue::Kind::Tuple)
    values = std::vector<RValue>(values[0].elements);
  if (values.size() < 2 && !(call.args.size() == 1 && values.size() == 1)) {
    error(where) << name << " takes two or more values, or a non-empty tuple of them";
    return RValue::error();
  }
  RValue acc = values[0];
  for (size_t i = 1; i < values.size() && !acc.isError(); ++i)
    acc = evalMinMax(isMax, acc, values[i], name, where);
  return acc;
}

/// sum(xs) of a tuple of numbers (compile-time ones fold), with `start`.
RValue KernelGenerator::builtinSum(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {"iterable", "start"}, 1);
  if (!args.ok)
    return RValue::error();
  RValue items = eval(*args.get(0));
  if (items.isError())
    return items;
  if (items.kind != RValue::Kind::Tuple) {
    error(args.get(0)->getLoc()) << "sum takes a tuple or list, not " << items.describe();
    return RValue::error();
  }
  RValue total = args.get(1) ? eval(*args.get(1)) : RValue::ofInt(0);
  for (const RValue &item : items.elements) {
    if (total.isError())
      return total;
    total = evalBinary(BinaryOp::Add, total, item, where);
  }
  return total;
}

/// T.clamp.
RValue KernelGenerator::builtinClamp(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  // T.clamp(x, lo, hi) = min(max(x, lo), hi)
  BoundArgs args = bindArgs(*this, call, name, {"value", "min_val", "max_val"}, 3);
  if (!args.ok)
    return RValue::error();
  RValue x = eval(*args.get(0)), lo = eval(*args.get(1)), hi = eval(*args.get(2));
  if (x.isError() || lo.isError() || hi.isError())
    return RValue::error();
  return evalMinMax(false, evalMinMax(true, x, lo, name, where), hi, name, where);
}

/// T.floordiv, T.floormod.
RValue KernelGenerator::builtinFloorDivMod(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  // Python's //, %, <<, >>, &, | and ^, as functions (TileLang's spellings).
  BoundArgs args = bindArgs(*this, call, name, {"a", "b"}, 2);
  if (!args.ok)
    return RValue::error();
  BinaryOp op = llvm::StringSwitch<BinaryOp>(fn)
                    .Case("floordiv", BinaryOp::FloorDiv)
                    .Case("shift_left", BinaryOp::Shl)
                    .Case("shift_right", BinaryOp::Shr)
                    .Case("bitwise_and", BinaryOp::BitAnd)
                    .Case("bitwise_or", BinaryOp::BitOr)
                    .Case("bitwise_xor", BinaryOp::BitXor)
                    .Default(BinaryOp::Mod);
  return evalBinary(op, eval(*args.get(0)), eval(*args.get(1)), where);
}

/// T.if_then_else.
RValue KernelGenerator::builtinIfThenElse(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {"cond", "then_value", "else_value"}, 3);
  if (!args.ok)
    return RValue::error();
  return evalSelect(*args.get(0), *args.get(1), *args.get(2), where);
}

/// T.ceildiv.
RValue KernelGenerator::builtinCeilDiv(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"a", "b"}, 2);
  if (!args.ok)
    return RValue::error();
  RValue a = eval(*args.get(0)), b = eval(*args.get(1));
  if (a.isError() || b.isError())
    return RValue::error();
  if (a.isConstInt() && b.isConstInt()) {
    if (b.intValue == 0) {
      error(args.get(1)->getLoc()) << "division by zero in T.ceildiv";
      return RValue::error();
    }
    // ceil(a / b) == a // b + (a % b != 0), with Python's floor division.
    std::optional<int64_t> floor = floorDivide(a.intValue, b.intValue);
    if (!floor) {
      error(where) << "the constant T.ceildiv(" << a.intValue << ", " << b.intValue
                   << ") does not fit in a 64-bit integer";
      return RValue::error();
    }
    return RValue::ofInt(*floor + (floorModulo(a.intValue, b.intValue) != 0));
  }
  Type common = scalarType(a) && scalarType(b) ? unifyTypes(scalarType(a), scalarType(b))
                : scalarType(a) ? scalarType(a) : scalarType(b);
  if (!common || isa<FloatType>(common)) {
    error(where) << "T.ceildiv needs integers";
    return RValue::error();
  }
  Value av = materialize(a, where, common), bv = materialize(b, where, common);
  if (!av || !bv)
    return RValue::error();
  return RValue::ofScalar(arith::CeilDivSIOp::create(builder, l, castTo(av, common, where),
                                                     castTo(bv, common, where)));
}

/// T.cast, T.Cast.
RValue KernelGenerator::builtinCast(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  // T.cast(value, dtype); TileLang's T.Cast(dtype, value) the other way.
  bool dtypeFirst = fn == "Cast";
  static const StringRef castParams[] = {"value", "dtype"}, CastParams[] = {"dtype", "value"};
  BoundArgs args = bindArgs(*this, call, name, dtypeFirst ? CastParams : castParams, 2);
  if (!args.ok)
    return RValue::error();
  const Expr &valueExpr = *args.get(dtypeFirst ? 1 : 0);
  RValue value = eval(valueExpr);
  Type dtype = evalDType(*args.get(dtypeFirst ? 0 : 1));
  if (!dtype)
    return RValue::error();
  return castScalar(value, dtype, valueExpr.getLoc(), where);
}

/// T.infinity, T.max_value, T.min_value.
RValue KernelGenerator::builtinLimit(StringRef name, StringRef fn, const CallExpr &call) {
  Location l = loc(call.getLoc());
  BoundArgs args = bindArgs(*this, call, name, {"dtype"}, 1);
  if (!args.ok)
    return RValue::error();
  Type dtype = evalDType(*args.get(0));
  if (!dtype)
    return RValue::error();
  if (auto floatType = dyn_cast<FloatType>(dtype)) {
    const llvm::fltSemantics &sem = floatType.getFloatSemantics();
    llvm::APFloat value = fn == "infinity"    ? llvm::APFloat::getInf(sem)
                          : fn == "max_value" ? llvm::APFloat::getLargest(sem)
                                              : llvm::APFloat::getLargest(sem, true);
    if (fn == "infinity" && !llvm::APFloat::semanticsHasInf(sem)) {
      error(args.get(0)->getLoc()) << dtypeName(dtype) << " has no infinity";
      return RValue::error();
    }
    return RValue::ofScalar(arith::ConstantOp::create(
        builder, l, FloatAttr::get(floatType, value)));
  }
  if (fn == "infinity") {
    error(args.get(0)->getLoc()) << "T.infinity needs a float dtype, got "
                                 << dtypeName(dtype);
    return RValue::error();
  }
  unsigned width = dtype.getIntOrFloatBitWidth();
  llvm::APInt value = fn == "max_value" ? llvm::APInt::getSignedMaxValue(width)
                                        : llvm::APInt::getSignedMinValue(width);
  return RValue::ofScalar(arith::ConstantOp::create(
      builder, l, IntegerAttr::get(dtype, value)));
}

/// int, float, bool.
RValue KernelGenerator::builtinPythonConversion(StringRef name, StringRef fn,
                                                const CallExpr &call) {
  SMLoc where = call.getLoc();
  RValue x = evalSingleArgument(*this, call, name, "x");
  if (x.isError())
    return x;
  if (x.isConst() && x.constKind == RValue::ConstKind::Str && name != "bool") {
    // int("8"), float("0.5"): Python's parse of a number's text.
    StringRef text = StringRef(x.str).trim();
    int64_t integer;
    double real;
    if (name == "int" && !text.getAsInteger(10, integer))
      return RValue::ofInt(integer);
    if (name == "float" && !text.getAsDouble(real))
      return RValue::ofFloat(real);
    error(where) << "invalid literal for " << name << "(): '" << x.str << "'";
    return RValue::error();
  }
  if (x.isConstNumber()) {
    double v = x.constKind == RValue::ConstKind::Float ? x.floatValue : double(x.intValue);
    if (name == "int")
      return RValue::ofInt(x.constKind == RValue::ConstKind::Float ? int64_t(v) : x.intValue);
    if (name == "float")
      return RValue::ofFloat(v);
    return RValue::ofBool(v != 0);
  }
  Type type = name == "int" ? Type(builder.getI32Type())
              : name == "float" ? Type(builder.getF32Type())
                                : Type(builder.getI1Type());
  if (name == "bool")
    return RValue::ofScalar(toBool(x, where));
  Value v = materialize(x, where);
  return v ? RValue::ofScalar(castTo(v, type, where)) : RValue::error();
}

/// len.
RValue KernelGenerator::builtinLen(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {"x"}, 1);
  if (!args.ok)
    return RValue::error();
  RValue x = eval(*args.get(0));
  if (x.kind == RValue::Kind::Tuple)
    return RValue::ofInt(x.elements.size());
  if (x.isBuffer() && !x.getBufferType().getShape().empty() &&
      !ShapedType::isDynamic(x.getBufferType().getShape()[0]))
    return RValue::ofInt(x.getBufferType().getShape()[0]);
  if (!x.isError())
    error(where) << "len() needs a tuple or a buffer with a constant first dimension";
  return RValue::error();
}

/// Integer functions of compile-time integers: Python's math.gcd(a, b, ...)
/// and TileLang's next_power_of_2(n) (the least power of two >= n; 1 for
/// n <= 1).
RValue KernelGenerator::builtinIntegerFunction(StringRef name, StringRef fn,
                                               const CallExpr &call) {
  bool gcd = fn == "gcd";
  if ((gcd ? call.args.empty() : call.args.size() != 1) || !call.keywords.empty()) {
    error(call.getLoc()) << name << (gcd ? " takes integers" : " takes one integer");
    return RValue::error();
  }
  SmallVector<int64_t> values;
  for (const ExprPtr &arg : call.args) {
    RValue value = eval(*arg);
    if (value.isError())
      return value;
    if (!value.isConstInt()) {
      error(arg->getLoc()) << name << " takes compile-time integers, got " << value.describe();
      return RValue::error();
    }
    values.push_back(value.intValue);
  }
  if (gcd) {
    uint64_t result = 0;
    for (int64_t v : values)
      result = std::gcd(result, v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
    return RValue::ofInt(static_cast<int64_t>(result));
  }
  if (values[0] > (int64_t(1) << 62)) {
    error(call.getLoc()) << name << "(" << values[0] << ") does not fit in int64";
    return RValue::error();
  }
  return RValue::ofInt(values[0] <= 1 ? 1 : int64_t(llvm::PowerOf2Ceil(values[0])));
}

RValue KernelGenerator::builtinPythonMath(StringRef name, StringRef fn, const CallExpr &call) {
  static const llvm::StringMap<double (*)(double)> unary = {
      {"sqrt", [](double x) { return std::sqrt(x); }},
      {"exp", [](double x) { return std::exp(x); }},
      {"log2", [](double x) { return std::log2(x); }},
      {"log10", [](double x) { return std::log10(x); }},
      {"fabs", [](double x) { return std::fabs(x); }},
      {"ceil", [](double x) { return std::ceil(x); }},
      {"floor", [](double x) { return std::floor(x); }},
      {"trunc", [](double x) { return std::trunc(x); }}};
  if (fn == "gcd" || fn == "next_power_of_2")
    return builtinIntegerFunction(name, fn, call);
  bool isLog = fn == "log", isPow = fn == "pow";
  auto found = unary.find(fn);
  if (found == unary.end() && !isLog && !isPow) {
    error(call.callee->getLoc()) << "unknown function '" << name << "'";
    return RValue::error();
  }
  size_t arity = isPow ? 2 : 1;
  if (call.args.size() < arity || call.args.size() > (isLog ? 2u : arity) ||
      !call.keywords.empty()) {
    error(call.getLoc()) << name << " takes " << arity << (isLog ? " or 2" : "")
                         << " positional argument" << (arity == 1 && !isLog ? "" : "s");
    return RValue::error();
  }
  SmallVector<double, 2> values;
  for (const ExprPtr &arg : call.args) {
    RValue value = eval(*arg);
    if (value.isError())
      return value;
    if (!value.isConstNumber()) {
      error(arg->getLoc()) << name << " takes compile-time numbers (for values known at "
                           << "run time use T." << fn << "), got " << value.describe();
      return RValue::error();
    }
    values.push_back(value.constKind == RValue::ConstKind::Float ? value.floatValue
                                                                 : double(value.intValue));
  }
  double result = isPow ? std::pow(values[0], values[1])
                  : isLog ? (values.size() == 2 ? std::log(values[0]) / std::log(values[1])
                                                : std::log(values[0]))
                          : found->second(values[0]);
  // Python's math.ceil/floor/trunc give ints.
  if ((fn == "ceil" || fn == "floor" || fn == "trunc") && std::isfinite(result) &&
      std::fabs(result) < 9.2e18)
    return RValue::ofInt(static_cast<int64_t>(result));
  return RValue::ofFloat(result);
}

/// T.reinterpret(dtype, value): the value's bits as `dtype`, of the same
/// width (a uint16 as a float16, a uint8 as an int8).
RValue KernelGenerator::builtinReinterpret(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"dtype", "value"}, 2);
  if (!args.ok)
    return RValue::error();
  Type dtype = evalDType(*args.get(0));
  RValue value = eval(*args.get(1));
  if (!dtype || value.isError())
    return RValue::error();
  if (value.kind == RValue::Kind::Var)
    value = readVar(value, where);
  if (value.kind != RValue::Kind::Scalar) {
    error(args.get(1)->getLoc()) << name << " takes a typed value (an element, a cast or "
                                            "tirx.const), got "
                                 << value.describe();
    return RValue::error();
  }
  Value v = value.value;
  Type source = value.declared ? value.declared : v.getType();
  if (source.isIndex())
    source = builder.getI32Type();
  if (!source.isIntOrFloat() || !dtype.isIntOrFloat() ||
      source.getIntOrFloatBitWidth() != dtype.getIntOrFloatBitWidth()) {
    error(where) << name << " keeps the bits: " << dtypeName(source) << " is not the width of "
                 << dtypeName(dtype);
    return RValue::error();
  }
  unsigned width = dtype.getIntOrFloatBitWidth();
  Type bitsType = builder.getIntegerType(width);
  // The value's bits, as a signless integer of the width.
  Value bits = v;
  if (v.getType().isIndex())
    bits = arith::IndexCastOp::create(builder, l, bitsType, v);
  else if (isa<FloatType>(v.getType()))
    bits = arith::BitcastOp::create(builder, l, bitsType, v);
  else if (v.getType().getIntOrFloatBitWidth() > width)
    bits = arith::TruncIOp::create(builder, l, bitsType, v);
  if (isa<FloatType>(dtype))
    return RValue::ofScalar(arith::BitcastOp::create(builder, l, dtype, bits));
  if (auto integer = dyn_cast<IntegerType>(dtype); integer && integer.isUnsigned()) {
    Type wide = tile::scalarTypeOf(dtype);
    Value held = wide == bitsType ? bits : Value(arith::ExtUIOp::create(builder, l, wide, bits));
    return RValue::ofScalar(held, dtype);
  }
  return RValue::ofScalar(bits);
}

/// TVM's expression builders, as helpers that convert packed elements
/// write them: tirx.const(value, dtype) (a typed constant), tirx.reinterpret,
/// tirx.Select(cond, a, b), tirx.Cast(dtype, value); other names are T's.
RValue KernelGenerator::builtinTirx(StringRef name, StringRef fn, const CallExpr &call) {
  if (fn == "const") {
    BoundArgs args = bindArgs(*this, call, name, {"value", "dtype"}, 1);
    if (!args.ok)
      return RValue::error();
    RValue value = eval(*args.get(0));
    if (value.isError())
      return value;
    if (!value.isConstNumber()) {
      error(args.get(0)->getLoc()) << name << " makes a constant of a number, got "
                                   << value.describe();
      return RValue::error();
    }
    Type dtype = args.get(1) ? evalDType(*args.get(1))
                 : value.constKind == RValue::ConstKind::Float ? Type(builder.getF32Type())
                                                               : builder.getI32Type();
    if (!dtype)
      return RValue::error();
    return castScalar(value, dtype, args.get(0)->getLoc(), call.getLoc());
  }
  if (fn == "reinterpret")
    return builtinReinterpret(name, fn, call);
  if (fn == "Select")
    return builtinIfThenElse(name, fn, call);
  std::string asT = ("T." + fn).str();
  return evalBuiltin(asT, call);
}
