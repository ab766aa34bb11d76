//===- NVVMTargetInfo.cpp - NVIDIA GPUs for tile-lower-to-gpu -------------===//
//
// NVIDIA's hooks as NVVM dialect ops: named barriers (bar.sync/bar.arrive),
// proxy fences, mbarriers, cp.async, TMA (cp.async.bulk.tensor), ldmatrix
// and stmatrix, mma.sync, wgmma and setmaxnreg. Which of them a kernel
// gets is the pass options' choice (the NVPTX pipeline sets them by chip).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/TargetInfo.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <array>

using namespace mlir;
using namespace tilec::lowering;

namespace {
class NVVMTargetInfo final : public TargetInfo {
public:
  StringRef name() const override { return "nvvm"; }
  bool supports(TargetFeature) const override { return true; }
  unsigned privateAddressSpace() const override { return 0; }

  bool isBarrier(Operation *op) const override {
    return isa<gpu::BarrierOp, NVVM::BarrierOp>(op);
  }
  void namedBarrierSync(OpBuilder &b, Location loc, Value id, Value threads) const override {
    NVVM::BarrierOp::create(b, loc, Type(), id, threads, NVVM::BarrierReductionAttr(), Value());
  }
  void namedBarrierArrive(OpBuilder &b, Location loc, Value id, Value threads) const override {
    NVVM::BarrierArriveOp::create(b, loc, id, threads);
  }

  void fenceSharedForAsyncProxy(OpBuilder &b, Location loc) const override {
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
  }
  void fenceGlobalFromAsyncProxy(OpBuilder &b, Location loc) const override {
    NVVM::FenceProxyOp::create(b, loc, NVVM::ProxyKind::async_global, NVVM::SharedSpaceAttr());
  }

  void mbarrierInit(OpBuilder &b, Location loc, Value barrier, Value count) const override {
    NVVM::MBarrierInitOp::create(b, loc, barrier, count, Value());
  }
  void mbarrierInitFence(OpBuilder &b, Location loc) const override {
    NVVM::FenceMbarrierInitOp::create(b, loc);
  }
  void mbarrierArrive(OpBuilder &b, Location loc, Value barrier) const override {
    NVVM::MBarrierArriveOp::create(b, loc, b.getI64Type(), barrier, Value());
  }
  void mbarrierExpectBytes(OpBuilder &b, Location loc, Value barrier,
                           Value bytes) const override {
    NVVM::MBarrierExpectTxOp::create(b, loc, barrier, bytes);
  }
  void mbarrierWaitParity(OpBuilder &b, Location loc, Value barrier, Value parity,
                          Value suspendNanoseconds) const override {
    NVVM::MBarrierTryWaitParityOp::create(b, loc, barrier, parity, suspendNanoseconds);
  }

  void asyncCopy(OpBuilder &b, Location loc, Value target, Value source,
                 int64_t bytes) const override {
    // cp.async.cg (L2 only) takes 16 bytes; smaller copies go through L1.
    auto cache = bytes == 16 ? NVVM::LoadCacheModifierKind::CG : NVVM::LoadCacheModifierKind::CA;
    NVVM::CpAsyncOp::create(b, loc, target, source, b.getI32IntegerAttr(bytes),
                            NVVM::LoadCacheModifierKindAttr::get(b.getContext(), cache),
                            Value());
  }
  void asyncCopyCommitGroup(OpBuilder &b, Location loc) const override {
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }
  void asyncCopyWaitGroup(OpBuilder &b, Location loc, int64_t pending) const override {
    NVVM::CpAsyncWaitGroupOp::create(b, loc, pending);
  }
  void asyncCopyArriveOnBarrier(OpBuilder &b, Location loc, Value barrier) const override {
    // noinc: the arrival counts against the barrier's expected count.
    NVVM::CpAsyncMBarrierArriveOp::create(b, loc, barrier, true);
  }

