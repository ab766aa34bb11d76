//===- LowerFloat8.cpp - 8-bit float conversions as integer code ----------===//
//
// tile-lower-float8. LLVM has no 8-bit float types and MLIR 22 no
// lowering of them to the GPU dialects, so 8-bit floats live as bytes (i8):
// buffers store them as i8, and a loaded element is `arith.bitcast i8 ->
// f8`. This file rewrites what a finished kernel does with such values:
//   - `arith.truncf` to float8_e4m3 / float8_e5m2: round to nearest even on
//     the float32 bits, saturating at the largest finite value (448 and
//     57344; infinities too), NaN to NaN (0x7f, 0x7e: the bytes PyTorch
//     and LLVM's APFloat use): the GPUs' `satfinite` conversion and the
//     cpu target's;
//   - `arith.extf` from them: exact decoding (e5m2 is the top byte of a
//     float16; e4m3 by its fields);
//   - bitcasts between the byte and the float, and selects of them, carry
//     the byte.
// It is a dialect conversion: a TypeConverter maps the 8-bit float types to
// i8 and one OpConversionPattern rewrites each kind of op. Anything else on
// an 8-bit float (arithmetic, comparisons) is an error at the DSL line:
// convert to float32 first.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/BufferAccess.h"
#include "compiler/Passes.h"

#include "mlir/Transforms/DialectConversion.h"

namespace tilec {
#define GEN_PASS_DEF_TILELOWERFLOAT8
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

namespace {
/// Integer code for one conversion, at the op being replaced.
struct Float8Builder {
  OpBuilder &b;
  Location loc;

  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v); }
  Value f32(double v) { return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v)); }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value shr(Value x, int64_t n) { return arith::ShRUIOp::create(b, loc, x, i32(n)); }
  Value shl(Value x, int64_t n) { return arith::ShLIOp::create(b, loc, x, i32(n)); }
  Value andi(Value x, int64_t m) { return arith::AndIOp::create(b, loc, x, i32(m)); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }

  /// float32 -> the byte of an 8-bit float with `mantissaBits` (3: e4m3,
  /// 2: e5m2) and exponent bias `bias`; `largest` is the code of the
  /// largest finite value, `nan` that of NaN.
  Value encode(Value x, int64_t mantissaBits, int64_t bias, int64_t largest, int64_t nan) {
    Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), x);
    Value magnitude = andi(bits, 0x7FFFFFFF);
    Value sign = andi(shr(bits, 24), 0x80);
    int64_t drop = 23 - mantissaBits; // float32 mantissa bits that go
    // Normal numbers: round the float32 bits to nearest even at bit `drop`
    // (a carry moves into the exponent, as it should), then rebias.
    Value rounded = add(add(magnitude, i32((int64_t(1) << (drop - 1)) - 1)),
                        andi(shr(magnitude, drop), 1));
    Value normal = arith::SubIOp::create(b, loc, shr(rounded, drop),
                                         i32((127 - bias) << mantissaBits));
    // Below the smallest normal number: multiples of the subnormal step,
    // rounded to nearest even (the largest rounds up to the smallest normal).
    int64_t smallestNormalBits = (127 - bias + 1) << 23;
    double steps = std::ldexp(1.0, bias - 1 + mantissaBits); // 1 / subnormal step
    Value absolute = arith::BitcastOp::create(b, loc, b.getF32Type(), magnitude);
    Value scaled = math::RoundEvenOp::create(
        b, loc, arith::MulFOp::create(b, loc, absolute, f32(steps)));
    Value subnormal = arith::FPToSIOp::create(b, loc, b.getI32Type(), scaled);
    Value code = select(cmp(arith::CmpIPredicate::ult, magnitude, i32(smallestNormalBits)),
                        subnormal, normal);
    // Saturate (infinities included), then NaN.
    code = arith::MinUIOp::create(b, loc, code, i32(largest));
    code = select(cmp(arith::CmpIPredicate::ugt, magnitude, i32(0x7F800000)), i32(nan), code);
    return arith::TruncIOp::create(b, loc, b.getI8Type(), ori(code, sign));
  }

  /// The byte of a float8_e4m3 -> float32.
  Value decodeE4M3(Value byte) {
    Value u = arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
    Value sign = shl(andi(u, 0x80), 24);
    Value exponent = andi(shr(u, 3), 0xF);
    Value mantissa = andi(u, 7);
    Value normal = ori(shl(add(exponent, i32(120)), 23), shl(mantissa, 20));
    // Subnormals: mantissa x 2^-9, exact in float32.
    Value subnormal = arith::BitcastOp::create(
        b, loc, b.getI32Type(),
        arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), mantissa),
                              f32(std::ldexp(1.0, -9))));
    Value magnitude =
        select(cmp(arith::CmpIPredicate::eq, exponent, i32(0)), subnormal, normal);
    magnitude = select(cmp(arith::CmpIPredicate::eq, andi(u, 0x7F), i32(0x7F)),
                       i32(0x7FC00000), magnitude);
    return arith::BitcastOp::create(b, loc, b.getF32Type(), ori(magnitude, sign));
  }

  /// The byte of a float8_e5m2 -> float32: it is the top byte of a float16.
  Value decodeE5M2(Value byte) {
    Value u = arith::ExtUIOp::create(b, loc, b.getI16Type(), byte);
    Value half = arith::ShLIOp::create(
        b, loc, u, arith::ConstantIntOp::create(b, loc, b.getI16Type(), 8));
    Value asHalf = arith::BitcastOp::create(b, loc, b.getF16Type(), half);
    return arith::ExtFOp::create(b, loc, b.getF32Type(), asHalf);
  }
};
} // namespace

