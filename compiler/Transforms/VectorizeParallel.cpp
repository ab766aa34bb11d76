//===- VectorizeParallel.cpp - vector widths of T.Parallel loops ----------===//
//
// Chooses how many consecutive iterations of a T.Parallel loop one thread
// runs, so that its global accesses become 16-byte vectors, and marks the
// bounds guards the lowering may check once per vector (see
// TileVectorizeParallel in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/Debug.h"

#include <numeric>
#include <optional>

#define DEBUG_TYPE "tile-vectorize-parallel"

namespace tilec {
#define GEN_PASS_DEF_TILEVECTORIZEPARALLEL
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

/// The widest vector access, in bytes.
static constexpr int64_t kVectorBytes = 16;
/// Divisibility facts are tracked up to this power of two.
static constexpr int64_t kMaxDivisor = 64;

/// Integer arithmetic that is safe to compute before the branch that holds
/// it (pure, never traps), and whose results the lane analysis understands.
static bool isIndexArithmetic(Operation *op) {
  return isa<arith::ConstantOp, arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::IndexCastOp,
             arith::ExtSIOp, arith::CmpIOp, arith::AndIOp>(op);
}

namespace {

/// Facts about the values of one T.Parallel body as functions of its
/// innermost loop variable (the lane), within one vector of iterations.
class LaneAnalysis {
public:
  LaneAnalysis(tile::ParallelOp parallel)
      : parallel(parallel), body(parallel.getBody().front()),
        lane(body.getArguments().back()) {}

  /// Whether `v` changes with the lane. The loop's other variables are
  /// fixed within a vector (it stays in one row of the iteration space).
  bool dependsOnLane(Value v) {
    if (v == lane)
      return true;
    if (!isInside(v))
      return false;
    if (auto it = depends.find(v); it != depends.end())
      return it->second;
    depends[v] = false; // no cycles in SSA; keeps the recursion finite
    bool result = false;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      // Nested loops' variables: assume the worst.
      result = arg.getOwner() != &body;
    } else {
      Operation *def = v.getDefiningOp();
      for (Value operand : def->getOperands())
        result |= dependsOnLane(operand);
      // Values computed in nested regions see what those regions use.
      def->walk([&](Operation *inner) {
        for (Value operand : inner->getOperands())
          if (!def->isAncestor(operand.getParentRegion()->getParentOp()))
            result |= dependsOnLane(operand);
      });
    }
    depends[v] = result;
    return result;
  }

  /// The coefficient c of `v` = c * lane + (something the same for the whole
  /// vector), or nothing if `v` is not of that form.
  std::optional<int64_t> laneCoefficient(Value v) {
    if (v == lane)
      return 1;
    if (!dependsOnLane(v))
      return 0;
    Operation *def = v.getDefiningOp();
    if (!def || !isInside(def))
      return std::nullopt;
    if (isa<arith::IndexCastOp, arith::ExtSIOp>(def))
      return laneCoefficient(def->getOperand(0));
    if (isa<arith::AddIOp, arith::SubIOp>(def)) {
      std::optional<int64_t> lhs = laneCoefficient(def->getOperand(0));
      std::optional<int64_t> rhs = laneCoefficient(def->getOperand(1));
      if (!lhs || !rhs)
        return std::nullopt;
      return isa<arith::AddIOp>(def) ? *lhs + *rhs : *lhs - *rhs;
    }
    if (isa<arith::MulIOp>(def)) {
      for (int side = 0; side < 2; ++side) {
        IntegerAttr factor;
        if (!matchPattern(def->getOperand(1 - side), m_Constant(&factor)))
          continue;
        if (std::optional<int64_t> c = laneCoefficient(def->getOperand(side)))
          return *c * factor.getInt();
      }
    }
    return std::nullopt;
  }

  /// The largest power of two (up to kMaxDivisor; 0 for a known zero) that
  /// divides `v` when the lane is any multiple of `width`.
  int64_t divisor(Value v, int64_t width) {
    if (v == lane)
      return width;
    IntegerAttr constant;
    if (matchPattern(v, m_Constant(&constant)))
      return powerOfTwoDivisor(constant.getInt());
    Operation *def = v.getDefiningOp();
    if (!def)
      return 1;
    if (isa<arith::IndexCastOp, arith::ExtSIOp>(def))
      return divisor(def->getOperand(0), width);
    if (isa<arith::AddIOp, arith::SubIOp>(def))
      return std::gcd(divisor(def->getOperand(0), width), divisor(def->getOperand(1), width));
    if (isa<arith::MulIOp>(def)) {
      int64_t lhs = divisor(def->getOperand(0), width);
      int64_t rhs = divisor(def->getOperand(1), width);
      if (lhs == 0 || rhs == 0)
        return 0;
      return std::min(lhs * rhs, kMaxDivisor);
    }
    return 1;
  }

