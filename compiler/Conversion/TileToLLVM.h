//===- TileToLLVM.h - the patterns of tile-convert-to-llvm ------*- C++ -*-===//
//
// tile-convert-to-llvm rewrites the tile ops that tile-lower-to-gpu leaves
// in GPU kernels, each of them one thread's code, through a dialect
// conversion: BufferTypeConverter (BufferAccess.h) spells each buffer
// operand as its pointer, extents, strides and offsets, and one
// OpConversionPattern per op rewrites the op. The patterns come in
// families, a file each (populated here): element accesses of buffers in
// AccessesToLLVM.cpp, the thread's own operations (its index, shuffles,
// prints, asserts, flags between blocks) in ThreadOpsToLLVM.cpp. A new
// per-thread op gets a pattern in its family's file and is marked illegal
// in TileToLLVM.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_CONVERSION_TILETOLLVM_H
#define TILEC_COMPILER_CONVERSION_TILETOLLVM_H

#include "compiler/Conversion/BufferAccess.h"

namespace tilec::lowering {

class TargetInfo;

/// The buffer operand of an op that works on one buffer.
template <typename Op>
Value bufferOperand(Op op) {
  return op.getBuffer();
}
inline Value bufferOperand(tile::AtomicAddOp op) { return op.getTarget(); }
inline Value bufferOperand(tile::DimOp op) { return op.getSource(); }
inline Value bufferOperand(tile::SignalOp op) { return op.getFlags(); }
inline Value bufferOperand(tile::WaitSignalOp op) { return op.getFlags(); }

/// A pattern for an op on one buffer: `rewrite` gets the buffer's
/// description, read from the operand's converted values, and the code
/// that addresses it, at the op.
template <typename Op>
struct BufferOpPattern : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  using Adaptor = typename OpConversionPattern<Op>::OneToNOpAdaptor;

  virtual LogicalResult rewrite(Op op, Adaptor adaptor, const BufferRef &ref,
                                BufferAccess &access,
                                ConversionPatternRewriter &rewriter) const = 0;

  LogicalResult matchAndRewrite(Op op, Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const final {
    Value buffer = bufferOperand(op);
    unsigned operand = 0;
    while (op->getOperand(operand) != buffer)
      ++operand;
    BufferRef ref = unpackBuffer(cast<tile::BufferType>(buffer.getType()),
                                 adaptor.getOperands()[operand]);
    BufferAccess access{rewriter, op.getLoc()};
    return rewrite(op, adaptor, ref, access, rewriter);
  }
};

/// The values of operands that the type converter keeps one to one.
inline SmallVector<Value> singleValues(ArrayRef<ValueRange> operands) {
  SmallVector<Value> values;
  for (ValueRange operand : operands)
    values.push_back(operand.front());
  return values;
}

/// Element accesses: tile.load / store, load_slot / store_slot,
/// load_vector / store_vector, one element's tile.atomic_add, tile.aligned,
/// tile.in_bounds, tile.dim.
void populateAccessPatterns(BufferTypeConverter &converter, RewritePatternSet &patterns);

/// The thread's own operations: tile.thread_id, tile.shuffle, tile.print,
/// tile.assert, tile.signal, tile.wait_signal.
void populateThreadOpPatterns(BufferTypeConverter &converter, RewritePatternSet &patterns,
                              const TargetInfo &target);

/// `value` (an integer or float of up to 64 bits) as `gpu.shuffle` in
/// `mode` moves it between the lanes of a subgroup of `width`: shuffles
/// move 32-bit words, so narrower values travel widened and 64-bit ones as
/// two words. Shared with the reductions of tile-lower-to-gpu.
Value shuffleWords(OpBuilder &b, Location loc, Value value, Value laneOrMask, int64_t width,
                   gpu::ShuffleMode mode);

} // namespace tilec::lowering

#endif // TILEC_COMPILER_CONVERSION_TILETOLLVM_H
