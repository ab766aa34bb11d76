//===- BlockVisibility.cpp - a mask evaluated over a block of pairs -------===//
//
// T.block_visibility(mask_mod, b, h, q_first, q_last, k_first, k_last)
// evaluates a variant's mask once for a whole block of query and key
// positions instead of once per pair. The query and key positions are
// ranges; the integer operators on ranges give ranges (interval
// arithmetic); a comparison gives a condition over the block, held as two
// booleans: whether it holds for every pair (`always`) and whether it may
// hold for some (`possibly`); `and`, `or` and `not` combine those.
//
// What the evaluation cannot follow (a tensor read at a range of positions,
// a branch on a condition over the block, a call it has no rule for) makes
// that part unknown: unbounded ranges, conditions that may hold and need not.
// The answer stays sound, only less sharp: `always` is never true for a
// block with a masked pair, `possibly` never false for a block with a
// visible one. The attention template derives from it the key blocks a
// query block may see, the query blocks that may see a key block, and the
// blocks whose every pair is visible, so that a variant writes only its
// mask_mod.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;

using llvm::SMLoc;
using llvm::StringRef;

namespace {

RValue makeInterval(RValue lower, RValue upper) {
  RValue range;
  range.kind = RValue::Kind::Interval;
  range.elements = {std::move(lower), std::move(upper)};
  return range;
}

RValue makeTruth(RValue always, RValue possibly) {
  RValue truth;
  truth.kind = RValue::Kind::Truth;
  truth.elements = {std::move(always), std::move(possibly)};
  return truth;
}

/// A bound that is not known: -inf as a lower bound, +inf as an upper one.
bool isUnbounded(const RValue &bound) { return bound.kind == RValue::Kind::None; }

RValue unknownInterval() { return makeInterval(RValue::none(), RValue::none()); }

/// A condition that may hold somewhere and need not hold everywhere.
RValue unknownTruth() { return makeTruth(RValue::ofBool(false), RValue::ofBool(true)); }

/// The compile-time integer a range holds, if it is one point.
std::optional<int64_t> constantPoint(const RValue &range) {
  const RValue &lower = range.elements[0], &upper = range.elements[1];
  if (lower.isConstInt() && upper.isConstInt() && lower.intValue == upper.intValue)
    return lower.intValue;
  return std::nullopt;
}

} // namespace

/// A value as a range: itself, or the one point a number is.
static RValue asInterval(const RValue &value) {
  if (value.kind == RValue::Kind::Interval)
    return value;
  if (value.isConstNumber())
    return makeInterval(value, value);
  if (value.kind == RValue::Kind::Scalar && value.value.getType().isIntOrIndexOrFloat())
    return makeInterval(value, value);
  return unknownInterval();
}

/// A value as a condition over the block: itself, or a boolean that is the
/// same for every pair.
static RValue asTruth(const RValue &value) {
  if (value.kind == RValue::Kind::Truth)
    return value;
  if (value.isConst() && value.constKind == RValue::ConstKind::Bool)
    return makeTruth(value, value);
  if (value.isConstNumber())
    return asTruth(RValue::ofBool(value.constKind == RValue::ConstKind::Float
                                      ? value.floatValue != 0
                                      : value.intValue != 0));
  if (value.kind == RValue::Kind::Scalar && value.value.getType().isInteger(1))
    return makeTruth(value, value);
  return unknownTruth();
}

namespace {
/// Booleans of the evaluation (constant bools or i1 scalars), combined with
/// constants folded.
struct Booleans {
  OpBuilder &builder;
  Location loc;

  static bool isConstant(const RValue &b) { return b.isConst(); }
  static bool truthy(const RValue &b) { return b.intValue != 0; }

  RValue both(const RValue &a, const RValue &b) {
    if (isConstant(a))
      return truthy(a) ? b : RValue::ofBool(false);
    if (isConstant(b))
      return truthy(b) ? a : RValue::ofBool(false);
    return RValue::ofScalar(arith::AndIOp::create(builder, loc, a.value, b.value));
  }
  RValue either(const RValue &a, const RValue &b) {
    if (isConstant(a))
      return truthy(a) ? RValue::ofBool(true) : b;
    if (isConstant(b))
      return truthy(b) ? RValue::ofBool(true) : a;
    return RValue::ofScalar(arith::OrIOp::create(builder, loc, a.value, b.value));
  }
  RValue negate(const RValue &a) {
    if (isConstant(a))
      return RValue::ofBool(!truthy(a));
    Value one = arith::ConstantOp::create(builder, loc, builder.getBoolAttr(true));
    return RValue::ofScalar(arith::XOrIOp::create(builder, loc, a.value, one));
  }
  /// `not` of a condition over the block: it holds everywhere where the
  /// condition holds nowhere, and may hold where it need not hold.
  RValue negateTruth(const RValue &truth) {
    return makeTruth(negate(truth.elements[1]), negate(truth.elements[0]));
  }
};
} // namespace