  /// Whether the condition `cond` holds on an interval of the lane (so that
  /// holding at both ends of a vector means holding on all of it), and can
  /// be computed before the body runs (pure arithmetic at the body's top
  /// level or outside the loop).
  bool isIntervalCondition(Value cond) {
    if (!isComputableAhead(cond))
      return false;
    if (!dependsOnLane(cond))
      return true;
    Operation *def = cond.getDefiningOp();
    if (auto andOp = dyn_cast<arith::AndIOp>(def))
      return isIntervalCondition(andOp.getLhs()) && isIntervalCondition(andOp.getRhs());
    auto cmp = dyn_cast<arith::CmpIOp>(def);
    if (!cmp || cmp.getPredicate() == arith::CmpIPredicate::ne)
      return false;
    // A linear function of the lane against a value fixed for the vector.
    std::optional<int64_t> lhs = laneCoefficient(cmp.getLhs());
    std::optional<int64_t> rhs = laneCoefficient(cmp.getRhs());
    return lhs && rhs && (*lhs == 0) != (*rhs == 0);
  }

  /// Whether `v` is computed by pure, non-trapping arithmetic from values
  /// available before the body's first op.
  bool isComputableAhead(Value v) {
    if (!isInside(v))
      return true;
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() == &body;
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != &body || !isIndexArithmetic(def))
      return false;
    return llvm::all_of(def->getOperands(), [&](Value operand) { return isComputableAhead(operand); });
  }

  bool isInside(Operation *op) { return parallel->isProperAncestor(op); }
  bool isInside(Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return parallel->isProperAncestor(arg.getOwner()->getParentOp()) ||
             arg.getOwner()->getParentOp() == parallel.getOperation();
    return isInside(v.getDefiningOp());
  }

private:
  static int64_t powerOfTwoDivisor(int64_t value) {
    if (value == 0)
      return 0;
    int64_t d = 1;
    while (d < kMaxDivisor && value % (2 * d) == 0)
      d *= 2;
    return d;
  }

  tile::ParallelOp parallel;
  Block &body;
  Value lane;
  DenseMap<Value, bool> depends;
};

/// Rewrites `scf.if %a -> i1 { ...; yield %b } else { yield false }`, the
/// short-circuit `a and b`, to `arith.andi %a, %b` when computing %b early
/// is harmless (pure, non-trapping integer arithmetic), so that the guard it
/// feeds is one condition computed ahead of the body.
static void flattenShortCircuitAnds(Block &body) {
  SmallVector<scf::IfOp> candidates;
  body.walk<WalkOrder::PostOrder>([&](scf::IfOp ifOp) {
    if (ifOp->getBlock() == &body && ifOp.getNumResults() == 1 &&
        ifOp.getResult(0).getType().isInteger(1) && !ifOp.getElseRegion().empty())
      candidates.push_back(ifOp);
  });
  for (scf::IfOp ifOp : candidates) {
    auto elseYield = cast<scf::YieldOp>(ifOp.elseBlock()->getTerminator());
    if (!matchPattern(elseYield.getOperand(0), m_Zero()))
      continue;
    Block *thenBlock = ifOp.thenBlock();
    if (!llvm::all_of(thenBlock->without_terminator(),
                      [](Operation &op) { return isIndexArithmetic(&op); }))
      continue;
    Value rhs = cast<scf::YieldOp>(thenBlock->getTerminator()).getOperand(0);
    for (Operation &op : llvm::make_early_inc_range(thenBlock->without_terminator()))
      op.moveBefore(ifOp);
    OpBuilder b(ifOp);
    Value both = arith::AndIOp::create(b, ifOp.getLoc(), ifOp.getCondition(), rhs);
    ifOp.getResult(0).replaceAllUsesWith(both);
    ifOp.erase();
  }
}

