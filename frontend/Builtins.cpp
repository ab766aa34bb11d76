//===- Builtins.cpp - the table of T.* and Python builtins ----------------===//
//
// Calls of builtins go through one table of handlers, one file per family:
// BuiltinsMemory.cpp (allocation), BuiltinsTileOps.cpp (whole-tile
// operations), BuiltinsAnnotations.cpp (scheduling hints and debugging) and
// BuiltinsScalar.cpp (scalar math and Python's builtins). This file holds
// the table, the argument binding they share and the names that only mean
// something in one place of a program.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"
#include "lib/Support/Chips.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

BoundArgs tilec::frontend::bindArgs(KernelGenerator &gen, const CallExpr &call,
                                   StringRef name, ArrayRef<StringRef> params,
                                   size_t required) {
  BoundArgs bound;
  bound.values.assign(params.size(), nullptr);
  if (call.args.size() > params.size()) {
    gen.error(call.args[params.size()]->getLoc())
        << name << " takes at most " << params.size() << " argument"
        << (params.size() == 1 ? "" : "s") << ", got " << call.args.size();
    bound.ok = false;
    return bound;
  }
  for (auto [i, arg] : llvm::enumerate(call.args))
    bound.values[i] = arg.get();
  for (const KeywordArg &kw : call.keywords) {
    auto it = llvm::find(params, kw.name);
    if (it == params.end()) {
      auto diag = gen.error(kw.loc);
      diag << name << " has no argument '" << kw.name << "'";
      if (!params.empty()) {
        diag << "; it takes ";
        llvm::interleaveComma(params, diag);
      }
      bound.ok = false;
      return bound;
    }
    size_t index = it - params.begin();
    if (bound.values[index]) {
      gen.error(kw.loc) << "argument '" << kw.name << "' of " << name
                        << " given twice";
      bound.ok = false;
      return bound;
    }
    bound.values[index] = kw.value.get();
  }
  for (size_t i = 0; i < required; ++i)
    if (!bound.values[i]) {
      gen.error(call.getLoc()) << name << " is missing argument '" << params[i] << "'";
      bound.ok = false;
      return bound;
    }
  return bound;
}

RValue tilec::frontend::evalSingleArgument(KernelGenerator &gen, const CallExpr &call,
                                           StringRef name, StringRef param,
                                           const Expr **argument) {
  BoundArgs args = bindArgs(gen, call, name, {param}, 1);
  if (!args.ok)
    return RValue::error();
  if (argument)
    *argument = args.get(0);
  return gen.eval(*args.get(0));
}

std::string tilec::frontend::shapeText(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "a scalar";
  std::string text;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (i)
      text += "x";
    text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
  }
  return text;
}


/// max(acc, next) or min(acc, next): folded for constants, else on the
/// operands' common type (float maximum/minimum propagate NaN).
RValue KernelGenerator::evalMinMax(bool isMax, RValue acc, RValue next, StringRef name,
                                   SMLoc where) {
  if (acc.isError() || next.isError())
    return RValue::error();
  if (acc.isBlockValue() || next.isBlockValue())
    return intervalMinMax(isMax, acc, next, where);
  Location l = loc(where);
  if (acc.isConstNumber() && next.isConstNumber()) {
    bool isFloat = acc.constKind == RValue::ConstKind::Float ||
                   next.constKind == RValue::ConstKind::Float;
    double a = acc.constKind == RValue::ConstKind::Float ? acc.floatValue : double(acc.intValue);
    double b = next.constKind == RValue::ConstKind::Float ? next.floatValue : double(next.intValue);
    if (isFloat)
      return RValue::ofFloat(isMax ? std::max(a, b) : std::min(a, b));
    return RValue::ofInt(isMax ? std::max(acc.intValue, next.intValue)
                               : std::min(acc.intValue, next.intValue));
  }
  Type at = scalarType(acc), bt = scalarType(next);
  Type common = at && bt ? unifyTypes(at, bt) : at ? at : bt;
  if (!common) {
    error(where) << name << " needs numbers";
    return RValue::error();
  }
  if ((acc.isConst() && acc.constKind == RValue::ConstKind::Float) ||
      (next.isConst() && next.constKind == RValue::ConstKind::Float))
    if (!isa<FloatType>(common))
      common = builder.getF32Type();
  Value a = materialize(acc, where, common), b = materialize(next, where, common);
  if (!a || !b)
    return RValue::error();
  a = castTo(a, common, where);
  b = castTo(b, common, where);
  if (isa<FloatType>(common))
    return RValue::ofScalar(isMax ? Value(arith::MaximumFOp::create(builder, l, a, b))
                                  : Value(arith::MinimumFOp::create(builder, l, a, b)));
  return RValue::ofScalar(isMax ? Value(arith::MaxSIOp::create(builder, l, a, b))
                                : Value(arith::MinSIOp::create(builder, l, a, b)));
}
namespace {
using BuiltinHandler = RValue (KernelGenerator::*)(StringRef name, StringRef fn,
                                                   const CallExpr &call);
/// Handlers by name: `T.<name>` in `tile`, plain names in `python`.
struct BuiltinTables {
  llvm::StringMap<BuiltinHandler> tile, python;
};
} // namespace

