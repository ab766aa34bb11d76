//===- NarrowCompares.cpp - 64-bit compares on 32 bits --------------------===//
//
// Runs integer compares whose operand ranges fit 32 bits, and the arithmetic
// only they use, on i32 (see TileNarrowCompares in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Analysis/DataFlow/ConstantPropagationAnalysis.h"
#include "mlir/Analysis/DataFlow/DeadCodeAnalysis.h"
#include "mlir/Analysis/DataFlow/IntegerRangeAnalysis.h"
#include "mlir/Analysis/DataFlowFramework.h"

#include <limits>

namespace tilec {
#define GEN_PASS_DEF_TILENARROWCOMPARES
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// Rewrites integer compares on 32 bits. The low 32 bits of a sum,
/// difference or product depend only on the low 32 bits of its operands, so
/// the arithmetic that feeds a compare alone runs on i32 too; a value that
/// other ops use as well (an address's row, say) is truncated where the
/// compare's computation starts, so that no value is kept in both widths.
class CompareNarrowing {
public:
  CompareNarrowing(DataFlowSolver &solver, MLIRContext *context)
      : solver(solver), b(context) {}

  /// Whether `cmp` compares 64-bit values that fit 32 bits (then it is
  /// one of those run() rewrites).
  bool select(arith::CmpIOp cmp) {
    Type type = cmp.getLhs().getType();
    if (!type.isIndex() && !type.isInteger(64))
      return false;
    // Equality holds on the truncations when both operands fit as signed
    // numbers, which is what the analysis keeps tight.
    arith::CmpIPredicate predicate = cmp.getPredicate();
    bool isUnsigned = predicate == arith::CmpIPredicate::ult ||
                      predicate == arith::CmpIPredicate::ule ||
                      predicate == arith::CmpIPredicate::ugt ||
                      predicate == arith::CmpIPredicate::uge;
    if (!fitsIn32Bits(cmp.getLhs(), !isUnsigned) || !fitsIn32Bits(cmp.getRhs(), !isUnsigned))
      return false;
    selected.insert(cmp);
    return true;
  }

  void run(arith::CmpIOp cmp) {
    Value lhs = narrow(cmp.getLhs()), rhs = narrow(cmp.getRhs());
    cmp.getLhsMutable().assign(lhs);
    cmp.getRhsMutable().assign(rhs);
  }

  /// Erases the wide ops whose only users were narrowed.
  void eraseDeadWideOps() {
    for (Operation *op : llvm::reverse(replaced))
      if (op->use_empty())
        op->erase();
  }

private:
  /// Whether every value of `value`'s range fits 32 bits as a signed or an
  /// unsigned number.
  bool fitsIn32Bits(Value value, bool isSigned) {
    auto *lattice = solver.lookupState<dataflow::IntegerValueRangeLattice>(value);
    if (!lattice || lattice->getValue().isUninitialized())
      return false;
    const ConstantIntRanges &range = lattice->getValue().getValue();
    if (isSigned)
      return range.smin().sge(std::numeric_limits<int32_t>::min()) &&
             range.smax().sle(std::numeric_limits<int32_t>::max());
    return range.umax().ule(std::numeric_limits<uint32_t>::max());
  }

  /// Whether every use of `value` is a selected compare or the arithmetic
  /// of one (so that nothing needs its 64 bits).
  bool feedsOnlyCompares(Value value) {
    auto [it, inserted] = onlyCompares.try_emplace(value, false);
    if (!inserted)
      return it->second;
    bool only = !value.use_empty() && llvm::all_of(value.getUsers(), [&](Operation *user) {
      if (auto cmp = dyn_cast<arith::CmpIOp>(user))
        return selected.contains(cmp);
      return isa<arith::AddIOp, arith::SubIOp, arith::MulIOp>(user) &&
             feedsOnlyCompares(user->getResult(0));
    });
    onlyCompares[value] = only;
    return only;
  }

  /// `value`'s low 32 bits as an i32.
  Value narrow(Value value) {
    if (Value known = narrowed.lookup(value))
      return known;
    Operation *def = value.getDefiningOp();
    Type i32 = b.getI32Type();
    Value result;
    if (auto constant = value.getDefiningOp<arith::ConstantOp>()) {
      b.setInsertionPoint(constant);
      APInt bits = llvm::cast<IntegerAttr>(constant.getValue()).getValue();
      result = arith::ConstantIntOp::create(b, constant.getLoc(), i32,
                                            bits.trunc(32).getSExtValue());
    } else if (def && isa<arith::AddIOp, arith::SubIOp, arith::MulIOp>(def) &&
               feedsOnlyCompares(value)) {
      // Computed for compares alone: on 32 bits.
      Value lhs = narrow(def->getOperand(0)), rhs = narrow(def->getOperand(1));
      b.setInsertionPoint(def);
      OperationState state(def->getLoc(), def->getName(), ValueRange{lhs, rhs}, TypeRange{i32});
      result = b.create(state)->getResult(0);
      replaced.push_back(def);
    } else {
      b.setInsertionPointAfterValue(value);
      Location loc = def ? def->getLoc() : value.getLoc();
      result = value.getType().isIndex() ? Value(arith::IndexCastOp::create(b, loc, i32, value))
                                         : Value(arith::TruncIOp::create(b, loc, i32, value));
    }
    narrowed[value] = result;
    return result;
  }

  DataFlowSolver &solver;
  OpBuilder b;
  DenseSet<Operation *> selected;
  DenseMap<Value, bool> onlyCompares;
  DenseMap<Value, Value> narrowed;
  SmallVector<Operation *> replaced;
};

struct TileNarrowComparesPass
    : public tilec::impl::TileNarrowComparesBase<TileNarrowComparesPass> {
  void runOnOperation() override {
    DataFlowSolver solver;
    solver.load<dataflow::DeadCodeAnalysis>();
    solver.load<dataflow::SparseConstantPropagation>();
    solver.load<dataflow::IntegerRangeAnalysis>();
    if (failed(solver.initializeAndRun(getOperation())))
      return signalPassFailure();
    SmallVector<arith::CmpIOp> compares;
    getOperation().walk([&](arith::CmpIOp cmp) { compares.push_back(cmp); });
    CompareNarrowing narrowing(solver, &getContext());
    llvm::erase_if(compares, [&](arith::CmpIOp cmp) { return !narrowing.select(cmp); });
    for (arith::CmpIOp cmp : compares)
      narrowing.run(cmp);
    narrowing.eraseDeadWideOps();
  }
};

} // namespace
