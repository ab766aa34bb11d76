//===- Builtins.cpp - the T.* functions of the tile language --------------===//
//
// Allocation, the whole-tile operations (copy, gemm, fill, reductions, atomic
// add), scheduling annotations, debugging, and scalar math. Each builtin
// checks its arguments and reports errors at the argument that is wrong.
//
//===----------------------------------------------------------------------===//

#include "frontend/MLIRGenImpl.h"
#include "frontend/ConstantArithmetic.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

namespace {
/// Binds a call's positional and keyword arguments to parameter names.
struct BoundArgs {
  SmallVector<const Expr *> values;
  bool ok = true;
  const Expr *get(size_t i) const { return values[i]; }
};
} // namespace

static BoundArgs bindArgs(KernelGenerator &gen, const CallExpr &call,
                          StringRef name, ArrayRef<StringRef> params,
                          size_t required) {
  BoundArgs bound;
  bound.values.assign(params.size(), nullptr);
  if (call.args.size() > params.size()) {
    gen.error(call.args[params.size()]->getLoc())
        << name << " takes at most " << params.size() << " argument"
        << (params.size() == 1 ? "" : "s") << ", got " << call.args.size();
    bound.ok = false;
    return bound;
  }
  for (auto [i, arg] : llvm::enumerate(call.args))
    bound.values[i] = arg.get();
  for (const KeywordArg &kw : call.keywords) {
    auto it = llvm::find(params, kw.name);
    if (it == params.end()) {
      auto diag = gen.error(kw.loc);
      diag << name << " has no argument '" << kw.name << "'";
      if (!params.empty()) {
        diag << "; it takes ";
        llvm::interleaveComma(params, diag);
      }
      bound.ok = false;
      return bound;
    }
    size_t index = it - params.begin();
    if (bound.values[index]) {
      gen.error(kw.loc) << "argument '" << kw.name << "' of " << name
                        << " given twice";
      bound.ok = false;
      return bound;
    }
    bound.values[index] = kw.value.get();
  }
  for (size_t i = 0; i < required; ++i)
    if (!bound.values[i]) {
      gen.error(call.getLoc()) << name << " is missing argument '" << params[i] << "'";
      bound.ok = false;
      return bound;
    }
  return bound;
}

/// The shape as text for messages.
static std::string shapeText(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "a scalar";
  std::string text;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (i)
      text += "x";
    text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
  }
  return text;
}


/// max(acc, next) or min(acc, next): folded for constants, else on the
/// operands' common type (float maximum/minimum propagate NaN).
RValue KernelGenerator::evalMinMax(bool isMax, RValue acc, RValue next, StringRef name,
                                   SMLoc where) {
  if (acc.isError() || next.isError())
    return RValue::error();
  Location l = loc(where);
  if (acc.isConstNumber() && next.isConstNumber()) {
    bool isFloat = acc.constKind == RValue::ConstKind::Float ||
                   next.constKind == RValue::ConstKind::Float;
    double a = acc.constKind == RValue::ConstKind::Float ? acc.floatValue : double(acc.intValue);
    double b = next.constKind == RValue::ConstKind::Float ? next.floatValue : double(next.intValue);
    if (isFloat)
      return RValue::ofFloat(isMax ? std::max(a, b) : std::min(a, b));
    return RValue::ofInt(isMax ? std::max(acc.intValue, next.intValue)
                               : std::min(acc.intValue, next.intValue));
  }
  Type at = scalarType(acc), bt = scalarType(next);
  Type common = at && bt ? unifyTypes(at, bt) : at ? at : bt;
  if (!common) {
    error(where) << name << " needs numbers";
    return RValue::error();
  }
  if ((acc.isConst() && acc.constKind == RValue::ConstKind::Float) ||
      (next.isConst() && next.constKind == RValue::ConstKind::Float))
    if (!isa<FloatType>(common))
      common = builder.getF32Type();
  Value a = materialize(acc, where, common), b = materialize(next, where, common);
  if (!a || !b)
    return RValue::error();
  a = castTo(a, common, where);
  b = castTo(b, common, where);
  if (isa<FloatType>(common))
    return RValue::ofScalar(isMax ? Value(arith::MaximumFOp::create(builder, l, a, b))
                                  : Value(arith::MinimumFOp::create(builder, l, a, b)));
  return RValue::ofScalar(isMax ? Value(arith::MaxSIOp::create(builder, l, a, b))
                                : Value(arith::MinSIOp::create(builder, l, a, b)));
}