  void tensorLoad(OpBuilder &b, Location loc, Value target, Value descriptor,
                  ValueRange coordinates, Value barrier) const override {
    // The CTA's own window of shared::cluster (address space 7).
    Value to = LLVM::AddrSpaceCastOp::create(
        b, loc, LLVM::LLVMPointerType::get(b.getContext(), 7), target);
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, loc, to, descriptor, coordinates, barrier, ValueRange{}, Value(), Value(),
        NVVM::TMALoadMode::TILE, false, NVVM::CTAGroupKindAttr(), Value());
  }
  void tensorStore(OpBuilder &b, Location loc, Value descriptor, Value source,
                   ValueRange coordinates) const override {
    NVVM::CpAsyncBulkTensorSharedCTAToGlobalOp::create(
        b, loc, descriptor, source, coordinates, /*l2CacheHint=*/Value(),
        NVVM::TMAStoreMode::TILE, /*predicate=*/Value());
  }
  void bulkReduceAddF32(OpBuilder &b, Location loc, Value target, Value source,
                        int64_t bytes) const override {
    // MLIR 22 has NVVM ops for bulk copies and tensor reductions, none for
    // a plain bulk reduction: inline PTX.
    std::string text = "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], " +
                       std::to_string(bytes) + ";";
    LLVM::InlineAsmOp::create(b, loc, TypeRange(), ValueRange{target, source}, text, "l,l",
                              /*has_side_effects=*/true, /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
                              ArrayAttr());
  }
  void tensorStoreCommitGroup(OpBuilder &b, Location loc) const override {
    NVVM::CpAsyncBulkCommitGroupOp::create(b, loc);
  }
  void tensorStoreWaitAll(OpBuilder &b, Location loc, bool sourcesRead) const override {
    NVVM::CpAsyncBulkWaitGroupOp::create(b, loc, 0,
                                         sourcesRead ? b.getUnitAttr() : UnitAttr());
  }