static BuiltinTables makeBuiltinTables() {
  using G = KernelGenerator;
  BuiltinTables tables;
  auto add = [](llvm::StringMap<BuiltinHandler> &table, std::initializer_list<StringRef> names,
                BuiltinHandler handler) {
    for (StringRef name : names)
      table[name] = handler;
  };
  // Names that mean the same with and without `T.`.
  auto both = [&](std::initializer_list<StringRef> names, BuiltinHandler handler) {
    add(tables.tile, names, handler);
    add(tables.python, names, handler);
  };
  // BuiltinsMemory.cpp
  add(tables.tile, {"alloc_shared", "alloc_fragment", "alloc_local"}, &G::builtinAlloc);
  add(tables.tile, {"alloc_var"}, &G::builtinAllocVar);
  add(tables.tile, {"alloc_reducer"}, &G::builtinAllocReducer);
  add(tables.tile, {"finalize_reducer"}, &G::builtinFinalizeReducer);
  add(tables.tile, {"alloc_global"}, &G::builtinAllocGlobal);
  // BuiltinsTileOps.cpp (and T.reduce_<kind>, in evalBuiltin)
  add(tables.tile, {"copy", "tma_copy"}, &G::builtinCopy);
  add(tables.tile, {"gemm", "wgmma_gemm"}, &G::builtinGemm);
  add(tables.tile, {"gemm_sp"}, &G::builtinGemmSp);
  add(tables.tile, {"fill", "clear"}, &G::builtinFill);
  add(tables.tile, {"cumsum"}, &G::builtinCumsum);
  add(tables.tile, {"atomic_add"}, &G::builtinAtomicAdd);
  add(tables.tile, {"im2col", "c2d_im2col"}, &G::builtinIm2col);
  // BuiltinsAnnotations.cpp
  add(tables.tile, {"use_swizzle"}, &G::builtinUseSwizzle);
  add(tables.tile, {"make_swizzled_layout"}, &G::builtinMakeSwizzledLayout);
  add(tables.tile, {"Layout", "Fragment"}, &G::builtinCustomLayout);
  add(tables.tile, {"annotate_layout"}, &G::builtinAnnotateLayout);
  add(tables.tile, {"print"}, &G::builtinPrint);
  add(tables.tile, {"no_set_max_nreg", "disable_warp_group_reg_alloc"}, &G::builtinNoSetMaxNReg);
  add(tables.tile, {"import_source", "call_extern"}, &G::builtinCSource);
  add(tables.tile,
      {"alloc_barrier", "barrier_wait", "barrier_arrive", "mbarrier_wait_parity",
       "mbarrier_arrive", "fence_proxy_async"},
      &G::builtinWarpRoleSync);
  add(tables.tile, {"wait_wgmma", "set_max_nreg", "inc_max_nreg", "dec_max_nreg"},
      &G::builtinScheduleHint);
  add(tables.tile, {"sync_grid"}, &G::builtinSyncGrid);
  add(tables.tile, {"device_assert"}, &G::builtinDeviceAssert);
  // BuiltinsScalar.cpp
  add(tables.tile,
      {"exp", "exp2", "log", "log2", "log10", "sqrt", "rsqrt", "floor", "ceil", "tanh", "sin",
       "cos", "erf", "sigmoid", "round", "trunc"},
      &G::builtinUnaryMath);
  both({"abs"}, &G::builtinAbs);
  both({"max", "min"}, &G::builtinMinMax);
  add(tables.tile, {"clamp"}, &G::builtinClamp);
  add(tables.tile,
      {"floordiv", "floormod", "shift_left", "shift_right", "bitwise_and", "bitwise_or",
       "bitwise_xor"},
      &G::builtinFloorDivMod);
  add(tables.tile, {"if_then_else"}, &G::builtinIfThenElse);
  // BlockVisibility.cpp
  add(tables.tile, {"block_visibility"}, &G::builtinBlockVisibility);
  add(tables.tile, {"assume_sorted"}, &G::builtinAssumeSorted);
  add(tables.tile, {"ceildiv"}, &G::builtinCeilDiv);
  add(tables.tile, {"cast", "Cast"}, &G::builtinCast);
  add(tables.tile, {"reinterpret"}, &G::builtinReinterpret);
  add(tables.tile, {"infinity", "max_value", "min_value"}, &G::builtinLimit);
  add(tables.python, {"int", "float", "bool"}, &G::builtinPythonConversion);
  add(tables.python, {"len"}, &G::builtinLen);
  add(tables.python, {"sum"}, &G::builtinSum);
  add(tables.python, {"print"}, &G::builtinPythonPrint);
  add(tables.python, {"isinstance"}, &G::builtinIsInstance);
  add(tables.tile, {"get_thread_binding", "thread_binding"}, &G::builtinThreadBinding);
  add(tables.tile, {"DataType"}, &G::builtinDataType);
  add(tables.tile, {"tvm_thread_allreduce"}, &G::builtinThreadAllreduce);
  add(tables.tile, {"comm_reducer"}, &G::builtinCommReducer);
  add(tables.tile,
      {"shfl_sync", "shfl_xor", "shfl_down", "shfl_up", "tvm_warp_shuffle",
       "tvm_warp_shuffle_down", "tvm_warp_shuffle_up"},
      &G::builtinWarpShuffle);
  add(tables.tile, {"evaluate"}, &G::builtinEvaluate);
  // Below: names with a meaning in one place only.
  add(tables.python, {"range"}, &G::builtinLoopIterable);
  both({"Parallel", "Pipelined", "serial", "Serial", "unroll", "vectorized"},
       &G::builtinLoopIterable);
  both({"Kernel"}, &G::builtinKernelOutsideWith);
  both({"Tensor", "Buffer"}, &G::builtinParameterAnnotation);
  add(tables.tile, {"dynamic", "symbolic"}, &G::builtinParameterAnnotation);
  add(tables.tile, {"const"}, &G::builtinConst);
  return tables;
}