RValue KernelGenerator::intervalBinary(BinaryOp op, const RValue &lhs, const RValue &rhs,
                                       SMLoc where) {
  if (lhs.kind == RValue::Kind::Truth || rhs.kind == RValue::Kind::Truth)
    return unknownInterval();
  RValue a = asInterval(lhs), b = asInterval(rhs);
  // A bound from two bounds; unknown when either is.
  auto combine = [&](BinaryOp boundOp, const RValue &x, const RValue &y) {
    return isUnbounded(x) || isUnbounded(y) ? RValue::none() : evalBinary(boundOp, x, y, where);
  };
  // A range times (or floor-divided by) a constant: bounds keep their
  // order for positive constants and swap for negative ones.
  auto scaled = [&](BinaryOp scaleOp, const RValue &range, int64_t factor) {
    RValue c = RValue::ofInt(factor);
    RValue lower = combine(scaleOp, range.elements[0], c),
           upper = combine(scaleOp, range.elements[1], c);
    if (factor == 0)
      return makeInterval(RValue::ofInt(0), RValue::ofInt(0));
    return factor > 0 ? makeInterval(lower, upper) : makeInterval(upper, lower);
  };
  switch (op) {
  case BinaryOp::Add:
    return makeInterval(combine(BinaryOp::Add, a.elements[0], b.elements[0]),
                        combine(BinaryOp::Add, a.elements[1], b.elements[1]));
  case BinaryOp::Sub:
    return makeInterval(combine(BinaryOp::Sub, a.elements[0], b.elements[1]),
                        combine(BinaryOp::Sub, a.elements[1], b.elements[0]));
  case BinaryOp::Mul: {
    if (std::optional<int64_t> factor = constantPoint(b))
      return scaled(BinaryOp::Mul, a, *factor);
    if (std::optional<int64_t> factor = constantPoint(a))
      return scaled(BinaryOp::Mul, b, *factor);
    if (llvm::any_of(a.elements, isUnbounded) || llvm::any_of(b.elements, isUnbounded))
      return unknownInterval();
    RValue products[4] = {evalBinary(op, a.elements[0], b.elements[0], where),
                          evalBinary(op, a.elements[0], b.elements[1], where),
                          evalBinary(op, a.elements[1], b.elements[0], where),
                          evalBinary(op, a.elements[1], b.elements[1], where)};
    RValue lower = products[0], upper = products[0];
    for (int i = 1; i < 4; ++i) {
      lower = evalMinMax(false, lower, products[i], "min", where);
      upper = evalMinMax(true, upper, products[i], "max", where);
    }
    return makeInterval(lower, upper);
  }
  case BinaryOp::FloorDiv: {
    // Floor division by a constant is monotone in the dividend.
    std::optional<int64_t> divisor = constantPoint(b);
    if (!divisor || *divisor == 0)
      return unknownInterval();
    return scaled(BinaryOp::FloorDiv, a, *divisor);
  }
  case BinaryOp::Mod: {
    std::optional<int64_t> divisor = constantPoint(b);
    if (!divisor || *divisor <= 0)
      return unknownInterval();
    return makeInterval(RValue::ofInt(0), RValue::ofInt(*divisor - 1));
  }
  default:
    return unknownInterval();
  }
}