/// `value` converted to the float type `to` (float32 by default), from any
/// float type but 8-bit ones.
static Value convertFloat(OpBuilder &b, Location loc, Value value, Type to = {}) {
  to = to ? to : b.getF32Type();
  unsigned from = value.getType().getIntOrFloatBitWidth(), width = to.getIntOrFloatBitWidth();
  if (from == width)
    return value;
  if (from < width)
    return arith::ExtFOp::create(b, loc, to, value);
  return arith::TruncFOp::create(b, loc, to, value);
}

namespace {
/// 8-bit float values are their bytes: float8_e4m3 and float8_e5m2 become i8.
struct Float8TypeConverter : TypeConverter {
  explicit Float8TypeConverter(MLIRContext *context) {
    addConversion([](Type type) { return type; });
    addConversion([context](Type type) -> std::optional<Type> {
      if (isFloat8(type))
        return IntegerType::get(context, 8);
      return std::nullopt;
    });
  }
};

bool touchesFloat8(Operation *op) {
  return llvm::any_of(op->getResultTypes(), isFloat8) ||
         llvm::any_of(op->getOperandTypes(), isFloat8);
}

/// An 8-bit float constant: its bits, as the byte it is stored as.
struct Float8Constant : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFloat8(op.getType()))
      return failure();
    APInt bits = llvm::cast<FloatAttr>(op.getValue()).getValue().bitcastToAPInt();
    rewriter.replaceOp(op, arith::ConstantIntOp::create(rewriter, op.getLoc(),
                                                        rewriter.getI8Type(),
                                                        bits.getZExtValue()));
    return success();
  }
};

/// Between a stored byte and its value, either way: the byte.
struct Float8Bitcast : OpConversionPattern<arith::BitcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::BitcastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!touchesFloat8(op))
      return failure();
    rewriter.replaceOp(op, adaptor.getIn());
    return success();
  }
};

/// A float to an 8-bit float: rounded and saturated, as bytes.
struct Float8Truncate : OpConversionPattern<arith::TruncFOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFloat8(op.getType()))
      return failure();
    Float8Builder f8{rewriter, op.getLoc()};
    Value x = convertFloat(rewriter, op.getLoc(), adaptor.getIn());
    rewriter.replaceOp(op, isa<Float8E4M3FNType>(op.getType())
                               ? f8.encode(x, 3, 7, 0x7E, 0x7F)
                               : f8.encode(x, 2, 15, 0x7B, 0x7E));
    return success();
  }
};

/// An 8-bit float to a wider float: decoded from its byte.
struct Float8Extend : OpConversionPattern<arith::ExtFOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFloat8(op.getIn().getType()))
      return failure();
    Float8Builder f8{rewriter, op.getLoc()};
    Value x = isa<Float8E4M3FNType>(op.getIn().getType()) ? f8.decodeE4M3(adaptor.getIn())
                                                           : f8.decodeE5M2(adaptor.getIn());
    rewriter.replaceOp(op, convertFloat(rewriter, op.getLoc(), x, op.getType()));
    return success();
  }
};

/// A choice between two 8-bit floats: between their bytes.
struct Float8Select : OpConversionPattern<arith::SelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::SelectOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFloat8(op.getType()))
      return failure();
    rewriter.replaceOp(op, arith::SelectOp::create(rewriter, op.getLoc(), adaptor.getCondition(),
                                                   adaptor.getTrueValue(),
                                                   adaptor.getFalseValue()));
    return success();
  }
};

/// Whether a pattern above rewrites `op`.
bool hasFloat8Pattern(Operation *op) {
  if (auto constant = dyn_cast<arith::ConstantOp>(op))
    return isFloat8(constant.getType());
  if (isa<arith::BitcastOp>(op))
    return true;
  if (auto trunc = dyn_cast<arith::TruncFOp>(op))
    return isFloat8(trunc.getType()) && !isFloat8(trunc.getIn().getType());
  if (auto ext = dyn_cast<arith::ExtFOp>(op))
    return isFloat8(ext.getIn().getType());
  return isa<arith::SelectOp>(op);
}
} // namespace

namespace {
struct TileLowerFloat8Pass : public tilec::impl::TileLowerFloat8Base<TileLowerFloat8Pass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    // What the patterns cannot rewrite is an error at the DSL line (before
    // the conversion, which would only say that it failed).
    Operation *unsupported = nullptr;
    module.walk([&](Operation *op) {
      if (touchesFloat8(op) && !hasFloat8Pattern(op)) {
        unsupported = op;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (unsupported) {
      // Ops the lowering made carry the tile op's location; failing that,
      // the kernel's (its launch's).
      Location where = unsupported->getLoc();
      if (auto kernel = unsupported->getParentOfType<gpu::GPUFuncOp>();
          kernel && isa<UnknownLoc>(where))
        where = kernel.getLoc();
      mlir::emitError(where, "8-bit floats can be loaded, stored, copied, converted to "
                             "and from other floats and multiplied by T.gemm; convert to "
                             "float32 for '")
          << unsupported->getName().getStringRef() << "'";
      return signalPassFailure();
    }
    MLIRContext *context = module.getContext();
    Float8TypeConverter converter(context);
    ConversionTarget target(*context);
    target.markUnknownOpDynamicallyLegal([](Operation *op) { return !touchesFloat8(op); });
    RewritePatternSet patterns(context);
    patterns.add<Float8Constant, Float8Bitcast, Float8Truncate, Float8Extend, Float8Select>(
        converter, context);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
