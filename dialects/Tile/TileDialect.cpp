//===- TileDialect.cpp - tile dialect, types and attributes ---------------===//
//
// Registers the dialect and implements the buffer type and layout attributes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Tile/TileDialect.h"
#include "dialects/Tile/IndexRanges.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tilec::tile;

#include "dialects/Tile/TileDialect.cpp.inc"
#include "dialects/Tile/TileEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Tile/TileAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Tile/TileTypes.cpp.inc"

void TileDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Tile/TileAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Tile/TileTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Tile/TileOps.cpp.inc"
      >();
}

Operation *TileDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  // Folded dimensions are index constants.
  if (auto typed = dyn_cast<TypedAttr>(value))
    if (arith::ConstantOp::isBuildableWith(typed, type))
      return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}

//===----------------------------------------------------------------------===//
// SwizzleLayoutAttr
//===----------------------------------------------------------------------===//

LogicalResult
SwizzleLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          int64_t bytes) {
  if (bytes != 0 && bytes != 32 && bytes != 64 && bytes != 128)
    return emitError() << "swizzle span must be 0 (automatic), 32, 64 or 128 "
                          "bytes, got "
                       << bytes;
  return success();
}

LogicalResult
CyclicLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t threads) {
  if (threads <= 0)
    return emitError() << "a cyclic layout needs a positive thread count, got "
                       << threads;
  return success();
}

Attribute WgmmaLayoutAttr::parse(AsmParser &parser, Type) {
  int64_t warpgroups = 0, columnGroups = 1;
  bool mmaSync = false;
  if (parser.parseLess() || parser.parseInteger(warpgroups))
    return {};
  // `, columns c` then `, mma_sync`, each optional.
  while (succeeded(parser.parseOptionalComma())) {
    if (succeeded(parser.parseOptionalKeyword("columns"))) {
      if (parser.parseInteger(columnGroups))
        return {};
      continue;
    }
    if (parser.parseKeyword("mma_sync", " or 'columns'"))
      return {};
    mmaSync = true;
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<WgmmaLayoutAttr>(parser.getContext(), warpgroups, mmaSync,
                                            columnGroups);
}

void WgmmaLayoutAttr::print(AsmPrinter &printer) const {
  printer << "<" << getWarpgroups();
  if (getColumnGroups() != 1)
    printer << ", columns " << getColumnGroups();
  if (getMmaSync())
    printer << ", mma_sync";
  printer << ">";
}

LogicalResult
WgmmaLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t warpgroups, bool, int64_t columnGroups) {
  if (columnGroups <= 0)
    return emitError() << "a wgmma layout needs a positive column group count, got "
                       << columnGroups;
  if (warpgroups <= 0)
    return emitError() << "a wgmma layout needs a positive warpgroup count, got "
                       << warpgroups;
  return success();
}

Attribute WindowAttr::parse(AsmParser &parser, Type) {
  SmallVector<int64_t> storageShape, dims;
  if (parser.parseLess() ||
      parser.parseDimensionList(storageShape, /*allowDynamic=*/true, /*withTrailingX=*/false) ||
      parser.parseComma() || parser.parseKeyword("dims") ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square,
                                     [&]() { return parser.parseInteger(dims.emplace_back()); }) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<WindowAttr>(parser.getContext(), storageShape, dims);
}

void tilec::tile::printShape(llvm::raw_ostream &os, ArrayRef<int64_t> shape) {
  llvm::interleave(
      shape, os,
      [&](int64_t extent) {
        if (ShapedType::isDynamic(extent))
          os << '?';
        else
          os << extent;
      },
      "x");
}

void WindowAttr::print(AsmPrinter &printer) const {
  printer << "<";
  printShape(printer.getStream(), getStorageShape());
  printer << ", dims [";
  llvm::interleaveComma(getDims(), printer);
  printer << "]>";
}