struct TileVectorizeParallelPass
    : public tilec::impl::TileVectorizeParallelBase<TileVectorizeParallelPass> {
  void runOnOperation() override {
    getOperation().walk([&](tile::ParallelOp parallel) {
      if (parallel->getParentOfType<tile::ParallelOp>() || parallel.getLayoutAttr())
        return;
      auto launch = parallel->getParentOfType<tile::LaunchOp>();
      if (!launch)
        return;
      vectorize(parallel, launch.getThreads());
    });
  }

  void vectorize(tile::ParallelOp parallel, int64_t threads) {
    Block &body = parallel.getBody().front();
    if (body.getNumArguments() == 0)
      return;
    LaneAnalysis lanes(parallel);
    // The widest vector every global access allows, and whether any access
    // walks along the lane at all.
    int64_t width = kVectorBytes;
    bool contiguous = false;
    bool refused = false;
    auto access = [&](Value buffer, ValueRange indices, bool write) {
      auto type = cast<tile::BufferType>(buffer.getType());
      if (type.getScope() == tile::MemoryScope::Local) {
        // A thread's own buffer (a T.alloc_local or variable) that the body
        // writes at an element every iteration shares is state the
        // iterations a thread runs pass on: the lanes of a vector run op by
        // op, so each would read what the last one wrote. Elements that
        // move with the lane are each lane's own.
        bool ownElement = llvm::any_of(indices, [&](Value index) {
          std::optional<int64_t> coefficient = lanes.laneCoefficient(index);
          return coefficient && *coefficient != 0;
        });
        refused |= write && !ownElement;
        return;
      }
      // Whole tensors: the kernel's parameters and its workspaces
      // (T.alloc_global), C order from their extents.
      bool wholeTensor = isa<BlockArgument>(buffer) || buffer.getDefiningOp<tile::AllocGlobalOp>();
      if (type.getScope() != tile::MemoryScope::Global || !wholeTensor || indices.empty()) {
        // Register fragments are partitioned by their layout, and shared
        // memory would see bank conflicts from per-thread runs.
        refused = true;
        return;
      }
      std::optional<int64_t> coefficient = lanes.laneCoefficient(indices.back());
      if (coefficient == 0)
        return;
      if (coefficient != 1) {
        refused = true;
        return;
      }
      contiguous = true;
      Type element = type.getElementType();
      int64_t bytes = element.isIndex() ? 8 : std::max(1u, element.getIntOrFloatBitWidth() / 8);
      width = std::min(width, kVectorBytes / bytes);
      // The first element of a vector must be aligned to the vector: the
      // linear index, with the lane at a multiple of the width.
      ArrayRef<int64_t> shape = type.getShape();
      for (int64_t candidate = width; candidate >= 1; candidate /= 2) {
        int64_t linear = 0; // gcd accumulator (0: known zero)
        int64_t stride = 1; // divisor of the stride of dimension d
        for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
          int64_t term = lanes.divisor(indices[d], candidate);
          term = (term == 0 || stride == 0) ? 0 : std::min(term * stride, kMaxDivisor);
          linear = std::gcd(linear, term);
          // An extent bound at launch multiplies the stride by an unknown
          // integer, which keeps it a multiple of what is known: the rows of
          // a [batch, seq, heads, 128] tensor start at multiples of 128.
          if (!ShapedType::isDynamic(shape[d]))
            stride = std::min(stride * std::max<int64_t>(shape[d], 1), kMaxDivisor);
        }
        if (linear == 0 || linear % candidate == 0) {
          width = candidate;
          break;
        }
      }
    };
    SmallVector<Operation *> contiguousAccesses;
    body.walk([&](Operation *op) {
      bool wasContiguous = contiguous;
      contiguous = false;
      if (auto load = dyn_cast<tile::LoadOp>(op))
        access(load.getBuffer(), load.getIndices(), /*write=*/false);
      else if (auto store = dyn_cast<tile::StoreOp>(op))
        access(store.getBuffer(), store.getIndices(), /*write=*/true);
      else if (isa<tile::TileDialect>(op->getDialect()))
        refused = true;
      if (contiguous)
        contiguousAccesses.push_back(op);
      contiguous |= wasContiguous;
    });
    if (refused || !contiguous)
      return;
    ArrayRef<int64_t> extents = parallel.getExtents();
    int64_t total = 1;
    for (int64_t extent : extents)
      total *= extent;
    // A vector stays in one row of the iteration space, and every thread
    // keeps work.
    while (width > 1 && (extents.back() % width != 0 || total / width < threads))
      width /= 2;
    LLVM_DEBUG(llvm::dbgs() << "vector width " << width << " at " << parallel.getLoc() << "\n");
    if (width < 2)
      return;
    OpBuilder b(parallel);
    parallel.setVectorAttr(b.getI64IntegerAttr(width));
    for (Operation *op : contiguousAccesses) {
      if (auto load = dyn_cast<tile::LoadOp>(op))
        load.setContiguous(true);
      else
        cast<tile::StoreOp>(op).setContiguous(true);
    }
    flattenShortCircuitAnds(body);
    LaneAnalysis guards(parallel);
    body.walk([&](scf::IfOp ifOp) {
      if (guards.isIntervalCondition(ifOp.getCondition()))
        ifOp->setAttr(tile::kVectorGuardAttrName, b.getUnitAttr());
    });
  }
};

} // namespace
