//===- ThreadOpsToLLVM.cpp - a thread's own tile ops to GPU and LLVM ------===//
//
// tile-convert-to-llvm's patterns for what one thread of a GPU kernel does
// on its own, as tile-lower-to-gpu leaves it (tile-partition-parallel has
// put a whole block's print or flag in its first thread's branch):
//   - tile.thread_id: the thread's index in the block (gpu.thread_id x);
//   - tile.shuffle: a value of another lane of the subgroup (gpu.shuffle
//     idx, as 32-bit words);
//   - tile.print: a gpu.printf of the scalar, its message as text;
//   - tile.assert: a trap where the condition is false;
//   - tile.signal / tile.wait_signal: a flag in global memory set with
//     release order, or waited for with acquire order and reset, as plain
//     LLVM atomics at GPU scope, which every target's back end has.
// The one target fact used is the subgroup's size (TargetInfo).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/TileToLLVM.h"
#include "compiler/Transforms/TargetInfo.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

Value tilec::lowering::shuffleWords(OpBuilder &b, Location loc, Value value, Value laneOrMask,
                                    int64_t width, gpu::ShuffleMode mode) {
  Value widthValue = arith::ConstantIntOp::create(b, loc, b.getI32Type(), width);
  auto word = [&](Value v) {
    return gpu::ShuffleOp::create(b, loc, v, laneOrMask, widthValue, mode).getShuffleResult();
  };
  Type type = value.getType();
  unsigned bits = type.getIntOrFloatBitWidth();
  Type i32 = b.getI32Type();
  if (type.isF32() || type.isInteger(32))
    return word(value);
  if (bits < 32) {
    Value asInt = isa<FloatType>(type)
                      ? Value(arith::BitcastOp::create(b, loc, b.getIntegerType(bits), value))
                      : value;
    Value moved = arith::TruncIOp::create(b, loc, b.getIntegerType(bits),
                                          word(arith::ExtUIOp::create(b, loc, i32, asInt)));
    return isa<FloatType>(type) ? Value(arith::BitcastOp::create(b, loc, type, moved)) : moved;
  }
  Type i64 = b.getI64Type();
  Value asInt =
      isa<FloatType>(type) ? Value(arith::BitcastOp::create(b, loc, i64, value)) : value;
  Value thirtyTwo = arith::ConstantIntOp::create(b, loc, i64, 32);
  Value low = word(arith::TruncIOp::create(b, loc, i32, asInt));
  Value high = word(
      arith::TruncIOp::create(b, loc, i32, arith::ShRUIOp::create(b, loc, asInt, thirtyTwo)));
  Value joined = arith::OrIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, low),
      arith::ShLIOp::create(b, loc, arith::ExtUIOp::create(b, loc, i64, high), thirtyTwo));
  return isa<FloatType>(type) ? Value(arith::BitcastOp::create(b, loc, type, joined)) : joined;
}

namespace {

/// tile.thread_id: the thread's index in its (one-dimensional) block, the
/// one the kernel's entry block already reads before the op where it does
/// (tile-lower-to-gpu's), so that a kernel reads it once.
struct ThreadIndex : OpConversionPattern<tile::ThreadIdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ThreadIdOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (auto kernel = op->getParentOfType<gpu::GPUFuncOp>()) {
      Block &entry = kernel.getBody().front();
      Operation *opInEntry = entry.findAncestorOpInBlock(*op);
      for (Operation &before : entry) {
        if (&before == opInEntry)
          break;
        if (auto read = dyn_cast<gpu::ThreadIdOp>(before);
            read && read.getDimension() == gpu::Dimension::x) {
          rewriter.replaceOp(op, read.getResult());
          return success();
        }
      }
    }
    rewriter.replaceOpWithNewOp<gpu::ThreadIdOp>(op, gpu::Dimension::x);
    return success();
  }
};

/// tile.shuffle: an index shuffle over the subgroup (the source, in this
/// thread's group of 32, is in its warp or wavefront).
struct LaneShuffle : OpConversionPattern<tile::ShuffleOp> {
  LaneShuffle(const TypeConverter &converter, MLIRContext *context, int64_t subgroupSize)
      : OpConversionPattern(converter, context), subgroupSize(subgroupSize) {}
  LogicalResult matchAndRewrite(tile::ShuffleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lane = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getI32Type(),
        arith::RemUIOp::create(rewriter, loc, adaptor.getSource(),
                               arith::ConstantIndexOp::create(rewriter, loc, subgroupSize)));
    rewriter.replaceOp(op, shuffleWords(rewriter, loc, adaptor.getValue(), lane, subgroupSize,
                                        gpu::ShuffleMode::IDX));
    return success();
  }
  int64_t subgroupSize;
};