LogicalResult WindowAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> storageShape, ArrayRef<int64_t> dims) {
  if (storageShape.empty())
    return emitError() << "a window views a storage of at least one dimension";
  for (int64_t extent : storageShape)
    if (!ShapedType::isDynamic(extent) && extent <= 0)
      return emitError() << "storage dimensions must be positive, got " << extent;
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= static_cast<int64_t>(storageShape.size()))
      return emitError() << "window dimension " << dim << " is not a dimension of a rank-"
                         << storageShape.size() << " storage";
    if (i > 0 && dim <= dims[i - 1])
      return emitError() << "window dimensions must increase, got " << dims[i - 1] << " before "
                         << dim;
  }
  return success();
}

LogicalResult TileDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  auto expect = [&](bool holds, StringRef what) -> LogicalResult {
    if (holds)
      return success();
    return op->emitOpError("attribute '") << name << "' must be " << what;
  };
  if (name == kKernelAttrName)
    return expect(isa<func::FuncOp>(op) && isa<UnitAttr>(value),
                  "a unit attribute of a func.func");
  if (name == kConstantsAttrName)
    return expect(isa<func::FuncOp>(op) && isa<DictionaryAttr>(value),
                  "a dictionary on a func.func");
  if (name == kGridConstantsAttrName)
    return expect(isa<FunctionOpInterface>(op) && isa<DenseI32ArrayAttr>(value),
                  "an i32 array on a GPU kernel");
  if (name == kVectorGuardAttrName)
    return expect(isa<scf::IfOp>(op) && isa<UnitAttr>(value), "a unit attribute of an scf.if");
  if (name == kUnrollAttrName)
    return expect(isa<scf::ForOp>(op) && isa<UnitAttr>(value),
                  "a unit attribute of an scf.for");
  return op->emitOpError("unknown tile dialect attribute '") << name << "'";
}

LogicalResult TileDialect::verifyRegionArgAttribute(Operation *op, unsigned region,
                                                    unsigned argIndex, NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  auto func = dyn_cast<func::FuncOp>(op);
  if (name == kParamNameAttrName) {
    if (!func || !isa<StringAttr>(attribute.getValue()))
      return op->emitOpError("attribute '") << name << "' must name a kernel parameter";
    return success();
  }
  if (name == kDimNamesAttrName) {
    auto names = dyn_cast<ArrayAttr>(attribute.getValue());
    // From the function type: a declaration has no entry block.
    auto buffer = func ? dyn_cast<BufferType>(func.getArgumentTypes()[argIndex]) : nullptr;
    if (!buffer || !names || names.size() != buffer.getShape().size() ||
        !llvm::all_of(names, [](Attribute n) { return isa<StringAttr>(n); }))
      return op->emitOpError("attribute '")
             << name << "' must name each dimension of a tensor argument";
    return success();
  }
  if (name == kOutputAttrName) {
    if (!func || !isa<UnitAttr>(attribute.getValue()) ||
        !isa<BufferType>(func.getArgumentTypes()[argIndex]))
      return op->emitOpError("attribute '") << name << "' must mark a tensor argument";
    return success();
  }
  return op->emitOpError("unknown tile dialect argument attribute '") << name << "'";
}

/// Whether `layout` fits a buffer of `shape` in `scope` (with `emitError`
/// saying why not).
static LogicalResult verifyLayout(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, MemoryScope scope, Attribute layout) {
  auto describe = [&]() {
    auto diag = emitError();
    diag << "layout " << layout << " does not fit a " << stringifyMemoryScope(scope)
         << " buffer of shape ";
    llvm::interleave(shape, diag, "x");
    return diag;
  };
  if (auto swizzle = dyn_cast<SwizzleLayoutAttr>(layout)) {
    // Fragments held in shared memory (gemm operands) are swizzled too.
    if (scope == MemoryScope::Local || shape.size() < 2)
      return describe() << ": a swizzle lays out the rows of a shared buffer or fragment";
    return success();
  }
  if (isa<CyclicLayoutAttr>(layout)) {
    if (scope != MemoryScope::Fragment)
      return describe() << ": the cyclic layout spreads a fragment over the threads";
    return success();
  }
  // A wgmma accumulator map: 64-row blocks shared out to the warpgroups
  // (each takes at least one), the columns to the column groups.
  if (auto wgmma = dyn_cast<WgmmaLayoutAttr>(layout)) {
    if (scope != MemoryScope::Fragment || shape.size() != 2 || shape[0] % 64 != 0 ||
        shape[0] / 64 % wgmma.getWarpgroups() != 0 || shape[1] % wgmma.getColumnGroups() != 0)
      return describe() << ": it needs a fragment of two dimensions, rows in 64-row blocks that the "
                        << wgmma.getWarpgroups() << " warpgroup(s) divide, columns the "
                        << wgmma.getColumnGroups() << " column group(s) divide";
    return success();
  }
  if (auto rows = dyn_cast<WgmmaRowsLayoutAttr>(layout)) {
    if (scope != MemoryScope::Fragment || shape.size() != 1 || shape[0] % 64 != 0 ||
        shape[0] / 64 % rows.getWarpgroups() != 0)
      return describe() << ": it needs a fragment of one dimension of 64-row blocks that the "
                        << rows.getWarpgroups() << " warpgroup(s) divide";
    return success();
  }
  return emitError() << "unknown buffer layout " << layout
                     << "; expected #tile.swizzle, #tile.cyclic, #tile.wgmma or #tile.wgmma_rows";
}