RValue KernelGenerator::evalBuiltin(StringRef name, const CallExpr &call) {
  static const BuiltinTables tables = makeBuiltinTables();
  bool inT = name.starts_with("T.");
  StringRef fn = inT ? name.drop_front(2) : name;
  const llvm::StringMap<BuiltinHandler> &table = inT ? tables.tile : tables.python;
  if (auto it = table.find(fn); it != table.end())
    return (this->*(it->second))(name, fn, call);
  // A family of names: its handler knows the reduction kinds.
  if (inT && fn.starts_with("reduce_"))
    return builtinReduce(name, fn, call);
  if (name.starts_with("math."))
    return builtinPythonMath(name, name.drop_front(5), call);
  if (name.starts_with("tirx."))
    return builtinTirx(name, name.drop_front(5), call);
  if (llvm::is_contained({"torch.rand", "torch.randn", "torch.zeros", "torch.ones",
                          "torch.empty", "torch.randint", "torch.full"},
                         name))
    return hostTensorFactory(name, call);
  if (name == "tilelang.cuda.intrinsics.sparse_layout.get_e_factor")
    return builtinSparseEFactor(name, call);
  if (name == "torch.cuda.get_device_capability" || name == "torch.cuda.get_device_properties" ||
      name == "torch.cuda.is_available" ||
      name == "tilelang.carver.arch.driver.get_num_sms" ||
      name == "tilelang.carver.arch.driver.get_max_dynamic_shared_size_bytes")
    return builtinDeviceQuery(name, fn, call);
  error(call.callee->getLoc()) << "unknown function '" << name << "'";
  return RValue::error();
}