  SmallVector<Value> loadMatrices(OpBuilder &b, Location loc, Value address, int count,
                                  bool transpose) const override {
    Type i32 = b.getI32Type();
    auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), SmallVector<Type>(count, i32));
    Value registers = NVVM::LdMatrixOp::create(
        b, loc, type, address, count, transpose ? NVVM::MMALayout::col : NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8), NVVM::LdStMatrixEltType::B16);
    SmallVector<Value> out;
    for (int i = 0; i < count; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, loc, registers, ArrayRef<int64_t>{i}));
    return out;
  }
  void storeMatrices(OpBuilder &b, Location loc, Value address,
                     ValueRange registers) const override {
    NVVM::StMatrixOp::create(b, loc, address, registers, NVVM::MMALayout::row,
                             NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
                             NVVM::LdStMatrixEltType::B16);
  }

  SmallVector<Value> mmaM16N8K16(OpBuilder &b, Location loc, Type element,
                                 SmallVector<Value> registersA, SmallVector<Value> registersB,
                                 ValueRange registersC) const override {
    // fp16 operands are <2 x f16> to NVVM, bf16 ones stay i32 (MLIR 22's
    // nvgpu lowering deduces no PTX type for bf16, hence NVVM directly).
    if (element.isF16())
      for (Value &reg : llvm::concat<Value>(registersA, registersB))
        reg = LLVM::BitcastOp::create(b, loc, VectorType::get({2}, element), reg);
    Type f32 = b.getF32Type();
    auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    NVVM::MMATypes type = element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    Value mma = NVVM::MmaOp::create(
        b, loc, structType, registersA, registersB, registersC, ArrayRef<int64_t>{16, 8, 16},
        std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, loc, mma, ArrayRef<int64_t>{i}));
    return out;
  }

  Value keepInPlace(OpBuilder &b, Location loc, Value value) const override {
    // A mov with side effects: LLVM neither hoists nor merges it.
    unsigned bits = value.getType().getIntOrFloatBitWidth();
    if (bits != 32 && bits != 64)
      return value;
    std::string text = bits == 64 ? "mov.b64 $0, $1;" : "mov.b32 $0, $1;";
    return LLVM::InlineAsmOp::create(b, loc, value.getType(), ValueRange{value}, text,
                                     bits == 64 ? "=l,l" : "=r,r", /*has_side_effects=*/true,
                                     /*is_align_stack=*/false,
                                     LLVM::tailcallkind::TailCallKind::None,
                                     LLVM::AsmDialectAttr(), ArrayAttr())
        .getResult(0);
  }
  void warpgroupMmaFence(OpBuilder &b, Location loc) const override {
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
  }
  Value warpgroupMma(OpBuilder &b, Location loc, Value accumulator, Value descriptorA,
                     Value descriptorB, int64_t n, int64_t kStep, Type operandType,
                     bool transposeA, bool transposeB) const override {
    MLIRContext *ctx = b.getContext();
    auto typeOf = [&](NVVM::WGMMATypes t) { return NVVM::WGMMATypesAttr::get(ctx, t); };
    auto layoutOf = [&](bool transpose) {
      return NVVM::MMALayoutAttr::get(ctx,
                                      transpose ? NVVM::MMALayout::col : NVVM::MMALayout::row);
    };
    auto one = NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one);
    return NVVM::WgmmaMmaAsyncOp::create(
        b, loc, accumulator.getType(), accumulator, descriptorA, descriptorB,
        NVVM::MMAShapeAttr::get(ctx, 64, n, kStep), typeOf(wgmmaType(operandType)),
        typeOf(wgmmaType(operandType)), typeOf(NVVM::WGMMATypes::f32),
        NVVM::WGMMAScaleOutAttr::get(ctx, NVVM::WGMMAScaleOut::one), one, one,
        layoutOf(transposeA), layoutOf(transposeB), NVVM::MMAIntOverflowAttr());
  }
  Value warpgroupMmaRegisterA(OpBuilder &b, Location loc, Value accumulator,
                              ArrayRef<Value> registersA, Value descriptorB, int64_t n,
                              Type operandType, bool transposeB) const override;
  void warpgroupMmaCommitGroup(OpBuilder &b, Location loc) const override {
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  }
  void warpgroupMmaWaitGroup(OpBuilder &b, Location loc, int64_t pending) const override {
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, pending);
  }
  SmallVector<Value> warpgroupMmaWaitGroup(OpBuilder &b, Location loc, int64_t pending,
                                           ValueRange accumulators) const override;
  void atomicAddFloatPair(OpBuilder &b, Location loc, Value pointer, Value low,
                          Value high) const override {
    // sm_90's vector reduction (PTX 8.1); LLVM's NVPTX back end has no
    // vector atomicrmw. Generic addressing: the pointer may be generic.
    LLVM::InlineAsmOp::create(b, loc, TypeRange(), ValueRange{pointer, low, high},
                              "red.relaxed.gpu.add.v2.f32 [$0], {$1, $2};", "l,f,f",
                              /*has_side_effects=*/true, /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
                              ArrayAttr());
  }

  void setKernelRegisters(Operation *kernel, int32_t registers) const override {
    kernel->setAttr(NVVM::NVVMDialect::getMaxnregAttrName(),
                    Builder(kernel->getContext()).getI32IntegerAttr(registers));
  }
  void setWarpgroupRegisters(OpBuilder &b, Location loc, int32_t registers,
                             bool increase) const override {
    NVVM::SetMaxRegisterOp::create(b, loc, registers,
                                   increase ? NVVM::SetMaxRegisterAction::increase
                                            : NVVM::SetMaxRegisterAction::decrease);
  }

private:
  static NVVM::WGMMATypes wgmmaType(Type operand) {
    return operand.isBF16()                   ? NVVM::WGMMATypes::bf16
           : isa<Float8E4M3FNType>(operand) ? NVVM::WGMMATypes::e4m3
           : isa<Float8E5M2Type>(operand)   ? NVVM::WGMMATypes::e5m2
                                            : NVVM::WGMMATypes::f16;
  }
};
} // namespace

