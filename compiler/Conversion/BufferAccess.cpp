//===- BufferAccess.cpp - what a !tile.buffer is in a GPU kernel ----------===//
//
// See BufferAccess.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/BufferAccess.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

BufferRef lowering::describeBuffer(tile::BufferType type, int64_t *threadSlots) {
  MLIRContext *context = type.getContext();
  Attribute layout = type.getLayout();
  ArrayRef<int64_t> storage = type.getStorageShape();
  BufferRef ref;
  ref.elementType = type.getElementType();
  if (ref.elementType.isIndex()) {
    ref.elementType = IntegerType::get(context, 64);
    ref.indexElements = true;
  }
  // 8-bit floats are stored as i8 (read and written as their type);
  // unsigned integers (uint8) as their signless bits, read zero-extended
  // into and written truncated from i32 (tile::scalarTypeOf).
  if (isFloat8(ref.elementType)) {
    ref.valueType = ref.elementType;
    ref.elementType = IntegerType::get(context, 8);
  } else if (ref.elementType.isUnsignedInteger()) {
    ref.valueType = tile::scalarTypeOf(ref.elementType);
    ref.elementType = IntegerType::get(context, ref.elementType.getIntOrFloatBitWidth());
  }
  ref.scope = type.getScope();
  ref.shape.assign(type.getShape().begin(), type.getShape().end());
  ref.kept = type.getStorageDims();
  // The storage's slots each thread holds (in registers or private memory):
  // its share of a fragment with a register layout, in registers once the
  // constant slot indices of the unrolled loops resolve; else all of it.
  int64_t elements = 1;
  for (int64_t extent : storage)
    elements *= extent;
  int64_t count = tile::registerSlots(type).value_or(std::max<int64_t>(elements, 1));
  if (isa_and_nonnull<tile::CyclicLayoutAttr>(layout))
    ref.distributed = true;
  bool mmaSyncFragment = false;
  if (auto wgmma = dyn_cast_or_null<tile::WgmmaLayoutAttr>(layout)) {
    mmaSyncFragment = wgmma.getMmaSync();
    ref.wgmmaGroups = wgmma.getWarpgroups();
    ref.wgmmaColumnGroups = wgmma.getColumnGroups();
  }
  if (auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(layout))
    ref.wgmmaRowGroups = rows.getWarpgroups();
  if (auto swizzle = dyn_cast_or_null<tile::SwizzleLayoutAttr>(layout);
      swizzle && ref.scope != tile::MemoryScope::Local && storage.size() >= 2) {
    ref.swizzle = swizzle.getBytes();
    ref.swizzleRows = storage[storage.size() - 2];
  }
  // 16-bit wgmma fragments (attention's probabilities, wgmma A operands)
  // pack two elements a word.
  ref.packedPairs = ref.wgmmaGroups && !mmaSyncFragment && count % 2 == 0 && !ref.valueType &&
                    ref.elementType.isIntOrFloat() &&
                    ref.elementType.getIntOrFloatBitWidth() == 16;
  if (threadSlots)
    *threadSlots = count;
  return ref;
}

bool lowering::hasRegisterLayout(tile::BufferType type) {
  return isa_and_nonnull<tile::CyclicLayoutAttr, tile::WgmmaLayoutAttr, tile::WgmmaRowsLayoutAttr>(
      type.getLayout());
}

bool lowering::isPrivateBuffer(tile::BufferType type) {
  return type.getScope() == tile::MemoryScope::Local || hasRegisterLayout(type);
}

unsigned lowering::addressSpaceOf(tile::BufferType type, unsigned privateSpace) {
  if (type.getScope() == tile::MemoryScope::Global)
    return kGlobalSpace;
  return isPrivateBuffer(type) ? privateSpace : kSharedSpace;
}

BufferTypeConverter::BufferTypeConverter(MLIRContext *context, unsigned privateSpace) {
  addConversion([](Type type) { return type; });
  addConversion([context, privateSpace](tile::BufferType type, SmallVectorImpl<Type> &parts) {
    parts.push_back(LLVM::LLVMPointerType::get(context, addressSpaceOf(type, privateSpace)));
    size_t rank = type.getStorageShape().size();
    parts.append(3 * rank, IndexType::get(context));
    return success();
  });
}