LogicalResult
WgmmaRowsLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            int64_t warpgroups) {
  if (warpgroups <= 0)
    return emitError() << "a wgmma_rows layout needs a positive warpgroup count, got "
                       << warpgroups;
  return success();
}

//===----------------------------------------------------------------------===//
// BufferType
//===----------------------------------------------------------------------===//

Type BufferType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseComma())
    return {};
  StringRef scopeName;
  SMLoc scopeLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&scopeName))
    return {};
  std::optional<MemoryScope> scope = symbolizeMemoryScope(scopeName);
  if (!scope) {
    parser.emitError(scopeLoc, "unknown memory scope '")
        << scopeName << "'; expected global, shared, fragment or local";
    return {};
  }
  // Then the layout and the window, each optional, in this order.
  Attribute layout;
  WindowAttr window;
  while (succeeded(parser.parseOptionalComma())) {
    Attribute attribute;
    SMLoc attributeLoc = parser.getCurrentLocation();
    if (parser.parseAttribute(attribute))
      return {};
    if (window) {
      parser.emitError(attributeLoc, "a buffer type ends with its window");
      return {};
    }
    if (auto isWindow = dyn_cast<WindowAttr>(attribute)) {
      window = isWindow;
      continue;
    }
    if (layout) {
      parser.emitError(attributeLoc, "a buffer type has one layout");
      return {};
    }
    layout = attribute;
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<BufferType>(parser.getContext(), shape, elementType,
                                       *scope, layout, window);
}

void BufferType::print(AsmPrinter &printer) const {
  printer << '<';
  printShape(printer.getStream(), getShape());
  if (!getShape().empty())
    printer << 'x';
  printer << getElementType() << ", " << stringifyMemoryScope(getScope());
  if (getLayout())
    printer << ", " << getLayout();
  if (getWindow())
    printer << ", " << getWindow();
  printer << '>';
}

LogicalResult BufferType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape, Type elementType,
                                 MemoryScope scope, Attribute layout,
                                 WindowAttr window) {
  if (!elementType.isIntOrIndexOrFloat())
    return emitError() << "buffer element type must be an integer or float "
                          "type, got "
                       << elementType;
  for (int64_t dim : shape) {
    if (ShapedType::isDynamic(dim)) {
      if (scope != MemoryScope::Global)
        return emitError() << "only global buffers may have dimensions bound "
                              "at launch; a "
                           << stringifyMemoryScope(scope)
                           << " buffer needs a constant shape";
      continue;
    }
    if (dim <= 0)
      return emitError() << "buffer dimensions must be positive, got " << dim;
  }
  if (layout && scope == MemoryScope::Global)
    return emitError() << "a global buffer has no layout attribute";
  ArrayRef<int64_t> storageShape = shape;
  if (window) {
    storageShape = window.getStorageShape();
    ArrayRef<int64_t> dims = window.getDims();
    if (dims.size() != shape.size())
      return emitError() << "a window places each of the view's " << shape.size()
                         << " dimension(s), got " << dims.size();
    bool whole = storageShape == shape;
    for (auto [extent, dim] : llvm::zip(shape, dims)) {
      int64_t stored = storageShape[dim];
      // A view of a tensor may reach past its end (copies clip it); one of
      // an on-chip buffer stays inside.
      if (scope != MemoryScope::Global && !ShapedType::isDynamic(extent) &&
          !ShapedType::isDynamic(stored) && extent > stored)
        return emitError() << "view extent " << extent << " exceeds extent " << stored
                           << " of storage dimension " << dim;
    }
    if (whole)
      return emitError() << "a view of its whole storage has no window";
    for (int64_t extent : storageShape)
      if (ShapedType::isDynamic(extent) && scope != MemoryScope::Global)
        return emitError() << "only global storage has dimensions bound at launch";
  }
  if (layout)
    return verifyLayout(emitError, storageShape, scope, layout);
  return success();
}