//===----------------------------------------------------------------------===//
// Constructs that only have a meaning in one place
//===----------------------------------------------------------------------===//

/// range, T.Parallel, T.Pipelined, T.serial, ... outside a for loop.
RValue KernelGenerator::builtinLoopIterable(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  error(where) << name << " can only be the iterable of a for loop";
  return RValue::error();
}

/// T.Kernel outside a with statement.
RValue KernelGenerator::builtinKernelOutsideWith(StringRef name, StringRef fn,
                                                 const CallExpr &call) {
  SMLoc where = call.getLoc();
  error(where) << "T.Kernel can only be used as 'with T.Kernel(...) as ...:'";
  return RValue::error();
}

/// The device queries of host helpers in Python files and of kernels that
/// choose tile sizes, answered for the target compiled for (the cpu target
/// answers as sm_90a): torch.cuda.is_available(),
/// torch.cuda.get_device_capability(), torch.cuda.get_device_properties(0)
/// (its major, minor and multi_processor_count) and TileLang's
/// driver.get_num_sms() and driver.get_max_dynamic_shared_size_bytes().
RValue KernelGenerator::builtinDeviceQuery(StringRef name, StringRef fn, const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"device"}, 0);
  if (!args.ok)
    return RValue::error();
  StringRef target = options.target == "cpu" ? "sm_90a" : StringRef(options.target);
  // sm_XY[a] is capability X.Y; gfx9AB is 9.A (as PyTorch reports on ROCm).
  int64_t major = 0, minor = 0;
  StringRef digits = target.starts_with("sm_")    ? target.drop_front(3).rtrim('a')
                     : target.starts_with("gfx") ? target.drop_front(3)
                                                  : StringRef();
  if (digits.size() < 2 || !llvm::all_of(digits.take_front(2), llvm::isDigit)) {
    error(call.getLoc()) << name << ": the target '" << target << "' has no device facts";
    return RValue::error();
  }
  major = digits[0] - '0';
  minor = digits[1] - '0';
  if (target.starts_with("sm_") && digits.size() == 3 && llvm::isDigit(digits[2])) {
    major = 10 * major + minor; // sm_100, sm_120
    minor = digits[2] - '0';
  }
  // The SM (compute unit) count of the part each target is compiled for
  // first, and the shared memory (LDS) one block may use (lib/Support/Chips.h).
  std::optional<ChipFacts> facts = chipFacts(target);
  int64_t smCount = facts ? facts->smCount : 0;
  if (name == "torch.cuda.is_available")
    return RValue::ofBool(true);
  bool askSMs = fn.ends_with("get_num_sms");
  if (askSMs || fn.ends_with("get_max_dynamic_shared_size_bytes")) {
    int64_t value = !facts ? 0 : askSMs ? smCount : facts->sharedBytesPerBlock;
    if (value == 0) {
      error(call.getLoc()) << name << ": " << (askSMs ? "the number of SMs" : "the shared memory")
                           << " of target '" << target
                           << "' is not known; set the value in the program";
      return RValue::error();
    }
    return RValue::ofInt(value);
  }
  if (name == "torch.cuda.get_device_properties") {
    RValue properties = RValue::ofNamespace(kDeviceProperties.str());
    properties.elements = {RValue::ofInt(major), RValue::ofInt(minor),
                           RValue::ofInt(smCount ? smCount : -1)};
    return properties;
  }
  RValue capability;
  capability.kind = RValue::Kind::Tuple;
  capability.elements = {RValue::ofInt(major), RValue::ofInt(minor)};
  return capability;
}