Value lowering::packBuffer(OpBuilder &b, Location loc, const BufferRef &ref,
                           tile::BufferType type) {
  size_t rank = type.getStorageShape().size();
  assert(ref.storageDims.size() == rank && ref.strides.size() == rank &&
         ref.offsets.size() == rank && "a buffer's description has its storage's rank");
  (void)rank;
  SmallVector<Value> parts{ref.base};
  llvm::append_range(parts, ref.storageDims);
  llvm::append_range(parts, ref.strides);
  llvm::append_range(parts, ref.offsets);
  return UnrealizedConversionCastOp::create(b, loc, TypeRange{type}, parts).getResult(0);
}

/// The value `part` stands for where a conversion cast it to its buffer and
/// back: result i of a cast of one buffer that a cast of values of the same
/// types produced gives that cast's operand i.
static Value readThroughCasts(Value part) {
  auto result = dyn_cast<OpResult>(part);
  auto unpack = result ? dyn_cast<UnrealizedConversionCastOp>(result.getOwner())
                       : UnrealizedConversionCastOp();
  if (!unpack || unpack.getInputs().size() != 1)
    return part;
  auto pack = unpack.getInputs()[0].getDefiningOp<UnrealizedConversionCastOp>();
  if (!pack || pack.getInputs().getTypes() != unpack.getResultTypes())
    return part;
  return pack.getInputs()[result.getResultNumber()];
}

BufferRef lowering::unpackBuffer(tile::BufferType type, ValueRange parts) {
  BufferRef ref = describeBuffer(type);
  size_t rank = type.getStorageShape().size();
  assert(parts.size() == 1 + 3 * rank && "BufferTypeConverter's parts");
  SmallVector<Value> values = llvm::map_to_vector(parts, readThroughCasts);
  ref.base = values[0];
  ArrayRef<Value> rest = ArrayRef<Value>(values).drop_front();
  ref.storageDims.assign(rest.begin(), rest.begin() + rank);
  ref.strides.assign(rest.begin() + rank, rest.begin() + 2 * rank);
  ref.offsets.assign(rest.begin() + 2 * rank, rest.end());
  return ref;
}

//===----------------------------------------------------------------------===//
// BufferAccess
//===----------------------------------------------------------------------===//

Value BufferAccess::address(const BufferRef &ref, ArrayRef<Value> viewIndex) {
  SmallVector<Value> storageIndex(ref.offsets);
  for (auto [d, i] : llvm::enumerate(viewIndex))
    storageIndex[ref.kept[d]] = arith::AddIOp::create(b, loc, storageIndex[ref.kept[d]], i);
  if (ref.swizzle)
    return LLVM::GEPOp::create(b, loc, ref.base.getType(), b.getI8Type(), ref.base,
                               ValueRange{toI64(swizzledOffset(ref, storageIndex, true))});
  Value linear = index(0);
  for (auto [i, stride] : llvm::zip(storageIndex, ref.strides))
    linear = arith::AddIOp::create(b, loc, linear, arith::MulIOp::create(b, loc, i, stride));
  return LLVM::GEPOp::create(b, loc, ref.base.getType(), ref.elementType, ref.base,
                             ValueRange{toI64(linear)});
}