BufferType BufferType::cloneWith(std::optional<ArrayRef<int64_t>> shape,
                                 Type elementType) const {
  return BufferType::get(getContext(), shape ? *shape : getShape(),
                         elementType ? elementType : getElementType(),
                         getScope(), getLayout());
}

BufferType BufferType::withWindow(WindowAttr window) const {
  // dims [0, 1, ..., n-1] of a storage of the view's own shape: no window.
  if (window && window.getStorageShape() == getShape() &&
      llvm::equal(window.getDims(), llvm::seq<int64_t>(0, getShape().size())))
    window = WindowAttr();
  return BufferType::get(getContext(), getShape(), getElementType(), getScope(), getLayout(),
                         window);
}

ArrayRef<int64_t> BufferType::getStorageShape() const {
  return getWindow() ? getWindow().getStorageShape() : getShape();
}

SmallVector<unsigned> BufferType::getStorageDims() const {
  if (WindowAttr window = getWindow())
    return llvm::to_vector(llvm::map_range(
        window.getDims(), [](int64_t dim) { return static_cast<unsigned>(dim); }));
  return llvm::to_vector(llvm::seq<unsigned>(0, getShape().size()));
}

int64_t BufferType::getNumElementsStatic() const {
  int64_t count = 1;
  for (int64_t dim : getShape())
    count *= ShapedType::isDynamic(dim) ? 1 : dim;
  return count;
}

BufferType BufferType::withScope(MemoryScope scope) const {
  return BufferType::get(getContext(), getShape(), getElementType(), scope,
                         scope == MemoryScope::Global ? Attribute()
                                                      : getLayout());
}

BufferType BufferType::withLayout(Attribute layout) const {
  return BufferType::get(getContext(), getShape(), getElementType(), getScope(), layout,
                         getWindow());
}

SmallVector<int64_t> tilec::tile::withoutUnitDims(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> result;
  for (int64_t dim : shape)
    if (dim != 1)
      result.push_back(dim);
  return result;
}

Value tilec::tile::viewedBuffer(Value buffer) {
  while (true) {
    if (auto region = buffer.getDefiningOp<RegionOp>())
      buffer = region.getSource();
    else if (auto view = buffer.getDefiningOp<ViewOp>())
      buffer = view.getSource();
    else
      return buffer;
  }
}

bool tilec::tile::isInsideExtent(Value index, int64_t extent, Operation *at) {
  if (ShapedType::isDynamic(extent))
    return false;
  IndexRange range = rangeOf(index, at);
  return range.low && *range.low >= 0 && range.high && *range.high < extent;
}

Attribute tilec::tile::getLayout(AllocOp alloc) { return alloc.getType().getLayout(); }

void tilec::tile::setLayout(AllocOp alloc, Attribute layout) {
  alloc.getResult().setType(alloc.getType().withLayout(layout));
  retypeViewsOf(alloc.getResult());
}

void tilec::tile::retypeViewsOf(Value buffer) {
  SmallVector<Value> worklist{buffer};
  while (!worklist.empty()) {
    Value source = worklist.pop_back_val();
    for (Operation *user : source.getUsers()) {
      auto region = dyn_cast<RegionOp>(user);
      if (!region || region.getSource() != source)
        continue;
      region.getResult().setType(RegionOp::viewType(cast<BufferType>(source.getType()),
                                                    region.getSizes(),
                                                    region.getType().getShape()));
      worklist.push_back(region.getResult());
    }
  }
}