RValue KernelGenerator::evalBuiltin(StringRef name, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  StringRef fn = name.starts_with("T.") ? name.drop_front(2) : name;
  bool inT = name.starts_with("T.");

  //===------------------------------------------------------------------===//
  // Allocation
  //===------------------------------------------------------------------===//
  if (inT && (fn == "alloc_shared" || fn == "alloc_fragment" ||
              fn == "alloc_local")) {
    BoundArgs args = bindArgs(*this, call, name, {"shape", "dtype", "scope"}, 2);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    std::string what = (fn == "alloc_shared" ? "a shared buffer"
                        : fn == "alloc_fragment" ? "a fragment"
                                                 : "a local buffer");
    std::optional<SmallVector<int64_t>> shape = evalConstShape(*args.get(0), what);
    Type dtype = evalDType(*args.get(1));
    if (!shape || !dtype)
      return RValue::error();
    tile::MemoryScope scope = fn == "alloc_shared"     ? tile::MemoryScope::Shared
                              : fn == "alloc_fragment" ? tile::MemoryScope::Fragment
                                                       : tile::MemoryScope::Local;
    if (args.get(2)) {
      std::optional<std::string> scopeName = evalConstString(*args.get(2), "scope");
      if (!scopeName)
        return RValue::error();
      if (fn == "alloc_shared" && *scopeName != "shared" && *scopeName != "shared.dyn") {
        error(args.get(2)->getLoc()) << "a shared buffer's scope is 'shared' or "
                                        "'shared.dyn', got '"
                                     << *scopeName << "'";
        return RValue::error();
      }
    }
    auto type = tile::BufferType::get(ctx, *shape, dtype, scope, Attribute());
    return RValue::ofBuffer(tile::AllocOp::create(builder, l, type));
  }
  if (inT && fn == "alloc_var") {
    BoundArgs args = bindArgs(*this, call, name, {"dtype", "init", "scope"}, 1);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    Type dtype = evalDType(*args.get(0));
    if (!dtype)
      return RValue::error();
    auto type = tile::BufferType::get(ctx, {}, dtype, tile::MemoryScope::Local,
                                      Attribute());
    Value var = tile::AllocOp::create(builder, l, type);
    if (args.get(1)) {
      Value init = materialize(eval(*args.get(1)), args.get(1)->getLoc(), dtype);
      if (!init)
        return RValue::error();
      tile::StoreOp::create(builder, l, castTo(init, dtype, where), var, ValueRange{});
    }
    RValue result;
    result.kind = RValue::Kind::Var;
    result.value = var;
    return result;
  }

  //===------------------------------------------------------------------===//
  // Whole-tile operations
  //===------------------------------------------------------------------===//
  if (inT && fn == "copy") {
    BoundArgs args = bindArgs(*this, call, name,
                              {"src", "dst", "coalesced_width", "disable_tma"}, 2);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    const Expr &srcExpr = *args.get(0), &dstExpr = *args.get(1);
    bool srcStart = isStartOnlySubscript(srcExpr);
    bool dstStart = isStartOnlySubscript(dstExpr);
    if (srcStart && dstStart) {
      error(where) << "cannot infer the extent of this copy: give one side as a "
                      "whole buffer or with slices";
      return RValue::error();
    }
    RValue src, dst;
    if (srcStart) {
      dst = evalTileOperand(dstExpr, std::nullopt);
      if (dst.isError())
        return dst;
      src = evalTileOperand(srcExpr, dst.getBufferType().getShape());
    } else {
      src = evalTileOperand(srcExpr, std::nullopt);
      if (src.isError())
        return src;
      dst = evalTileOperand(dstExpr, dstStart ? std::optional<ArrayRef<int64_t>>(
                                                    src.getBufferType().getShape())
                                              : std::nullopt);
    }
    if (src.isError() || dst.isError())
      return RValue::error();
    tile::BufferType srcType = src.getBufferType(), dstType = dst.getBufferType();
    if (!tile::isLegalCopy(srcType.getScope(), dstType.getScope())) {
      error(where) << "T.copy cannot copy from global memory to global memory; "
                      "stage the tile through shared memory or a fragment";
      return RValue::error();
    }
    if (!srcType.hasStaticShape() || !dstType.hasStaticShape()) {
      const Expr &dynamicSide = srcType.hasStaticShape() ? dstExpr : srcExpr;
      error(dynamicSide.getLoc())
          << "T.copy needs a tile of constant shape; this buffer's shape is "
             "bound at launch, so copy a region of it (e.g. A[i * 64, 0])";
      return RValue::error();
    }
    if (tile::withoutUnitDims(srcType.getShape()) != tile::withoutUnitDims(dstType.getShape())) {
      error(where) << "T.copy shapes do not match: source is "
                   << shapeText(srcType.getShape()) << ", destination is "
                   << shapeText(dstType.getShape());
      return RValue::error();
    }
    auto op = tile::CopyOp::create(builder, l, src.value, dst.value);
    verifyNow(op);
    return RValue::none();
  }
  if (inT && fn == "gemm") {
    BoundArgs args = bindArgs(*this, call, name,
                              {"A", "B", "C", "transpose_A", "transpose_B", "policy",
                               "clear_accum", "k_pack", "wg_wait"},
                              3);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    RValue a = evalTileOperand(*args.get(0), std::nullopt);
    RValue b = evalTileOperand(*args.get(1), std::nullopt);
    RValue c = evalTileOperand(*args.get(2), std::nullopt);
    if (a.isError() || b.isError() || c.isError())
      return RValue::error();
    bool transA = false, transB = false, clear = false;
    auto readFlag = [&](size_t i, bool &flag) {
      if (!args.get(i))
        return true;
      std::optional<bool> value = evalConstBool(*args.get(i), "a gemm flag");
      if (!value)
        return false;
      flag = *value;
      return true;
    };
    if (!readFlag(3, transA) || !readFlag(4, transB) || !readFlag(6, clear))
      return RValue::error();
    for (size_t i : {7, 8})
      if (args.get(i) && !evalConstInt(*args.get(i), i == 7 ? "k_pack" : "wg_wait"))
        return RValue::error();
    tile::GemmPolicy policy = tile::GemmPolicy::Square;
    if (args.get(5)) {
      RValue value = eval(*args.get(5));
      if (value.isError())
        return value;
      StringRef path = value.kind == RValue::Kind::Namespace ? StringRef(value.str)
                                                             : StringRef();
      if (path == "T.GemmWarpPolicy.Square")
        policy = tile::GemmPolicy::Square;
      else if (path == "T.GemmWarpPolicy.FullRow")
        policy = tile::GemmPolicy::FullRow;
      else if (path == "T.GemmWarpPolicy.FullCol")
        policy = tile::GemmPolicy::FullCol;
      else {
        error(args.get(5)->getLoc()) << "policy must be T.GemmWarpPolicy.Square, "
                                        "FullRow or FullCol";
        return RValue::error();
      }
    }
    tile::BufferType at = a.getBufferType(), bt = b.getBufferType(),
                     ct = c.getBufferType();
    for (auto [operand, type, expr] :
         {std::make_tuple("A", at, args.get(0)), std::make_tuple("B", bt, args.get(1)),
          std::make_tuple("C", ct, args.get(2))})
      if (type.getShape().size() != 2) {
        error(expr->getLoc()) << "T.gemm operand " << operand
                              << " must be a 2-D tile, got " << shapeText(type.getShape());
        return RValue::error();
      }
    if (at.getScope() == tile::MemoryScope::Global ||
        bt.getScope() == tile::MemoryScope::Global) {
      const Expr *expr = at.getScope() == tile::MemoryScope::Global ? args.get(0) : args.get(1);
      error(expr->getLoc()) << "T.gemm operands must be in shared memory or "
                               "fragments; copy the tile out of global memory first";
      return RValue::error();
    }
    if (ct.getScope() != tile::MemoryScope::Fragment &&
        ct.getScope() != tile::MemoryScope::Local) {
      error(args.get(2)->getLoc()) << "the T.gemm accumulator C must be a fragment "
                                      "(T.alloc_fragment), got "
                                   << c.describe();
      return RValue::error();
    }
    int64_t m = transA ? at.getShape()[1] : at.getShape()[0];
    int64_t kA = transA ? at.getShape()[0] : at.getShape()[1];
    int64_t kB = transB ? bt.getShape()[1] : bt.getShape()[0];
    int64_t n = transB ? bt.getShape()[0] : bt.getShape()[1];
    if (kA != kB) {
      error(where) << "T.gemm K extents differ: A is " << shapeText(at.getShape())
                   << (transA ? " (transposed)" : "") << " with K = " << kA
                   << ", B is " << shapeText(bt.getShape())
                   << (transB ? " (transposed)" : "") << " with K = " << kB;
      return RValue::error();
    }
    if (ct.getShape()[0] != m || ct.getShape()[1] != n) {
      error(args.get(2)->getLoc()) << "T.gemm accumulator is " << shapeText(ct.getShape())
                                   << " but A x B is " << m << "x" << n;
      return RValue::error();
    }
    auto op = tile::GemmOp::create(
        builder, l, a.value, b.value, c.value,
        transA ? builder.getUnitAttr() : UnitAttr(),
        transB ? builder.getUnitAttr() : UnitAttr(),
        tile::GemmPolicyAttr::get(ctx, policy),
        clear ? builder.getUnitAttr() : UnitAttr());
    verifyNow(op);
    return RValue::none();
  }
  if (inT && (fn == "fill" || fn == "clear")) {
    bool isFill = fn == "fill";
    BoundArgs args = isFill ? bindArgs(*this, call, name, {"buffer", "value"}, 2)
                            : bindArgs(*this, call, name, {"buffer"}, 1);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    RValue buffer = evalTileOperand(*args.get(0), std::nullopt);
    if (buffer.isError())
      return buffer;
    Type elementType = tile::scalarTypeOf(buffer.getBufferType().getElementType());
    RValue value = isFill ? eval(*args.get(1)) : RValue::ofInt(0);
    if (value.isBuffer()) {
      error(args.get(1)->getLoc()) << "T.fill takes a scalar value";
      return RValue::error();
    }
    Value scalar = materialize(value, isFill ? args.get(1)->getLoc() : where, elementType);
    if (!scalar)
      return RValue::error();
    scalar = castTo(scalar, elementType, where);
    auto op = tile::FillOp::create(builder, l, buffer.value, scalar);
    verifyNow(op);
    return RValue::none();
  }
  if (inT && fn.starts_with("reduce_")) {
    std::optional<tile::ReduceKind> kind = tile::symbolizeReduceKind(fn.drop_front(7));
    if (!kind) {
      error(call.callee->getLoc()) << "unknown reduction '" << name
                                   << "'; expected reduce_max, reduce_min, reduce_sum, "
                                      "reduce_abssum or reduce_absmax";
      return RValue::error();
    }
    BoundArgs args = bindArgs(*this, call, name, {"buffer", "out", "dim", "clear"}, 2);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    RValue src = evalTileOperand(*args.get(0), std::nullopt);
    RValue dst = evalTileOperand(*args.get(1), std::nullopt);
    if (src.isError() || dst.isError())
      return RValue::error();
    int64_t rank = src.getBufferType().getShape().size();
    std::optional<int64_t> dimArg = evalDimArg(args.get(2), rank, -1, where);
    std::optional<bool> clearArg = evalFlagArg(args.get(3), "clear", true);
    if (!dimArg || !clearArg)
      return RValue::error();
    int64_t dim = *dimArg;
    bool clear = *clearArg;
    SmallVector<int64_t> expected(src.getBufferType().getShape());
    expected.erase(expected.begin() + dim);
    if (tile::withoutUnitDims(expected) != tile::withoutUnitDims(dst.getBufferType().getShape())) {
      error(args.get(1)->getLoc())
          << name << " output must have the input's shape without dimension " << dim
          << " (" << shapeText(expected) << "), got "
          << shapeText(dst.getBufferType().getShape());
      return RValue::error();
    }
    auto op = tile::ReduceOp::create(builder, l, tile::ReduceKindAttr::get(ctx, *kind),
                                     src.value, dst.value, builder.getI64IntegerAttr(dim),
                                     clear ? builder.getUnitAttr() : UnitAttr());
    verifyNow(op);
    return RValue::none();
  }
  if (inT && fn == "cumsum") {
    BoundArgs args = bindArgs(*this, call, name, {"src", "dst", "dim", "reverse"}, 1);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    RValue src = evalTileOperand(*args.get(0), std::nullopt);
    if (src.isError())
      return src;
    // Without dst (or dst=None) the source holds the sums.
    RValue dst = src;
    if (const Expr *dstExpr = args.get(1); dstExpr && !isa<NoneExpr>(dstExpr)) {
      dst = evalTileOperand(*dstExpr, std::nullopt);
      if (dst.isError())
        return dst;
    }
    int64_t rank = src.getBufferType().getShape().size();
    std::optional<int64_t> dimArg = evalDimArg(args.get(2), rank, 0, where);
    std::optional<bool> reverseArg = evalFlagArg(args.get(3), "reverse", false);
    if (!dimArg || !reverseArg)
      return RValue::error();
    int64_t dim = *dimArg;
    bool reverse = *reverseArg;
    if (src.getBufferType().getShape() != dst.getBufferType().getShape()) {
      error(args.get(1)->getLoc()) << name << " output must have the input's shape ("
                                   << shapeText(src.getBufferType().getShape()) << "), got "
                                   << shapeText(dst.getBufferType().getShape());
      return RValue::error();
    }
    auto op = tile::CumsumOp::create(builder, l, src.value, dst.value,
                                     builder.getI64IntegerAttr(dim),
                                     reverse ? builder.getUnitAttr() : UnitAttr());
    verifyNow(op);
    return RValue::none();
  }
  if (inT && fn == "atomic_add") {
    BoundArgs args = bindArgs(*this, call, name, {"dst", "value"}, 2);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    const Expr &dstExpr = *args.get(0);
    RValue value = eval(*args.get(1));
    if (value.isError())
      return value;
    if (value.isBuffer()) {
      RValue dst = evalTileOperand(dstExpr, value.getBufferType().getShape());
      if (dst.isError())
        return dst;
      if (tile::withoutUnitDims(dst.getBufferType().getShape()) !=
          tile::withoutUnitDims(value.getBufferType().getShape())) {
        error(where) << "T.atomic_add shapes do not match: destination is "
                     << shapeText(dst.getBufferType().getShape()) << ", value is "
                     << shapeText(value.getBufferType().getShape());
        return RValue::error();
      }
      auto op = tile::AtomicAddOp::create(builder, l, value.value, dst.value, ValueRange{});
      verifyNow(op);
      return RValue::none();
    }
    auto *subscript = dyn_cast<SubscriptExpr>(&dstExpr);
    if (!subscript || !isStartOnlySubscript(dstExpr)) {
      error(dstExpr.getLoc()) << "T.atomic_add of a scalar needs an element as "
                                 "destination, e.g. Out[i, j]";
      return RValue::error();
    }
    RValue base = eval(*subscript->base);
    tile::BufferType type = base.getBufferType();
    if (subscript->indices.size() != type.getShape().size()) {
      error(dstExpr.getLoc()) << "a rank-" << type.getShape().size()
                              << " buffer needs " << type.getShape().size()
                              << " indices, got " << subscript->indices.size();
      return RValue::error();
    }
    SmallVector<Value> indices;
    for (const ExprPtr &indexExpr : subscript->indices) {
      Value index = toIndex(eval(*indexExpr), indexExpr->getLoc());
      if (!index)
        return RValue::error();
      indices.push_back(index);
    }
    Type scalarType = tile::scalarTypeOf(type.getElementType());
    Value scalar = materialize(value, args.get(1)->getLoc(), scalarType);
    if (!scalar)
      return RValue::error();
    scalar = castTo(scalar, scalarType, where);
    auto op = tile::AtomicAddOp::create(builder, l, scalar, base.value, indices);
    verifyNow(op);
    return RValue::none();
  }

  //===------------------------------------------------------------------===//
  // Scheduling annotations and debugging
  //===------------------------------------------------------------------===//
  if (inT && fn == "use_swizzle") {
    BoundArgs args = bindArgs(*this, call, name, {"panel_size", "order", "enable"}, 1);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    std::optional<int64_t> panel = evalConstInt(*args.get(0), "panel_size");
    if (!panel)
      return RValue::error();
    if (*panel <= 0) {
      error(args.get(0)->getLoc()) << "panel_size must be positive, got " << *panel;
      return RValue::error();
    }
    if (args.get(1)) {
      std::optional<std::string> order = evalConstString(*args.get(1), "order");
      if (!order)
        return RValue::error();
      if (*order != "row" && *order != "col") {
        error(args.get(1)->getLoc()) << "order must be 'row' or 'col'";
        return RValue::error();
      }
    }
    bool enable = true;
    if (args.get(2)) {
      std::optional<bool> value = evalConstBool(*args.get(2), "enable");
      if (!value)
        return RValue::error();
      enable = *value;
    }
    if (enable)
      verifyNow(tile::UseSwizzleOp::create(builder, l, builder.getI64IntegerAttr(*panel)));
    return RValue::none();
  }
  if (inT && fn == "make_swizzled_layout") {
    BoundArgs args = bindArgs(*this, call, name, {"buffer", "bytes"}, 1);
    if (!args.ok)
      return RValue::error();
    RValue buffer = eval(*args.get(0));
    if (buffer.isError())
      return buffer;
    if (!buffer.isBuffer()) {
      error(args.get(0)->getLoc()) << "expected a buffer, got " << buffer.describe();
      return RValue::error();
    }
    int64_t bytes = 0;
    if (args.get(1)) {
      std::optional<int64_t> value = evalConstInt(*args.get(1), "bytes");
      if (!value)
        return RValue::error();
      bytes = *value;
    }
    if (bytes != 0 && bytes != 32 && bytes != 64 && bytes != 128) {
      error(args.get(1)->getLoc()) << "swizzle bytes must be 32, 64 or 128, got " << bytes;
      return RValue::error();
    }
    RValue layout;
    layout.kind = RValue::Kind::Layout;
    layout.attr = tile::SwizzleLayoutAttr::get(ctx, bytes);
    return layout;
  }
  if (inT && fn == "annotate_layout") {
    if (call.args.size() != 1 || !call.keywords.empty() ||
        !isa<DictExpr>(call.args[0].get())) {
      error(where) << "T.annotate_layout takes one dictionary {buffer: layout}";
      return RValue::error();
    }
    if (!checkInLaunch(where, name))
      return RValue::error();
    auto &dict = cast<DictExpr>(*call.args[0]);
    for (auto [keyExpr, valueExpr] : llvm::zip(dict.keys, dict.values)) {
      RValue key = eval(*keyExpr);
      RValue layout = eval(*valueExpr);
      if (key.isError() || layout.isError())
        continue;
      if (!key.isBuffer()) {
        error(keyExpr->getLoc()) << "a layout annotation's key must be a buffer, got "
                                 << key.describe();
        continue;
      }
      if (layout.kind != RValue::Kind::Layout) {
        error(valueExpr->getLoc()) << "expected a layout (e.g. "
                                      "T.make_swizzled_layout(buf)), got "
                                   << layout.describe();
        continue;
      }
      if (key.getBufferType().getScope() != tile::MemoryScope::Shared) {
        error(keyExpr->getLoc()) << "a swizzled layout applies to shared buffers, not to "
                                 << key.describe();
        continue;
      }
      verifyNow(tile::AnnotateLayoutOp::create(builder, loc(keyExpr->getLoc()),
                                               key.value, layout.attr));
    }
    return RValue::none();
  }
  if (inT && fn == "print") {
    BoundArgs args = bindArgs(*this, call, name, {"value", "msg"}, 1);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    RValue value = eval(*args.get(0));
    if (value.isError())
      return value;
    std::string message;
    if (args.get(1)) {
      std::optional<std::string> text = evalConstString(*args.get(1), "msg");
      if (!text)
        return RValue::error();
      message = *text;
    }
    Value v = value.isBuffer() ? value.value : materialize(value, args.get(0)->getLoc());
    if (!v)
      return RValue::error();
    tile::PrintOp::create(builder, l, v, builder.getStringAttr(message));
    return RValue::none();
  }
  if (inT && fn == "device_assert") {
    BoundArgs args = bindArgs(*this, call, name, {"cond", "msg"}, 1);
    if (!args.ok || !checkInLaunch(where, name))
      return RValue::error();
    Value cond = toBool(eval(*args.get(0)), args.get(0)->getLoc());
    if (!cond)
      return RValue::error();
    std::string message;
    if (args.get(1)) {
      std::optional<std::string> text = evalConstString(*args.get(1), "msg");
      if (!text)
        return RValue::error();
      message = *text;
    }
    tile::AssertOp::create(builder, l, cond, builder.getStringAttr(message));
    return RValue::none();
  }

  //===------------------------------------------------------------------===//
  // Scalar math
  //===------------------------------------------------------------------===//
  static const StringRef unaryMath[] = {"exp", "exp2", "log", "log2", "log10",
                                        "sqrt", "rsqrt", "floor", "ceil", "tanh",
                                        "sin", "cos", "erf", "sigmoid", "round",
                                        "trunc"};
  if (inT && llvm::is_contained(unaryMath, fn)) {
    BoundArgs args = bindArgs(*this, call, name, {"x"}, 1);
    if (!args.ok)
      return RValue::error();
    RValue x = eval(*args.get(0));
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
    Value v = materialize(x, args.get(0)->getLoc());
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
  if ((inT && fn == "abs") || name == "abs") {
    BoundArgs args = bindArgs(*this, call, name, {"x"}, 1);
    if (!args.ok)
      return RValue::error();
    RValue x = eval(*args.get(0));
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
  if ((inT && (fn == "max" || fn == "min")) || name == "max" || name == "min") {
    bool isMax = fn == "max";
    if (call.args.size() < 2 || !call.keywords.empty()) {
      error(where) << name << " takes two or more values";
      return RValue::error();
    }
    RValue acc = eval(*call.args[0]);
    for (size_t i = 1; i < call.args.size() && !acc.isError(); ++i) {
      RValue next = eval(*call.args[i]);
      if (next.isError())
        return next;
      acc = evalMinMax(isMax, acc, next, name, where);
    }
    return acc;
  }
  if (inT && fn == "clamp") {
    // T.clamp(x, lo, hi) = min(max(x, lo), hi)
    BoundArgs args = bindArgs(*this, call, name, {"value", "min_val", "max_val"}, 3);
    if (!args.ok)
      return RValue::error();
    RValue x = eval(*args.get(0)), lo = eval(*args.get(1)), hi = eval(*args.get(2));
    if (x.isError() || lo.isError() || hi.isError())
      return RValue::error();
    return evalMinMax(false, evalMinMax(true, x, lo, name, where), hi, name, where);
  }
  if (inT && (fn == "floordiv" || fn == "floormod")) {
    // Python's // and %, as functions (TileLang's spelling).
    BoundArgs args = bindArgs(*this, call, name, {"a", "b"}, 2);
    if (!args.ok)
      return RValue::error();
    return evalBinary(fn == "floordiv" ? BinaryOp::FloorDiv : BinaryOp::Mod,
                      eval(*args.get(0)), eval(*args.get(1)), where);
  }
  if (inT && fn == "if_then_else") {
    BoundArgs args = bindArgs(*this, call, name, {"cond", "then_value", "else_value"}, 3);
    if (!args.ok)
      return RValue::error();
    return evalSelect(*args.get(0), *args.get(1), *args.get(2), where);
  }
  if (inT && fn == "ceildiv") {
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
  if (inT && (fn == "cast" || fn == "Cast")) {
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
  if (inT && (fn == "infinity" || fn == "max_value" || fn == "min_value")) {
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

  //===------------------------------------------------------------------===//
  // Python builtins
  //===------------------------------------------------------------------===//
  if (name == "int" || name == "float" || name == "bool") {
    BoundArgs args = bindArgs(*this, call, name, {"x"}, 1);
    if (!args.ok)
      return RValue::error();
    RValue x = eval(*args.get(0));
    if (x.isError())
      return x;
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
  if (name == "len") {
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

  //===------------------------------------------------------------------===//
  // Constructs that only have a meaning in one place
  //===------------------------------------------------------------------===//
  if (name == "range" || fn == "Parallel" || fn == "Pipelined" || fn == "serial" ||
      fn == "Serial" ||
      fn == "unroll" || fn == "vectorized") {
    error(where) << name << " can only be the iterable of a for loop";
    return RValue::error();
  }
  if (fn == "Kernel") {
    error(where) << "T.Kernel can only be used as 'with T.Kernel(...) as ...:'";
    return RValue::error();
  }
  if (fn == "Tensor" || fn == "Buffer") {
    error(where) << name << " can only annotate a kernel parameter";
    return RValue::error();
  }
  error(call.callee->getLoc()) << "unknown function '" << name << "'";
  return RValue::error();
}

std::optional<int64_t> KernelGenerator::evalDimArg(const Expr *arg, int64_t rank,
                                                   int64_t fallback, llvm::SMLoc where) {
  int64_t dim = fallback;
  if (arg) {
    std::optional<int64_t> value = evalConstInt(*arg, "dim");
    if (!value)
      return std::nullopt;
    dim = *value;
  }
  if (dim < -rank || dim >= rank) {
    error(arg ? arg->getLoc() : where)
        << "dim " << dim << " is out of range for a rank-" << rank << " buffer";
    return std::nullopt;
  }
  return dim < 0 ? dim + rank : dim;
}

std::optional<bool> KernelGenerator::evalFlagArg(const Expr *arg, llvm::StringRef what,
                                                 bool fallback) {
  if (!arg)
    return fallback;
  return evalConstBool(*arg, what);
}