RValue KernelGenerator::intervalCompare(CompareOp op, const RValue &lhs, const RValue &rhs,
                                        SMLoc where) {
  if (lhs.kind == RValue::Kind::Truth || rhs.kind == RValue::Kind::Truth)
    return unknownTruth();
  RValue a = asInterval(lhs), b = asInterval(rhs);
  Booleans booleans{builder, loc(where)};
  // x < y (or x <= y) of two bounds; `unknown` where either is unbounded:
  // false for what must hold everywhere, true for what may hold.
  auto below = [&](const RValue &x, const RValue &y, bool strict, bool unknown) {
    if (isUnbounded(x) || isUnbounded(y))
      return RValue::ofBool(unknown);
    return evalCompare(strict ? CompareOp::Lt : CompareOp::Le, x, y, where);
  };
  // a < b (strict) or a <= b over the block.
  auto less = [&](const RValue &x, const RValue &y, bool strict) {
    return makeTruth(below(x.elements[1], y.elements[0], strict, false),
                     below(x.elements[0], y.elements[1], strict, true));
  };
  auto equal = [&]() {
    RValue always = RValue::ofBool(false);
    if (!llvm::any_of(a.elements, isUnbounded) && !llvm::any_of(b.elements, isUnbounded))
      always = booleans.both(
          booleans.both(evalCompare(CompareOp::Eq, a.elements[0], a.elements[1], where),
                        evalCompare(CompareOp::Eq, b.elements[0], b.elements[1], where)),
          evalCompare(CompareOp::Eq, a.elements[0], b.elements[0], where));
    RValue possibly = booleans.both(below(a.elements[0], b.elements[1], false, true),
                                    below(b.elements[0], a.elements[1], false, true));
    return makeTruth(always, possibly);
  };
  switch (op) {
  case CompareOp::Lt:
    return less(a, b, true);
  case CompareOp::Le:
    return less(a, b, false);
  case CompareOp::Gt:
    return less(b, a, true);
  case CompareOp::Ge:
    return less(b, a, false);
  case CompareOp::Eq:
    return equal();
  case CompareOp::Ne:
    return booleans.negateTruth(equal());
  default:
    return unknownTruth();
  }
}

RValue KernelGenerator::intervalMinMax(bool isMax, const RValue &lhs, const RValue &rhs,
                                       SMLoc where) {
  if (lhs.kind == RValue::Kind::Truth || rhs.kind == RValue::Kind::Truth)
    return unknownInterval();
  RValue a = asInterval(lhs), b = asInterval(rhs);
  StringRef name = isMax ? "max" : "min";
  // The side where an unbounded operand leaves the result unbounded, and
  // the side where the other operand bounds it.
  auto spread = [&](const RValue &x, const RValue &y) {
    return isUnbounded(x) || isUnbounded(y) ? RValue::none() : evalMinMax(isMax, x, y, name, where);
  };
  auto bounded = [&](const RValue &x, const RValue &y) {
    if (isUnbounded(x))
      return y;
    if (isUnbounded(y))
      return x;
    return evalMinMax(isMax, x, y, name, where);
  };
  if (isMax)
    return makeInterval(bounded(a.elements[0], b.elements[0]),
                        spread(a.elements[1], b.elements[1]));
  return makeInterval(spread(a.elements[0], b.elements[0]),
                      bounded(a.elements[1], b.elements[1]));
}

RValue KernelGenerator::intervalUnary(UnaryOp op, const RValue &operand, SMLoc where) {
  switch (op) {
  case UnaryOp::Not:
    return Booleans{builder, loc(where)}.negateTruth(asTruth(operand));
  case UnaryOp::Neg:
    return intervalBinary(BinaryOp::Sub, RValue::ofInt(0), operand, where);
  case UnaryOp::Plus:
    return operand;
  default:
    return operand.kind == RValue::Kind::Truth ? unknownTruth() : unknownInterval();
  }
}

RValue KernelGenerator::truthBoolOp(bool isAnd, const RValue &lhs, const RValue &rhs,
                                    SMLoc where) {
  Booleans booleans{builder, loc(where)};
  RValue a = asTruth(lhs), b = asTruth(rhs);
  if (isAnd)
    return makeTruth(booleans.both(a.elements[0], b.elements[0]),
                     booleans.both(a.elements[1], b.elements[1]));
  return makeTruth(booleans.either(a.elements[0], b.elements[0]),
                   booleans.either(a.elements[1], b.elements[1]));
}

RValue KernelGenerator::readOverRange(const SubscriptExpr &expr, const RValue &buffer,
                                      ArrayRef<RValue> indices) {
  // Sorted along the last index, read there over a bounded range and at
  // single positions elsewhere: the values lie between the two end reads.
  bool sorted = buffer.sortedAlongLast && indices.back().kind == RValue::Kind::Interval &&
                !llvm::any_of(indices.back().elements, isUnbounded) &&
                llvm::all_of(indices.drop_back(),
                             [](const RValue &index) { return !index.isBlockValue(); });
  if (!sorted || !checkInLaunch(expr.getLoc(), "reads of buffer elements"))
    return unknownInterval();
  tile::BufferType type = buffer.getBufferType();
  auto readAt = [&](const RValue &last) -> RValue {
    SmallVector<Value> at;
    for (auto [i, index] : llvm::enumerate(indices)) {
      Value value = toIndex(i + 1 == indices.size() ? last : index, expr.indices[i]->getLoc());
      if (!value)
        return RValue::none();
      at.push_back(value);
    }
    return RValue::ofScalar(tile::LoadOp::create(builder, loc(expr.getLoc()),
                                                 tile::scalarTypeOf(type.getElementType()),
                                                 buffer.value, at),
                            type.getElementType());
  };
  return makeInterval(readAt(indices.back().elements[0]), readAt(indices.back().elements[1]));
}