/// `M, N = T.const("M, N")` in an eager kernel, before its T.Kernel: names
/// for the sizes of its tensors. A name -D sets is that constant; the others
/// are symbolic dimensions, bound at launch from the tensors they size.
RValue KernelGenerator::builtinConst(StringRef name, StringRef fn, const CallExpr &call) {
  if (!inFactoryBody()) {
    error(call.getLoc()) << "T.const(\"M, N\") names the sizes of an eager kernel's tensors, "
                            "in its body before T.Kernel";
    return RValue::error();
  }
  auto *text = call.args.size() == 1 && call.keywords.empty()
                   ? dyn_cast<StringExpr>(call.args[0].get())
                   : nullptr;
  if (!text) {
    error(call.getLoc()) << "T.const takes the names as one string: T.const(\"M, N\")";
    return RValue::error();
  }
  SmallVector<StringRef> names;
  StringRef(text->value).split(names, ',', -1, /*KeepEmpty=*/false);
  RValue result;
  result.kind = RValue::Kind::Tuple;
  for (StringRef each : names) {
    StringRef size = each.trim();
    bool identifier = !size.empty() && (llvm::isAlpha(size[0]) || size[0] == '_') &&
                      llvm::all_of(size, [](char c) { return llvm::isAlnum(c) || c == '_'; });
    if (!identifier) {
      error(call.args[0]->getLoc()) << "T.const: '" << size << "' is not a name";
      return RValue::error();
    }
    std::optional<RValue> defined = definedValue(size);
    if (defined)
      eagerConstants.push_back({size.str(), *defined});
    result.elements.push_back(defined.value_or(RValue::ofSymbol(size.str())));
  }
  if (result.elements.size() == 1)
    return result.elements.front();
  return result;
}

RValue KernelGenerator::tensorView(StringRef name, const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {"shape", "dtype", "data"}, 3);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue source = eval(*args.get(2));
  if (source.isError())
    return source;
  if (!source.isBuffer() || source.getBufferType().getScope() != tile::MemoryScope::Global ||
      !(isa<BlockArgument>(source.value) || source.value.getDefiningOp<tile::ViewOp>())) {
    error(args.get(2)->getLoc()) << name << "(shape, dtype, X.data) views a whole tensor "
                                         "parameter X, not " << source.describe();
    return RValue::error();
  }
  Type dtype = evalDType(*args.get(1));
  if (!dtype)
    return RValue::error();
  tile::BufferType sourceType = source.getBufferType();
  if (dtype != sourceType.getElementType()) {
    error(args.get(1)->getLoc()) << "a view keeps its tensor's dtype ("
                                 << dtypeName(sourceType.getElementType()) << "), not "
                                 << dtypeName(dtype);
    return RValue::error();
  }
  RValue shapeValue = eval(*args.get(0));
  if (shapeValue.isError())
    return shapeValue;
  std::vector<RValue> extents = shapeValue.kind == RValue::Kind::Tuple
                                    ? shapeValue.elements
                                    : std::vector<RValue>{shapeValue};
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicExtents;
  for (const RValue &extent : extents) {
    if (extent.isConstInt()) {
      if (extent.intValue <= 0) {
        error(args.get(0)->getLoc()) << "a view's extents must be positive, got "
                                     << extent.intValue;
        return RValue::error();
      }
      shape.push_back(extent.intValue);
      continue;
    }
    Value index = toIndex(extent, args.get(0)->getLoc());
    if (!index)
      return RValue::error();
    shape.push_back(ShapedType::kDynamic);
    dynamicExtents.push_back(index);
  }
  auto type = tile::BufferType::get(ctx, shape, dtype, tile::MemoryScope::Global, Attribute());
  auto view = tile::ViewOp::create(builder, loc(where), type, source.value, dynamicExtents);
  Value result = view.getResult();
  if (!verifyNow(view)) // (an op that fails is erased)
    return RValue::error();
  return RValue::ofBuffer(result);
}