bool tilec::tile::isContiguousAccess(Operation *op) {
  if (auto load = dyn_cast<LoadOp>(op))
    return load.getContiguous();
  if (auto store = dyn_cast<StoreOp>(op))
    return store.getContiguous();
  return false;
}

std::optional<int64_t> tilec::tile::registerSlots(BufferType type) {
  ArrayRef<int64_t> storage = type.getStorageShape();
  if (ShapedType::isDynamicShape(storage))
    return std::nullopt;
  int64_t elements = 1;
  for (int64_t extent : storage)
    elements *= extent;
  Attribute layout = type.getLayout();
  if (auto cyclic = dyn_cast_or_null<CyclicLayoutAttr>(layout))
    return (std::max<int64_t>(elements, 1) + cyclic.getThreads() - 1) / cyclic.getThreads();
  if (auto wgmma = dyn_cast_or_null<WgmmaLayoutAttr>(layout))
    return elements / (128 * wgmma.getWarpgroups() * wgmma.getColumnGroups());
  if (auto rows = dyn_cast_or_null<WgmmaRowsLayoutAttr>(layout); rows && !storage.empty())
    return 2 * (storage[0] / 64 / rows.getWarpgroups()); // two rows a 64-row block
  return std::nullopt;
}

Attribute tilec::tile::viewedLayout(Value buffer) {
  return cast<BufferType>(buffer.getType()).getLayout();
}

bool tilec::tile::runsOnWgmma(Value c) {
  auto layout = dyn_cast_or_null<WgmmaLayoutAttr>(viewedLayout(c));
  return layout && !layout.getMmaSync();
}

tilec::tile::BufferUses tilec::tile::usesOf(Value buffer) {
  BufferUses uses;
  SmallVector<Value> views{buffer};
  while (!views.empty()) {
    Value view = views.pop_back_val();
    for (Operation *user : view.getUsers()) {
      if (isa<RegionOp, ViewOp>(user)) {
        views.push_back(user->getResult(0));
      } else if (!isa<DimOp>(user)) { // a shape query touches no element
        BufferUses use = operandUses(user, view);
        uses.read |= use.read;
        uses.written |= use.written;
      }
    }
  }
  return uses;
}

tilec::tile::BufferUses tilec::tile::operandUses(Operation *user, Value operand) {
  BufferUses uses;
  if (isa<AlignedOp, InBoundsOp>(user)) {
    // The buffer's address and extents, not its elements.
  } else if (isa<RegionOp, ViewOp, DimOp, LoadOp, LoadSlotOp, LoadVectorOp, BarrierWaitOp>(user)) {
    uses.read = true;
  } else if (isa<StoreOp, StoreSlotOp, StoreVectorOp, FillOp, BarrierArriveOp>(user)) {
    uses.written = true;
  } else if (isa<CopyOp, ConvertLayoutOp, CopyAsyncOp>(user)) {
    uses.read = operand == user->getOperand(0); // the source
    uses.written = !uses.read;
  } else if (auto gemm = dyn_cast<GemmOp>(user)) {
    uses.read = true;
    uses.written = operand == gemm.getC();
  } else if (auto reduce = dyn_cast<ReduceOp>(user)) {
    uses.read = true;
    uses.written = operand != reduce.getSource();
  } else if (auto atomic = dyn_cast<AtomicAddOp>(user)) {
    uses.read = true;
    uses.written = operand == atomic.getTarget();
  } else {
    uses.read = uses.written = true;
  }
  return uses;
}

