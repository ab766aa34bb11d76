//===- IndexRanges.cpp - what simple arithmetic shows about indices -------===//
//
// Bounds of index values from constants, loop variables, block and thread
// indices and static extents through simple arithmetic, refined by the
// conditions of the ifs around the point where they are used; and from
// them, which element accesses of a tensor provably stay inside it. An
// element load of a tensor outside its bounds reads zero and a store
// outside is dropped (docs/language.md), so the GPU lowering guards the
// others.
//
//===----------------------------------------------------------------------===//

#include "dialects/Tile/IndexRanges.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace tilec::tile;

namespace {
/// Upper bounds that hold at a point: `x < c` for a constant c among the
/// conditions of the ifs around it.
using KnownBounds = DenseMap<Value, int64_t>;
} // namespace

static IndexRange rangeWithin(Value value, const KnownBounds &known, int depth);

static IndexRange rangeOf(Value value, const KnownBounds &known, int depth) {
  IndexRange range = rangeWithin(value, known, depth);
  if (auto bound = known.find(value); bound != known.end())
    range.high = range.high ? std::min(*range.high, bound->second) : bound->second;
  return range;
}

static std::optional<int64_t> add(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t sum;
  if (!a || !b || __builtin_add_overflow(*a, *b, &sum))
    return std::nullopt;
  return sum;
}

static std::optional<int64_t> multiply(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t product;
  if (!a || !b || __builtin_mul_overflow(*a, *b, &product))
    return std::nullopt;
  return product;
}

static IndexRange rangeWithin(Value value, const KnownBounds &known, int depth) {
  if (depth > 24)
    return {};
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return {*constant, *constant};
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto parallel = dyn_cast_or_null<ParallelOp>(owner))
      return {0, parallel.getExtents()[arg.getArgNumber()] - 1};
    if (auto launch = dyn_cast_or_null<LaunchOp>(owner)) { // a block index
      unsigned d = arg.getArgNumber();
      if (d >= launch.getGrid().size())
        return {0, 0};
      return {0, add(rangeOf(launch.getGrid()[d], known, depth + 1).high, -1)};
    }
    if (auto loop = dyn_cast_or_null<scf::ForOp>(owner); loop && arg == loop.getInductionVar())
      return {rangeOf(loop.getLowerBound(), known, depth + 1).low,
              add(rangeOf(loop.getUpperBound(), known, depth + 1).high, -1)};
    if (auto loop = dyn_cast_or_null<PipelinedOp>(owner);
        loop && arg == loop.getInductionVar())
      return {rangeOf(loop.getLowerBound(), known, depth + 1).low,
              add(rangeOf(loop.getUpperBound(), known, depth + 1).high, -1)};
    return {};
  }
  Operation *def = value.getDefiningOp();
  if (isa<ThreadIdOp>(def)) {
    // The producer warpgroup of a warp-specialized block: the 128 threads
    // after the launch's.
    int64_t threads = def->getParentOfType<LaunchOp>().getThreads();
    for (Operation *at = def; !isa<LaunchOp>(at); at = at->getParentOp())
      if (auto specialize = dyn_cast<WarpSpecializeOp>(at->getParentOp());
          specialize && at->getParentRegion() == &specialize.getProducer())
        return {threads, threads + 127};
    return {0, threads - 1};
  }
  if (auto dim = dyn_cast<DimOp>(def)) {
    int64_t extent = dim.getSource().getType().getShape()[dim.getIndex()];
    if (ShapedType::isDynamic(extent))
      return {0, std::nullopt};
    return {extent, extent};
  }
  if (isa<arith::IndexCastOp, arith::ExtSIOp>(def))
    return rangeOf(def->getOperand(0), known, depth + 1);
  if (def->getNumOperands() != 2)
    return {};
  IndexRange a = rangeOf(def->getOperand(0), known, depth + 1);
  IndexRange b = rangeOf(def->getOperand(1), known, depth + 1);
  auto nonNegative = [](const IndexRange &r) { return r.low && *r.low >= 0; };
  if (isa<arith::AddIOp>(def))
    return {add(a.low, b.low), add(a.high, b.high)};
  if (isa<arith::SubIOp>(def))
    return {add(a.low, multiply(b.high, -1)), add(a.high, multiply(b.low, -1))};
  if (isa<arith::MulIOp>(def) && nonNegative(a) && nonNegative(b))
    return {multiply(a.low, b.low), multiply(a.high, b.high)};
  std::optional<int64_t> divisor = getConstantIntValue(def->getOperand(1));
  if (isa<arith::DivUIOp, arith::DivSIOp, arith::FloorDivSIOp, arith::CeilDivSIOp>(def) &&
      divisor && *divisor > 0 && nonNegative(a)) {
    bool up = isa<arith::CeilDivSIOp>(def);
    auto divide = [&](std::optional<int64_t> x) -> std::optional<int64_t> {
      if (!x)
        return std::nullopt;
      return up ? (*x + *divisor - 1) / *divisor : *x / *divisor;
    };
    return {divide(a.low), divide(a.high)};
  }
  if (isa<arith::RemUIOp, arith::RemSIOp>(def) && divisor && *divisor > 0 && nonNegative(a))
    return {0, *divisor - 1};
  auto least = [](std::optional<int64_t> x, std::optional<int64_t> y) -> std::optional<int64_t> {
    if (x && y)
      return std::min(*x, *y);
    return std::nullopt;
  };
  auto greatest = [](std::optional<int64_t> x,
                     std::optional<int64_t> y) -> std::optional<int64_t> {
    if (x && y)
      return std::max(*x, *y);
    return std::nullopt;
  };
  // min: below either bound; max: above either bound.
  auto either = [](std::optional<int64_t> x, std::optional<int64_t> y,
                   std::optional<int64_t> both) { return both ? both : x ? x : y; };
  if (isa<arith::MinSIOp>(def))
    return {least(a.low, b.low), either(a.high, b.high, least(a.high, b.high))};
  if (isa<arith::MaxSIOp>(def))
    return {either(a.low, b.low, greatest(a.low, b.low)), greatest(a.high, b.high)};
  return {};
}