/// isinstance(x, int | float | bool | str | tuple | list | (types...)) of a
/// compile-time value (a factory's or macro's argument checks; tuples and
/// lists are one kind here).
RValue KernelGenerator::builtinIsInstance(StringRef name, StringRef fn, const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"value", "type"}, 2);
  if (!args.ok)
    return RValue::error();
  RValue value = eval(*args.get(0));
  if (value.isError())
    return value;
  std::vector<std::string> types;
  const Expr *typeExpr = args.get(1);
  if (auto *tuple = dyn_cast<SequenceExpr>(typeExpr)) {
    for (const ExprPtr &element : tuple->elements)
      if (auto *typeName = dyn_cast<NameExpr>(element.get()))
        types.push_back(typeName->name);
  } else if (auto *typeName = dyn_cast<NameExpr>(typeExpr)) {
    types.push_back(typeName->name);
  }
  if (types.empty() || !llvm::all_of(types, [](const std::string &t) {
        return t == "int" || t == "float" || t == "bool" || t == "str" || t == "tuple" ||
               t == "list";
      })) {
    error(typeExpr->getLoc()) << "isinstance tests compile-time values for int, float, bool, "
                                 "str, tuple or list";
    return RValue::error();
  }
  bool sequenceType = llvm::any_of(types, [](const std::string &t) {
    return t == "tuple" || t == "list";
  });
  if (value.kind == RValue::Kind::Tuple || (sequenceType && !value.isConst()))
    return RValue::ofBool(sequenceType && value.kind == RValue::Kind::Tuple);
  if (!value.isConst()) {
    error(args.get(0)->getLoc()) << "isinstance tests compile-time values, not "
                                 << value.describe();
    return RValue::error();
  }
  const char *kind = value.constKind == RValue::ConstKind::Int     ? "int"
                     : value.constKind == RValue::ConstKind::Float ? "float"
                     : value.constKind == RValue::ConstKind::Bool  ? "bool"
                     : value.constKind == RValue::ConstKind::Str   ? "str"
                                                                   : "";
  // As in Python, a bool is an int too.
  bool matches = llvm::any_of(types, [&](const std::string &t) {
    return t == kind || (t == "int" && value.constKind == RValue::ConstKind::Bool);
  });
  return RValue::ofBool(matches);
}

/// TVM's DataType(dtype): the dtype itself (its `.bits` is its width).
RValue KernelGenerator::builtinDataType(StringRef name, StringRef fn, const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"dtype"}, 1);
  if (!args.ok)
    return RValue::error();
  Type dtype = evalDType(*args.get(0));
  return dtype ? RValue::ofDType(dtype) : RValue::error();
}

/// Python's print: host output of a kernel factory (often of the kernel it
/// made), which compiling has no use for; in kernel code, T.print.
RValue KernelGenerator::builtinPythonPrint(StringRef name, StringRef fn, const CallExpr &call) {
  if (inFactoryBody())
    return RValue::none();
  error(call.callee->getLoc()) << "print is host code; in a kernel, T.print(value, msg) "
                                  "prints from the device";
  return RValue::error();
}

/// T.Tensor, T.Buffer (and T.dynamic in their shapes) outside a kernel
/// signature; in kernel code, `T.Tensor(shape, dtype, X.data)` is the tensor
/// X seen with another shape.
RValue KernelGenerator::builtinParameterAnnotation(StringRef name, StringRef fn,
                                                   const CallExpr &call) {
  SMLoc where = call.getLoc();
  if ((fn == "Tensor" || fn == "Buffer") && !bindingFactory &&
      (call.args.size() == 3 || call.findKeyword("data")))
    return tensorView(name, call);
  if (bindingFactory && (fn == "dynamic" || fn == "symbolic")) {
    // `n = T.dynamic("n")` in a kernel factory: a name for a dimension that
    // the kernel's tensor parameters bind at launch.
    // (A second argument, the dimension's dtype, changes nothing: dimensions
    // are index values.)
    auto *text = call.args.empty() || call.args.size() > 2
                     ? nullptr
                     : dyn_cast<StringExpr>(call.args[0].get());
    if (!text || text->value.empty()) {
      error(where) << name << " needs the dimension's name as a string";
      return RValue::error();
    }
    return RValue::ofSymbol(text->value);
  }
  error(where) << name << " can only annotate a kernel parameter";
  return RValue::error();
}

std::optional<int64_t> KernelGenerator::evalDimArg(const Expr *arg, int64_t rank,
                                                   int64_t fallback, llvm::SMLoc where) {
  int64_t dim = fallback;
  if (arg) {
    std::optional<int64_t> value = evalConstInt(*arg, "dim");
    if (!value)
      return std::nullopt;
    dim = *value;
  }
  if (dim < -rank || dim >= rank) {
    error(arg ? arg->getLoc() : where)
        << "dim " << dim << " is out of range for a rank-" << rank << " buffer";
    return std::nullopt;
  }
  return dim < 0 ? dim + rank : dim;
}

std::optional<bool> KernelGenerator::evalFlagArg(const Expr *arg, llvm::StringRef what,
                                                 bool fallback) {
  if (!arg)
    return fallback;
  return evalConstBool(*arg, what);
}