/// tile.print of a scalar: one printf line, "message: value".
struct ScalarPrint : OpConversionPattern<tile::PrintOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::PrintOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value value = adaptor.getValue();
    Type type = value.getType();
    if (!type.isIntOrIndexOrFloat()) // tile-lower-to-gpu reports a buffer's print
      return rewriter.notifyMatchFailure(op, "prints scalars only");
    Location loc = op.getLoc();
    // The message is text, not a format: a '%' in it is printed as is.
    std::string format;
    for (char c : op.getMessage())
      format += c == '%' ? std::string("%%") : std::string(1, c);
    format += op.getMessage().empty() ? "" : ": ";
    Value argument;
    if (isa<FloatType>(type)) {
      format += "%f\n";
      Type f64 = rewriter.getF64Type();
      argument = type == f64 ? value : Value(arith::ExtFOp::create(rewriter, loc, f64, value));
    } else {
      format += "%lld\n";
      Type i64 = rewriter.getI64Type();
      if (type.isIndex())
        argument = arith::IndexCastOp::create(rewriter, loc, i64, value);
      else if (type == i64)
        argument = value;
      else if (type.isInteger(1)) // true prints 1
        argument = arith::ExtUIOp::create(rewriter, loc, i64, value);
      else
        argument = arith::ExtSIOp::create(rewriter, loc, i64, value);
    }
    gpu::PrintfOp::create(rewriter, loc, format, ValueRange{argument});
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.assert: the kernel traps where the condition does not hold.
struct DeviceAssert : OpConversionPattern<tile::AssertOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AssertOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value failed = arith::XOrIOp::create(
        rewriter, loc, adaptor.getCondition(),
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true)));
    auto ifOp = scf::IfOp::create(rewriter, loc, failed, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());
    LLVM::Trap::create(rewriter, loc);
    rewriter.eraseOp(op);
    return success();
  }
};

// Flags between blocks: plain LLVM atomics at GPU scope. The thread that
// signals or waits is the block's (or its part's) first; the barrier
// tile-partition-parallel puts before a signal and after a wait orders the
// other threads' accesses around it.
constexpr StringLiteral kDeviceScope = "device";

/// Stores `value` (i32) into `flag` as a relaxed atomic at GPU scope.
void storeFlag(OpBuilder &b, Location loc, Value flag, int32_t value) {
  LLVM::StoreOp::create(b, loc, arith::ConstantIntOp::create(b, loc, b.getI32Type(), value),
                        flag, /*alignment=*/4, /*isVolatile=*/false, /*isNonTemporal=*/false,
                        /*isInvariantGroup=*/false, LLVM::AtomicOrdering::monotonic,
                        kDeviceScope);
}

/// tile.signal: flags[index] = 1 after a release fence, which orders the
/// writes the block's barrier gathered before the flag's store.
struct FlagSignal : BufferOpPattern<tile::SignalOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::SignalOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value flag = access.address(ref, {adaptor.getIndex().front()});
    LLVM::FenceOp::create(rewriter, loc, LLVM::AtomicOrdering::release, kDeviceScope);
    storeFlag(rewriter, loc, flag, 1);
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.wait_signal: spins until flags[index] is set, then an acquire
/// fence (what the signalling block wrote before its release is visible
/// from here) and the flag reset for the next launch.
struct FlagWait : BufferOpPattern<tile::WaitSignalOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::WaitSignalOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value flag = access.address(ref, {adaptor.getIndex().front()});
    Type i32 = rewriter.getI32Type();
    auto spin = scf::WhileOp::create(rewriter, loc, TypeRange(), ValueRange());
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.createBlock(&spin.getBefore());
      Value seen = LLVM::LoadOp::create(rewriter, loc, i32, flag, /*alignment=*/4,
                                        /*isVolatile=*/false, /*isNonTemporal=*/false,
                                        /*isInvariant=*/false, /*isInvariantGroup=*/false,
                                        LLVM::AtomicOrdering::monotonic, kDeviceScope);
      Value unset = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, seen,
                                          arith::ConstantIntOp::create(rewriter, loc, i32, 0));
      scf::ConditionOp::create(rewriter, loc, unset, ValueRange());
      rewriter.createBlock(&spin.getAfter());
      scf::YieldOp::create(rewriter, loc);
    }
    LLVM::FenceOp::create(rewriter, loc, LLVM::AtomicOrdering::acquire, kDeviceScope);
    storeFlag(rewriter, loc, flag, 0);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void tilec::lowering::populateThreadOpPatterns(BufferTypeConverter &converter,
                                               RewritePatternSet &patterns,
                                               const TargetInfo &target) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ThreadIndex, ScalarPrint, DeviceAssert, FlagSignal, FlagWait>(converter, context);
  patterns.add<LaneShuffle>(converter, context, target.subgroupSize());
}