/// The conjuncts of a condition: `a and b` as arith.andi or as the
/// short-circuit `if a: b else: false`.
static void conjuncts(Value condition, SmallVectorImpl<Value> &out, int depth) {
  if (depth > 16)
    return;
  if (auto andOp = condition.getDefiningOp<arith::AndIOp>()) {
    conjuncts(andOp.getLhs(), out, depth + 1);
    conjuncts(andOp.getRhs(), out, depth + 1);
    return;
  }
  if (auto ifOp = condition.getDefiningOp<scf::IfOp>(); ifOp && ifOp.getNumResults() == 1) {
    auto number = cast<OpResult>(condition).getResultNumber();
    Value otherwise = ifOp.elseYield().getOperand(number);
    if (std::optional<int64_t> falseValue = getConstantIntValue(otherwise);
        falseValue && *falseValue == 0) {
      conjuncts(ifOp.getCondition(), out, depth + 1);
      conjuncts(ifOp.thenYield().getOperand(number), out, depth + 1);
      return;
    }
  }
  out.push_back(condition);
}


SmallVector<Value> tilec::tile::enclosingConditions(Operation *at) {
  SmallVector<Value> facts;
  for (Operation *child = at, *parent = at->getParentOp();
       parent && !isa<LaunchOp>(parent); child = parent, parent = parent->getParentOp())
    if (auto ifOp = dyn_cast<scf::IfOp>(parent);
        ifOp && child->getParentRegion() == &ifOp.getThenRegion())
      conjuncts(ifOp.getCondition(), facts, 0);
  return facts;
}

IndexRange tilec::tile::rangeOf(Value value, Operation *at) {
  KnownBounds known;
  if (at)
    for (Value fact : enclosingConditions(at))
      if (auto compare = fact.getDefiningOp<arith::CmpIOp>()) {
        std::optional<int64_t> bound = getConstantIntValue(compare.getRhs());
        using P = arith::CmpIPredicate;
        if (bound && (compare.getPredicate() == P::ult || compare.getPredicate() == P::slt)) {
          auto [entry, inserted] = known.try_emplace(compare.getLhs(), *bound - 1);
          if (!inserted)
            entry->second = std::min(entry->second, *bound - 1);
        }
      }
  return ::rangeOf(value, known, 0);
}

/// Whether two index values are the same computation: one value, or pure
/// ops of one kind and attributes on the same operands (a bound checked in
/// one branch and used in another is computed twice).
static bool sameIndex(Value a, Value b, int depth = 0) {
  if (a == b)
    return true;
  if (depth > 16)
    return false;
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  if (!x || !y || x->getName() != y->getName() ||
      x->getAttrDictionary() != y->getAttrDictionary() ||
      x->getNumOperands() != y->getNumOperands() || x->getNumRegions() != 0 || !isPure(x) ||
      cast<OpResult>(a).getResultNumber() != cast<OpResult>(b).getResultNumber())
    return false;
  return llvm::all_of(llvm::zip(x->getOperands(), y->getOperands()), [&](auto pair) {
    return sameIndex(std::get<0>(pair), std::get<1>(pair), depth + 1);
  });
}

