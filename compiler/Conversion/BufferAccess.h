//===- BufferAccess.h - what a !tile.buffer is in a GPU kernel ---*- C++ -*-===//
//
// A `!tile.buffer` value inside a GPU kernel is a window of memory addressed
// as base + sum((offset + index) * stride): a pointer in the buffer's address
// space and, per storage dimension, the storage's extent, its stride and the
// window's offset. Everything else (element type as stored, layout, which
// thread holds which register slot) is read off the buffer's type.
//
// This header holds that description (`BufferRef`), the TypeConverter that
// spells it as values (`!tile.buffer` -> pointer, extents, strides,
// offsets: a 1:N conversion), and the code that addresses, reads and writes
// elements of such a buffer (`BufferAccess`). tile-lower-to-gpu builds
// buffers' descriptions and lowers whole-tile ops with them;
// tile-convert-to-llvm rewrites the element accesses it leaves in
// the kernels with the same code, so that the two cannot disagree on where
// an element lies.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_CONVERSION_BUFFERACCESS_H
#define TILEC_COMPILER_CONVERSION_BUFFERACCESS_H

#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tilec::lowering {
using namespace mlir;

constexpr unsigned kGlobalSpace = 1;
constexpr unsigned kSharedSpace = 3;
constexpr llvm::StringLiteral kSharedSymbol = "tilec_dsmem";
/// A constant global of zero bytes that guarded loads read instead of an
/// element outside its tensor (see BufferAccess::loadStoredOrZero).
constexpr llvm::StringLiteral kZerosSymbol = "tilec_zeros";
constexpr int64_t kZerosBytes = 16;

/// What a `!tile.buffer` value stands for inside the kernel: a window of
/// memory addressed as base + sum((offset + index) * stride).
struct BufferRef {
  Value base; // !llvm.ptr in the buffer's address space
  Type elementType;
  tile::MemoryScope scope;
  SmallVector<Value> storageDims; // index, per storage dimension
  SmallVector<Value> strides;     // index, per storage dimension
  SmallVector<Value> offsets;     // index, per storage dimension
  SmallVector<unsigned> kept;     // view dimension -> storage dimension
  SmallVector<int64_t> shape;     // view shape (kDynamic for launch-bound)
  /// A #tile.cyclic fragment: element f is in this thread's slot f / threads.
  bool distributed = false;
  /// A #tile.wgmma fragment: the wgmma accumulator of this many row groups
  /// of warpgroups, each split over `wgmmaColumnGroups` warpgroups by columns.
  int64_t wgmmaGroups = 0;
  int64_t wgmmaColumnGroups = 1;
  /// The warpgroups that hold a #tile.wgmma fragment.
  int64_t wgmmaWarpgroups() const { return wgmmaGroups * wgmmaColumnGroups; }
  /// The columns of a #tile.wgmma fragment each warpgroup holds.
  int64_t wgmmaColumns() const { return shape[1] / wgmmaColumnGroups; }
  /// A #tile.wgmma_rows fragment: one value per row of such an accumulator.
  int64_t wgmmaRowGroups = 0;
  /// A #tile.swizzle shared buffer: the XOR span in bytes, and the rows of
  /// its 2-D storage (each span-wide column chunk is stored rows x span).
  int64_t swizzle = 0;
  int64_t swizzleRows = 0;
  /// Whether each thread holds its own elements (in registers).
  bool inRegisters() const { return distributed || wgmmaGroups || wgmmaRowGroups; }
  /// A #tile.wgmma fragment of 16-bit elements: two elements a 32-bit
  /// slot word, the even slot in its low half, as wgmma's A registers hold
  /// them (one register for two, also across loop iterations).
  bool packedPairs = false;
  /// Index elements (loop counters of break/continue) are stored as i64.
  bool indexElements = false;
  /// The element type of values read and written, where it differs from the
  /// stored `elementType`: 8-bit floats, which LLVM has no type for, are
  /// stored as i8; uint8 is stored as i8 and read as i32.
  Type valueType;
};

/// Whether `type` is an 8-bit float, which LLVM has no type for.
inline bool isFloat8(Type type) { return isa<Float8E4M3FNType, Float8E5M2Type>(type); }

/// What a buffer of `type` stands for, read from the type alone: a
/// BufferRef but for its base and its storage's extents, strides and
/// offsets; `threadSlots`, if given, receives the storage's elements each
/// thread holds where it holds its own.
BufferRef describeBuffer(tile::BufferType type, int64_t *threadSlots = nullptr);

/// Whether a buffer of `type` has a register layout (#tile.cyclic,
/// #tile.wgmma, #tile.wgmma_rows): each thread holds its own elements, by
/// slot.
bool hasRegisterLayout(tile::BufferType type);

/// Whether a buffer of `type` lives in each thread's private memory: a
/// local buffer, or a fragment whose register layout gives each thread its
/// own elements.
bool isPrivateBuffer(tile::BufferType type);

/// The address space of a buffer of `type`'s memory (`privateSpace` is the
/// target's for per-thread arrays).
unsigned addressSpaceOf(tile::BufferType type, unsigned privateSpace);