Value NVVMTargetInfo::warpgroupMmaRegisterA(OpBuilder &b, Location loc, Value accumulator,
                                            ArrayRef<Value> registersA, Value descriptorB,
                                            int64_t n, Type operandType,
                                            bool transposeB) const {
  // MLIR 22's wgmma op takes A by descriptor only: inline PTX, the
  // accumulator registers tied to the outputs.
  SmallVector<Value> operands(registersA);
  operands.push_back(descriptorB);
  int64_t outputs = n / 2;
  for (int64_t s = 0; s < outputs; ++s)
    operands.push_back(LLVM::ExtractValueOp::create(b, loc, accumulator, ArrayRef<int64_t>{s}));
  std::string text, constraints;
  llvm::raw_string_ostream asmText(text), constraintText(constraints);
  asmText << "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\nwgmma.mma_async.sync.aligned.m64n" << n
          << "k16.f32." << (operandType.isBF16() ? "bf16.bf16" : "f16.f16") << " {";
  for (int64_t s = 0; s < outputs; ++s) {
    asmText << (s ? ", " : "") << "$" << s;
    constraintText << "=f,";
  }
  asmText << "}, {$" << outputs << ", $" << outputs + 1 << ", $" << outputs + 2 << ", $"
          << outputs + 3 << "}, $" << outputs + 4 << ", p, 1, 1, " << (transposeB ? 0 : 1)
          << ";\n}\n";
  constraintText << "r,r,r,r,l";
  for (int64_t s = 0; s < outputs; ++s)
    constraintText << "," << s; // each accumulator register is read and written
  return LLVM::InlineAsmOp::create(b, loc, accumulator.getType(), operands, text, constraints,
                                   /*has_side_effects=*/true, /*is_align_stack=*/false,
                                   LLVM::tailcallkind::TailCallKind::None,
                                   LLVM::AsmDialectAttr(), ArrayAttr())
      .getResult(0);
}

SmallVector<Value> NVVMTargetInfo::warpgroupMmaWaitGroup(OpBuilder &b, Location loc,
                                                         int64_t pending,
                                                         ValueRange accumulators) const {
  // The accumulators' f32 registers as outputs tied to inputs: whatever
  // reads them after the wait reads the asm's results.
  SmallVector<Value> registers;
  SmallVector<int64_t> widths;
  for (Value accumulator : accumulators) {
    auto structType = llvm::cast<LLVM::LLVMStructType>(accumulator.getType());
    widths.push_back(structType.getBody().size());
    for (int64_t s = 0; s < widths.back(); ++s)
      registers.push_back(
          LLVM::ExtractValueOp::create(b, loc, accumulator, ArrayRef<int64_t>{s}));
  }
  if (registers.empty()) {
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, pending);
    return {};
  }
  std::string text = "wgmma.wait_group.sync.aligned " + std::to_string(pending) + ";";
  std::string constraints;
  llvm::raw_string_ostream constraintText(constraints);
  for (size_t r = 0; r < registers.size(); ++r)
    constraintText << (r ? "," : "") << "=f";
  for (size_t r = 0; r < registers.size(); ++r)
    constraintText << "," << r;
  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(registers.size(), b.getF32Type()));
  Value waited = LLVM::InlineAsmOp::create(b, loc, resultType, registers, text, constraints,
                                           /*has_side_effects=*/true, /*is_align_stack=*/false,
                                           LLVM::tailcallkind::TailCallKind::None,
                                           LLVM::AsmDialectAttr(), ArrayAttr())
                     .getResult(0);
  SmallVector<Value> results;
  int64_t next = 0;
  for (auto [accumulator, width] : llvm::zip(accumulators, widths)) {
    Value rebuilt = LLVM::UndefOp::create(b, loc, accumulator.getType());
    for (int64_t s = 0; s < width; ++s)
      rebuilt = LLVM::InsertValueOp::create(
          b, loc, rebuilt,
          LLVM::ExtractValueOp::create(b, loc, waited, ArrayRef<int64_t>{next++}),
          ArrayRef<int64_t>{s});
    results.push_back(rebuilt);
  }
  return results;
}

std::unique_ptr<TargetInfo> tilec::lowering::createNVVMTargetInfo() {
  return std::make_unique<NVVMTargetInfo>();
}