/// The symbol name of dimension `d` of a kernel parameter (empty if none).
static StringRef dimensionName(Value buffer, int64_t d) {
  auto arg = dyn_cast<BlockArgument>(buffer);
  if (!arg)
    return {};
  auto func = dyn_cast_or_null<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func)
    return {};
  auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), kDimNamesAttrName);
  if (!names || d >= static_cast<int64_t>(names.size()))
    return {};
  return cast<StringAttr>(names[d]).getValue();
}

/// Whether `extent` is dimension `d` of `buffer`: the same tile.dim, one of
/// another tensor's dimension with the same symbol (the runtime checks at
/// launch that one symbol has one value), or the static extent.
static bool isExtentOf(Value extent, Value buffer, int64_t d) {
  while (auto cast = extent.getDefiningOp<arith::IndexCastOp>())
    extent = cast.getIn();
  int64_t staticExtent = llvm::cast<BufferType>(buffer.getType()).getShape()[d];
  if (std::optional<int64_t> constant = getConstantIntValue(extent))
    return !ShapedType::isDynamic(staticExtent) && *constant <= staticExtent;
  auto dim = extent.getDefiningOp<DimOp>();
  if (!dim)
    return false;
  if (dim.getSource() == buffer && static_cast<int64_t>(dim.getIndex()) == d)
    return true;
  StringRef name = dimensionName(buffer, d);
  return !name.empty() && name == dimensionName(dim.getSource(), dim.getIndex());
}

bool tilec::tile::provablyInBounds(Operation *access, Value buffer, ValueRange indices) {
  // A window (tile.region) of a tensor may reach past the tensor's end (a
  // slice of a dimension bound at launch, or one longer than the dimension,
  // which copies clip): indices inside the window prove nothing about the
  // tensor.
  if (!isa<BlockArgument>(buffer))
    return false;
  ArrayRef<int64_t> shape = llvm::cast<BufferType>(buffer.getType()).getShape();
  // What the conditions of the enclosing ifs (then branches) say.
  SmallVector<Value> facts = enclosingConditions(access);
  for (auto [d, index] : llvm::enumerate(indices)) {
    IndexRange range = rangeOf(index, access);
    bool low = range.low && *range.low >= 0;
    bool high = range.high && !ShapedType::isDynamic(shape[d]) && *range.high < shape[d];
    // A block index of a grid as large as the dimension (T.Kernel(M) over
    // the rows of an M-row tensor), a loop variable that runs up to it
    // (for t in T.serial(seq_len)).
    if (auto arg = dyn_cast<BlockArgument>(index)) {
      Operation *owner = arg.getOwner()->getParentOp();
      if (auto launch = dyn_cast<LaunchOp>(owner);
          launch && arg.getArgNumber() < launch.getGrid().size() &&
          isExtentOf(launch.getGrid()[arg.getArgNumber()], buffer, d))
        low = high = true;
      if (auto loop = dyn_cast<scf::ForOp>(owner);
          loop && isExtentOf(loop.getUpperBound(), buffer, d))
        high = true;
      if (auto loop = dyn_cast<PipelinedOp>(owner);
          loop && isExtentOf(loop.getUpperBound(), buffer, d))
        high = true;
    }
    for (Value fact : facts) {
      auto compare = fact.getDefiningOp<arith::CmpIOp>();
      if (!compare)
        continue;
      using P = arith::CmpIPredicate;
      P predicate = compare.getPredicate();
      Value lhs = compare.getLhs(), rhs = compare.getRhs();
      // index < extent (also written extent > index); unsigned: also >= 0.
      bool below = ((predicate == P::slt || predicate == P::ult) && sameIndex(lhs, index) &&
                    isExtentOf(rhs, buffer, d)) ||
                   ((predicate == P::sgt || predicate == P::ugt) && sameIndex(rhs, index) &&
                    isExtentOf(lhs, buffer, d));
      if (below) {
        high = true;
        low |= predicate == P::ult || predicate == P::ugt;
      }
      // index >= c (c >= 0) or index > c (c >= -1).
      std::optional<int64_t> bound = getConstantIntValue(rhs);
      if (sameIndex(lhs, index) && bound &&
          ((predicate == P::sge && *bound >= 0) || (predicate == P::sgt && *bound >= -1)))
        low = true;
    }
    if (!low || !high)
      return false;
  }
  return true;
}
