//===- NVVMFastMath.cpp - approximable math as NVIDIA instructions --------===//
//
// Replaces f32 math.exp2 marked fastmath<afn> by the flush-to-zero ex2
// intrinsic (see TileNVVMFastMath in Passes.td); approximateExp2, which
// does it for any target's intrinsic, lives here too.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace tilec {
#define GEN_PASS_DEF_TILENVVMFASTMATH
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

void tilec::approximateExp2(Operation *root, StringRef intrinsic) {
  SmallVector<math::Exp2Op> approximable;
  root->walk([&](math::Exp2Op exp2) {
    if (exp2.getType().isF32() &&
        arith::bitEnumContainsAll(exp2.getFastmath(), arith::FastMathFlags::afn))
      approximable.push_back(exp2);
  });
  OpBuilder b(root->getContext());
  StringAttr name = b.getStringAttr(intrinsic);
  for (math::Exp2Op exp2 : approximable) {
    b.setInsertionPoint(exp2);
    auto call = LLVM::CallIntrinsicOp::create(b, exp2.getLoc(), exp2.getType(), name,
                                              ValueRange{exp2.getOperand()});
    exp2.replaceAllUsesWith(call.getResults());
    exp2.erase();
  }
}

namespace {
struct TileNVVMFastMathPass : public tilec::impl::TileNVVMFastMathBase<TileNVVMFastMathPass> {
  void runOnOperation() override {
    approximateExp2(getOperation(), "llvm.nvvm.ex2.approx.ftz.f");
  }
};
} // namespace