/// `!tile.buffer` as the values of its BufferRef: the base pointer, then the
/// storage's extents, strides and the window's offsets (index, one each a
/// storage dimension). Other types stay as they are.
class BufferTypeConverter : public TypeConverter {
public:
  BufferTypeConverter(MLIRContext *context, unsigned privateSpace);
};

/// `ref` as a value of buffer type `type` (an unrealized cast of its parts,
/// which tile-convert-to-llvm takes apart again).
Value packBuffer(OpBuilder &b, Location loc, const BufferRef &ref, tile::BufferType type);

/// The BufferRef of a buffer of `type` from the values BufferTypeConverter
/// gives it; values that a conversion only cast back and forth are read
/// through to the ones packBuffer was given (so that constant extents and
/// offsets stay constants).
BufferRef unpackBuffer(tile::BufferType type, ValueRange parts);

/// Addressing, reading and writing elements of buffers, at the builder's
/// insertion point.
struct BufferAccess {
  OpBuilder &b;
  Location loc;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value toI64(Value v) { return arith::IndexCastOp::create(b, loc, b.getI64Type(), v); }
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v); }

  /// The address of a view index's element.
  Value address(const BufferRef &ref, ArrayRef<Value> viewIndex);
  /// The byte offset of a storage index in a #tile.swizzle buffer, with or
  /// without the XOR (descriptors take the plain offset).
  Value swizzledOffset(const BufferRef &ref, ArrayRef<Value> storageIndex, bool applyXor);
  /// Whether a view index lies inside the storage (for clipping global
  /// accesses), as an i1.
  Value inBounds(const BufferRef &ref, ArrayRef<Value> viewIndex);
  /// The element as stored (i8 for 8-bit floats and uint8, i64 for indices).
  Value loadStored(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return LLVM::LoadOp::create(b, loc, ref.elementType, address(ref, viewIndex));
  }
  /// The same for a tensor element, or zero where the index is outside the
  /// tensor; fromMemory gives the value. `branchFree` (speculative reads):
  /// the load reads kZerosSymbol of `module` instead of an element outside,
  /// so that loads stay in straight-line code, where equal ones are shared;
  /// else it sits behind a branch. (Not for the fallbacks of vector code:
  /// LLVM would sink their loads and the vector version's into one load of
  /// either address and lose the vector load.)
  Value loadStoredOrZero(const BufferRef &ref, ArrayRef<Value> viewIndex,
                         gpu::GPUModuleOp module = {}, bool branchFree = false);
  /// The address of kZerosSymbol (declared in `module` on first use).
  Value zerosAddress(gpu::GPUModuleOp module);
  Value load(const BufferRef &ref, ArrayRef<Value> viewIndex) {
    return fromMemory(ref, loadStored(ref, viewIndex));
  }
  void store(const BufferRef &ref, ArrayRef<Value> viewIndex, Value value) {
    LLVM::StoreOp::create(b, loc, toMemory(ref, value), address(ref, viewIndex));
  }
  /// Between a stored element and its value: 8-bit floats as bytes, uint8
  /// zero-extended to i32 and truncated back, indices as i64.
  Value fromMemory(const BufferRef &ref, Value loaded);
  Value toMemory(const BufferRef &ref, Value value);
  /// The zero of an integer or float type.
  Value zeroOf(Type type);
  /// An element of a buffer at a view index, or, for a fragment held in
  /// registers, at this thread's slot.
  Value loadAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot);
  void storeAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot, Value value);
  Value slotAddress(const BufferRef &ref, Value slot) {
    return LLVM::GEPOp::create(b, loc, ref.base.getType(), ref.elementType, ref.base,
                               ValueRange{toI64(slot)});
  }
  /// The pair of a packedPairs fragment that holds `slot`: its address
  /// (a 32-bit word, two elements), its type, and the slot's place in it.
  Value pairAddress(const BufferRef &ref, Value slot);
  static VectorType pairType(const BufferRef &ref) {
    return VectorType::get({2}, ref.elementType);
  }
  Value placeInPair(Value slot);
  /// Element `slot` of a packedPairs fragment, as stored. Pairs are read
  /// and written as 2-element vectors, so that two conversions into one
  /// word become one paired conversion (cvt.rn.bf16x2.f32).
  Value loadHalf(const BufferRef &ref, Value slot);
  /// Writes `stored` into element `slot` of a packedPairs fragment.
  void storeHalf(const BufferRef &ref, Value slot, Value stored);
  /// An atomic add of `value` into the element at `pointer`, ordered as
  /// `order` asks.
  void atomicAdd(Value pointer, Value value, tile::MemoryOrder order);
  /// Whether `pointer` is aligned to `bytes` (a power of two), as an i1.
  Value isAligned(Value pointer, int64_t bytes);
  /// Bytes of a vector of `width` elements of a buffer.
  static int64_t vectorBytes(const BufferRef &ref, int64_t width) {
    return width * std::max(1u, ref.elementType.getIntOrFloatBitWidth() / 8);
  }
};

} // namespace tilec::lowering

#endif // TILEC_COMPILER_CONVERSION_BUFFERACCESS_H
