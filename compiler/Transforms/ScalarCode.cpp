//===- ScalarCode.cpp - element arithmetic of the whole-tile ops ----------===//
//
// See ScalarCode.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ScalarCode.h"

#include <cmath>

using namespace mlir;
using namespace tilec;

Value scalar::cast(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (fromFloat && toFloat) {
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, to, value);
    if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, to, value);
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (!fromFloat && toFloat) {
    if (from.isIndex())
      value = arith::IndexCastOp::create(b, loc, b.getI64Type(), value);
    return arith::SIToFPOp::create(b, loc, to, value);
  }
  if (fromFloat && !toFloat)
    return arith::FPToSIOp::create(b, loc, to, value);
  if (from.isIndex() || to.isIndex())
    return arith::IndexCastOp::create(b, loc, to, value);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtSIOp::create(b, loc, to, value);
  return arith::TruncIOp::create(b, loc, to, value);
}

Value scalar::combine(OpBuilder &b, Location loc, tile::ReduceKind kind, Value a, Value x) {
  bool isFloat = isa<FloatType>(a.getType());
  switch (kind) {
  case tile::ReduceKind::Sum:
  case tile::ReduceKind::AbsSum:
    return isFloat ? Value(arith::AddFOp::create(b, loc, a, x))
                   : Value(arith::AddIOp::create(b, loc, a, x));
  case tile::ReduceKind::Min:
    return isFloat ? Value(arith::MinimumFOp::create(b, loc, a, x))
                   : Value(arith::MinSIOp::create(b, loc, a, x));
  case tile::ReduceKind::Max:
  case tile::ReduceKind::AbsMax:
    break;
  }
  return isFloat ? Value(arith::MaximumFOp::create(b, loc, a, x))
                 : Value(arith::MaxSIOp::create(b, loc, a, x));
}

Value scalar::reductionElement(OpBuilder &b, Location loc, tile::ReduceKind kind, Value x) {
  if (kind != tile::ReduceKind::AbsSum && kind != tile::ReduceKind::AbsMax)
    return x;
  return isa<FloatType>(x.getType()) ? Value(math::AbsFOp::create(b, loc, x))
                                     : Value(math::AbsIOp::create(b, loc, x));
}

Value scalar::reductionIdentity(OpBuilder &b, Location loc, tile::ReduceKind kind, Type type) {
  bool zero = kind == tile::ReduceKind::Sum || kind == tile::ReduceKind::AbsSum ||
              kind == tile::ReduceKind::AbsMax;
  bool isMin = kind == tile::ReduceKind::Min;
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(type, zero ? 0.0 : isMin ? INFINITY : -INFINITY));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, zero    ? llvm::APInt(width, 0)
                                     : isMin ? llvm::APInt::getSignedMaxValue(width)
                                             : llvm::APInt::getSignedMinValue(width)));
}

SmallVector<Value> scalar::squeeze(ValueRange point, ArrayRef<int64_t> shape) {
  SmallVector<Value> squeezed;
  for (auto [value, extent] : llvm::zip(point, shape))
    if (extent != 1)
      squeezed.push_back(value);
  return squeezed;
}

SmallVector<Value> scalar::unsqueeze(OpBuilder &b, Location loc, ValueRange squeezed,
                                     ArrayRef<int64_t> shape) {
  SmallVector<Value> indices;
  size_t next = 0;
  for (int64_t extent : shape)
    indices.push_back(extent == 1 ? Value(arith::ConstantIndexOp::create(b, loc, 0))
                                  : squeezed[next++]);
  return indices;
}
