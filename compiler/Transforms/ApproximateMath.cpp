//===- ApproximateMath.cpp - cheaper math where approximation is allowed ---===//
//
// Expands math functions marked `fastmath<afn>` that no target library has a
// fast form of (see TileApproximateMath in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"

namespace tilec {
#define GEN_PASS_DEF_TILEAPPROXIMATEMATH
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// r(a), lowest degree first: a least-squares Chebyshev fit on [0, 4] of
/// log2(erfc(a)) / a + a log2(e), rounded to f32. With it,
/// erfc(a) ~ 2^(a r(a) - a^2 log2(e)): |erf error| < 2e-7 on the whole line.
constexpr double kErfcLogCoefficients[] = {
    -1.6279078722000122,    0.5242709517478943,     -0.14843016862869263,
    0.028044428676366806,   -0.00032521761022508144, -0.0020052462350577116,
    0.0007679748232476413,  -0.00015192621503956616, 1.6365449482691474e-05,
    -7.569916533611831e-07};

/// Past |x| = 4 the polynomial is held at 4: the a^2 term alone carries
/// erfc down (erf is 1 in f32 there already).
constexpr double kFitEnd = 4.0;

/// Whether `op` may be replaced by an approximation.
bool allowsApproximation(Operation *op) {
  auto fastMath = dyn_cast<arith::ArithFastMathInterface>(op);
  return fastMath && arith::bitEnumContainsAll(fastMath.getFastMathFlagsAttr().getValue(),
                                               arith::FastMathFlags::afn);
}

/// erf(x) = copysign(1 - 2^p(|x|), x), p as above; no branch.
Value expandErf(OpBuilder &b, Location loc, Value x) {
  Type f32 = x.getType();
  auto flags = arith::FastMathFlags::contract; // the Horner steps become FMAs
  auto constant = [&](double v) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f32, v)).getResult();
  };
  Value a = math::AbsFOp::create(b, loc, x);
  Value clamped = arith::MinimumFOp::create(b, loc, a, constant(kFitEnd));
  Value horner = constant(std::end(kErfcLogCoefficients)[-1]);
  for (double c : llvm::reverse(llvm::ArrayRef(kErfcLogCoefficients).drop_back())) {
    Value product = arith::MulFOp::create(b, loc, horner, clamped, flags);
    horner = arith::AddFOp::create(b, loc, product, constant(c), flags);
  }
  Value linear = arith::MulFOp::create(b, loc, clamped, horner, flags);
  Value square = arith::MulFOp::create(b, loc, a, a, flags);
  Value gaussian = arith::MulFOp::create(b, loc, square, constant(-1.4426950408889634), flags);
  Value exponent = arith::AddFOp::create(b, loc, gaussian, linear, flags);
  Value complement = math::Exp2Op::create(b, loc, exponent, arith::FastMathFlags::afn);
  Value magnitude = arith::SubFOp::create(b, loc, constant(1.0), complement, flags);
  return math::CopySignOp::create(b, loc, magnitude, x);
}

struct TileApproximateMathPass
    : public tilec::impl::TileApproximateMathBase<TileApproximateMathPass> {
  void runOnOperation() override {
    getOperation().walk([&](math::ErfOp erf) {
      if (!erf.getType().isF32() || !allowsApproximation(erf))
        return;
      OpBuilder b(erf);
      erf.replaceAllUsesWith(expandErf(b, erf.getLoc(), erf.getOperand()));
      erf.erase();
    });
  }
};

} // namespace
