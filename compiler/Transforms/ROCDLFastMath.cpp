//===- ROCDLFastMath.cpp - approximable math as AMD instructions ----------===//
//
// Replaces f32 math.exp2 marked fastmath<afn> by the bare v_exp_f32
// intrinsic (see TileROCDLFastMath in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

namespace tilec {
#define GEN_PASS_DEF_TILEROCDLFASTMATH
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {
struct TileROCDLFastMathPass
    : public tilec::impl::TileROCDLFastMathBase<TileROCDLFastMathPass> {
  void runOnOperation() override { approximateExp2(getOperation(), "llvm.amdgcn.exp2.f32"); }
};
} // namespace