std::optional<tilec::DType> tilec::tile::getDType(Type type) {
  if (type.isF16()) return tilec::DType::F16;
  if (type.isBF16()) return tilec::DType::BF16;
  if (type.isF32()) return tilec::DType::F32;
  if (type.isF64()) return tilec::DType::F64;
  if (isa<Float8E4M3FNType>(type)) return tilec::DType::F8E4M3;
  if (isa<Float8E5M2Type>(type)) return tilec::DType::F8E5M2;
  if (type.isInteger(1)) return tilec::DType::Bool;
  if (type.isUnsignedInteger(8)) return tilec::DType::U8;
  if (type.isSignlessInteger(8)) return tilec::DType::I8;
  if (type.isSignlessInteger(16)) return tilec::DType::I16;
  if (type.isSignlessInteger(32)) return tilec::DType::I32;
  if (type.isSignlessInteger(64) || type.isIndex()) return tilec::DType::I64;
  return std::nullopt;
}

Type tilec::tile::getElementType(MLIRContext *context, tilec::DType dtype) {
  Builder b(context);
  switch (dtype) {
  case tilec::DType::F16: return b.getF16Type();
  case tilec::DType::BF16: return b.getBF16Type();
  case tilec::DType::F32: return b.getF32Type();
  case tilec::DType::F64: return b.getF64Type();
  case tilec::DType::F8E4M3: return b.getType<Float8E4M3FNType>();
  case tilec::DType::F8E5M2: return b.getType<Float8E5M2Type>();
  case tilec::DType::I8: return b.getI8Type();
  case tilec::DType::I16: return b.getI16Type();
  case tilec::DType::I32: return b.getI32Type();
  case tilec::DType::I64: return b.getI64Type();
  case tilec::DType::U8: return IntegerType::get(context, 8, IntegerType::Unsigned);
  case tilec::DType::Bool: return b.getI1Type();
  }
  return {};
}

std::vector<tilec::abi::ParamSpec> tilec::tile::getKernelParams(func::FuncOp kernel) {
  std::vector<tilec::abi::ParamSpec> params;
  for (unsigned i = 0; i < kernel.getNumArguments(); ++i) {
    tilec::abi::ParamSpec param;
    auto name = kernel.getArgAttrOfType<StringAttr>(i, kParamNameAttrName);
    param.name = name ? name.str() : "arg" + std::to_string(i);
    Type type = kernel.getArgumentTypes()[i];
    if (auto buffer = dyn_cast<BufferType>(type)) {
      param.isTensor = true;
      param.output = kernel.getArgAttr(i, kOutputAttrName) != nullptr;
      // Any use the analysis does not know counts as a write.
      param.readOnly = !kernel.isExternal() && !param.output &&
                       !usesOf(kernel.getArgument(i)).written;
      param.dtype = getDType(buffer.getElementType()).value_or(tilec::DType::F32);
      auto names = kernel.getArgAttrOfType<ArrayAttr>(i, kDimNamesAttrName);
      for (auto [d, extent] : llvm::enumerate(buffer.getShape())) {
        bool symbolic = ShapedType::isDynamic(extent);
        param.extents.push_back(symbolic ? -1 : extent);
        param.dimNames.push_back(symbolic && names && d < names.size()
                                     ? cast<StringAttr>(names[d]).str()
                                     : std::string());
      }
    } else {
      param.dtype = getDType(type).value_or(tilec::DType::I64);
    }
    params.push_back(std::move(param));
  }
  return params;
}

std::string tilec::tile::getDTypeName(Type type) {
  if (type.isIndex())
    return "index";
  if (std::optional<tilec::DType> dtype = getDType(type))
    return tilec::dtypeName(*dtype);
  if (auto integer = dyn_cast<IntegerType>(type))
    return (integer.isUnsigned() ? "uint" : "int") + std::to_string(integer.getWidth());
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

Type tilec::tile::scalarTypeOf(Type element) {
  auto integer = dyn_cast<IntegerType>(element);
  if (!integer || !integer.isUnsigned())
    return element;
  return IntegerType::get(element.getContext(), integer.getWidth() < 32 ? 32 : 64);
}


SmallVector<tilec::tile::AllocGlobalOp> tilec::tile::getKernelWorkspaces(func::FuncOp kernel) {
  SmallVector<AllocGlobalOp> workspaces;
  if (!kernel.getBody().empty())
    for (auto workspace : kernel.getBody().front().getOps<AllocGlobalOp>())
      workspaces.push_back(workspace);
  return workspaces;
}