Value BufferAccess::swizzledOffset(const BufferRef &ref, ArrayRef<Value> storageIndex,
                                   bool applyXor) {
  // The last two storage dimensions (rows, columns) are stored as column
  // chunks of `swizzle` bytes, each rows x swizzle; leading dimensions
  // (pipeline stages) step over whole rows x columns slabs. In a chunk,
  // address bits [4, 4 + b) are XORed with bits [7, 7 + b), b =
  // log2(swizzle / 16): the pattern of TMA and the wgmma descriptors (slabs
  // are multiples of 8 rows and the buffer starts 1024-byte aligned, so
  // offsets and addresses agree).
  int64_t span = ref.swizzle;
  size_t rank = storageIndex.size();
  int64_t elementBytes = ref.elementType.getIntOrFloatBitWidth() / 8;
  int64_t rows = ref.swizzleRows;
  int64_t columns = getConstantIntValue(ref.storageDims[rank - 1]).value_or(0);
  Value slab = index(0);
  for (size_t d = 0; d + 2 < rank; ++d)
    slab = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, slab, ref.storageDims[d]),
                                 storageIndex[d]);
  Value colBytes = arith::MulIOp::create(b, loc, storageIndex[rank - 1], index(elementBytes));
  Value chunk = arith::DivUIOp::create(b, loc, colBytes, index(span));
  Value within = arith::RemUIOp::create(b, loc, colBytes, index(span));
  Value offset = arith::AddIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, chunk, index(rows * span)),
                            arith::MulIOp::create(b, loc, storageIndex[rank - 2], index(span))),
      within);
  offset = arith::AddIOp::create(
      b, loc, offset, arith::MulIOp::create(b, loc, slab, index(rows * columns * elementBytes)));
  if (!applyXor)
    return offset;
  Value bits = arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, offset, index(7)),
                                     index(span / 16 - 1));
  return arith::XOrIOp::create(b, loc, offset, arith::ShLIOp::create(b, loc, bits, index(4)));
}

Value BufferAccess::inBounds(const BufferRef &ref, ArrayRef<Value> viewIndex) {
  SmallVector<Value> storageIndex(ref.offsets);
  for (auto [d, i] : llvm::enumerate(viewIndex))
    storageIndex[ref.kept[d]] = arith::AddIOp::create(b, loc, storageIndex[ref.kept[d]], i);
  Value ok = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  for (auto [i, dim] : llvm::zip(storageIndex, ref.storageDims)) {
    // Unsigned comparison: a negative index is also outside.
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, dim);
    ok = arith::AndIOp::create(b, loc, ok, inside);
  }
  return ok;
}

Value BufferAccess::loadStoredOrZero(const BufferRef &ref, ArrayRef<Value> viewIndex,
                                     gpu::GPUModuleOp module, bool branchFree) {
  if (branchFree) {
    assert(ref.elementType.getIntOrFloatBitWidth() <= 8 * kZerosBytes &&
           "an element wider than the zeros guarded loads read");
    // The address outside the tensor is selected away, never dereferenced.
    Value at = LLVM::SelectOp::create(b, loc, inBounds(ref, viewIndex), address(ref, viewIndex),
                                      zerosAddress(module));
    return LLVM::LoadOp::create(b, loc, ref.elementType, at);
  }
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{ref.elementType}, inBounds(ref, viewIndex),
                                /*addThenBlock=*/true, /*addElseBlock=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, loadStored(ref, viewIndex));
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, zeroOf(ref.elementType));
  return ifOp.getResult(0);
}

Value BufferAccess::zerosAddress(gpu::GPUModuleOp module) {
  auto pointer = LLVM::LLVMPointerType::get(b.getContext(), kGlobalSpace);
  if (!module.lookupSymbol(kZerosSymbol)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    LLVM::GlobalOp::create(b, module.getLoc(), LLVM::LLVMArrayType::get(b.getI8Type(), kZerosBytes),
                           /*isConstant=*/true, LLVM::Linkage::Internal, kZerosSymbol,
                           LLVM::ZeroAttr::get(b.getContext()), /*alignment=*/kZerosBytes,
                           kGlobalSpace);
  }
  return LLVM::AddressOfOp::create(b, loc, pointer, kZerosSymbol);
}

Value BufferAccess::fromMemory(const BufferRef &ref, Value loaded) {
  if (ref.valueType && isa<IntegerType>(ref.valueType))
    return arith::ExtUIOp::create(b, loc, ref.valueType, loaded);
  if (ref.valueType)
    return arith::BitcastOp::create(b, loc, ref.valueType, loaded);
  return ref.indexElements
             ? arith::IndexCastOp::create(b, loc, b.getIndexType(), loaded).getResult()
             : loaded;
}