/// T.assume_sorted(buffer): the buffer, with the promise that its values do
/// not decrease along its last index. T.block_visibility then bounds a read
/// over a range of positions by the reads at its ends (document ids of
/// packed sequences); elsewhere it changes nothing.
RValue KernelGenerator::builtinAssumeSorted(StringRef name, StringRef fn, const CallExpr &call) {
  const Expr *argument = nullptr;
  RValue buffer = evalSingleArgument(*this, call, name, "buffer", &argument);
  if (buffer.isError())
    return buffer;
  if (!buffer.isBuffer()) {
    error(argument->getLoc()) << name << " takes a buffer, not " << buffer.describe();
    return RValue::error();
  }
  buffer.sortedAlongLast = true;
  return buffer;
}

/// T.block_visibility(mask_mod, b, h, q_first, q_last, k_first, k_last):
/// (everywhere, somewhere), whether mask_mod(b, h, q, k) holds for every
/// pair of query positions q_first..q_last and key positions
/// k_first..k_last, and whether it may hold for some.
RValue KernelGenerator::builtinBlockVisibility(StringRef name, StringRef fn,
                                               const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name,
                            {"mask_mod", "b", "h", "q_first", "q_last", "k_first", "k_last"}, 7);
  if (!args.ok)
    return RValue::error();
  RValue mask = eval(*args.get(0));
  if (mask.isError())
    return mask;
  if (mask.kind != RValue::Kind::Macro) {
    error(args.get(0)->getLoc()) << name << " takes a @T.macro mask_mod(b, h, q, k), not "
                                 << mask.describe();
    return RValue::error();
  }
  if (mask.function->params.size() < 4) {
    error(args.get(0)->getLoc()) << name << ": mask_mod '" << mask.function->name
                                 << "' takes (b, h, q, k), not "
                                 << mask.function->params.size() << " parameters";
    return RValue::error();
  }
  SmallVector<RValue, 6> values;
  for (size_t i = 1; i < 7; ++i) {
    RValue value = eval(*args.get(i));
    if (value.kind == RValue::Kind::Var)
      value = readVar(value, args.get(i)->getLoc());
    if (value.isError())
      return value;
    if (!value.isConstInt() && !(value.kind == RValue::Kind::Scalar &&
                                 value.value.getType().isIntOrIndex())) {
      error(args.get(i)->getLoc()) << name << " takes integer positions, not "
                                   << value.describe();
      return RValue::error();
    }
    values.push_back(std::move(value));
  }
  const std::vector<Param> &params = mask.function->params;
  std::map<std::string, RValue> bound{
      {params[0].name, values[0]},
      {params[1].name, values[1]},
      {params[2].name, makeInterval(values[2], values[3])},
      {params[3].name, makeInterval(values[4], values[5])}};

  // What the evaluation generates is erased again if it fails.
  Block *block = builder.getInsertionBlock();
  Block::iterator point = builder.getInsertionPoint();
  Operation *before = point == block->begin() ? nullptr : &*std::prev(point);
  RValue result;
  unsigned failures;
  {
    SourceContext::HeldErrors held(source);
    ++intervalDepth;
    result = expandMacro(mask, std::move(bound), where);
    --intervalDepth;
    failures = held.count();
  }
  RValue truth = unknownTruth();
  if (failures == 0 && !result.isError())
    truth = asTruth(result);
  else {
    Operation *end = builder.getInsertionPoint() == block->end()
                         ? nullptr
                         : &*builder.getInsertionPoint();
    SmallVector<Operation *> generated;
    for (Operation *op = before ? before->getNextNode() : &block->front(); op && op != end;
         op = op->getNextNode())
      generated.push_back(op);
    for (Operation *op : llvm::reverse(generated))
      if (op->use_empty())
        op->erase();
  }
  RValue pair;
  pair.kind = RValue::Kind::Tuple;
  pair.elements = {truth.elements[0], truth.elements[1]};
  return pair;
}