Value BufferAccess::toMemory(const BufferRef &ref, Value value) {
  if (ref.valueType && value.getType() == ref.valueType && isa<IntegerType>(ref.valueType))
    return arith::TruncIOp::create(b, loc, ref.elementType, value);
  if (ref.valueType && value.getType() == ref.valueType)
    return arith::BitcastOp::create(b, loc, ref.elementType, value);
  return ref.indexElements && value.getType().isIndex()
             ? arith::IndexCastOp::create(b, loc, b.getI64Type(), value).getResult()
             : value;
}

Value BufferAccess::zeroOf(Type type) {
  return isa<FloatType>(type)
             ? Value(arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 0.0)))
             : Value(arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, 0)));
}

Value BufferAccess::loadAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot) {
  if (ref.packedPairs)
    return fromMemory(ref, loadHalf(ref, slot));
  if (ref.inRegisters())
    return fromMemory(ref, LLVM::LoadOp::create(b, loc, ref.elementType, slotAddress(ref, slot)));
  return load(ref, viewIndex);
}

void BufferAccess::storeAt(const BufferRef &ref, ArrayRef<Value> viewIndex, Value slot,
                           Value value) {
  if (ref.packedPairs) {
    storeHalf(ref, slot, toMemory(ref, value));
    return;
  }
  if (ref.inRegisters()) {
    LLVM::StoreOp::create(b, loc, toMemory(ref, value), slotAddress(ref, slot));
    return;
  }
  store(ref, viewIndex, value);
}

Value BufferAccess::pairAddress(const BufferRef &ref, Value slot) {
  Value pair = arith::DivUIOp::create(b, loc, slot, index(2));
  return LLVM::GEPOp::create(b, loc, ref.base.getType(), pairType(ref), ref.base,
                             ValueRange{toI64(pair)});
}

Value BufferAccess::placeInPair(Value slot) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                    arith::RemUIOp::create(b, loc, slot, index(2)));
}

Value BufferAccess::loadHalf(const BufferRef &ref, Value slot) {
  Value pair = LLVM::LoadOp::create(b, loc, pairType(ref), pairAddress(ref, slot));
  return LLVM::ExtractElementOp::create(b, loc, pair, placeInPair(slot));
}

void BufferAccess::storeHalf(const BufferRef &ref, Value slot, Value stored) {
  Value address = pairAddress(ref, slot);
  Value pair = LLVM::LoadOp::create(b, loc, pairType(ref), address);
  LLVM::StoreOp::create(
      b, loc, LLVM::InsertElementOp::create(b, loc, pair, stored, placeInPair(slot)), address);
}

Value BufferAccess::isAligned(Value pointer, int64_t bytes) {
  auto i64 = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v); };
  Value address = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), pointer);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                               arith::AndIOp::create(b, loc, address, i64(bytes - 1)), i64(0));
}

void BufferAccess::atomicAdd(Value pointer, Value value, tile::MemoryOrder order) {
  // A relaxed atomic between fences: LLVM's NVPTX back end drops the
  // ordering of an atomicrmw (it prints a relaxed atom), so the ordering
  // T.atomic_add asks for is given by fences on every target.
  bool seqCst = order == tile::MemoryOrder::SeqCst;
  bool fenceBefore =
      seqCst || order == tile::MemoryOrder::Release || order == tile::MemoryOrder::AcqRel;
  bool fenceAfter =
      seqCst || order == tile::MemoryOrder::Acquire || order == tile::MemoryOrder::AcqRel;
  if (fenceBefore)
    LLVM::FenceOp::create(b, loc,
                          seqCst ? LLVM::AtomicOrdering::seq_cst : LLVM::AtomicOrdering::release);
  LLVM::AtomicRMWOp::create(b, loc,
                            isa<FloatType>(value.getType()) ? LLVM::AtomicBinOp::fadd
                                                            : LLVM::AtomicBinOp::add,
                            pointer, value, LLVM::AtomicOrdering::monotonic);
  if (fenceAfter)
    LLVM::FenceOp::create(b, loc,
                          seqCst ? LLVM::AtomicOrdering::seq_cst : LLVM::AtomicOrdering::acquire);
}
