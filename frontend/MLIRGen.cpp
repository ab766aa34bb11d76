//===- MLIRGen.cpp - tile IR from the syntax tree -------------------------===//
//
// Modules and imports, kernel signatures, statements and scalar expressions.
// The `T.*` builtins are in Builtins.cpp.
//
//===----------------------------------------------------------------------===//

#include "frontend/MLIRGenImpl.h"
#include "frontend/BuiltinSupport.h"
#include "frontend/ConstantArithmetic.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

//===----------------------------------------------------------------------===//
// Dtypes and RValue helpers
//===----------------------------------------------------------------------===//

Type tilec::frontend::parseDType(MLIRContext &context, StringRef name) {
  std::optional<DType> dtype = parseDTypeName(std::string_view(name.data(), name.size()));
  return dtype ? tile::getElementType(&context, *dtype) : Type();
}

std::string tilec::frontend::dtypeName(Type type) {
  return tile::getDTypeName(type);
}

std::string RValue::describe() const {
  switch (kind) {
  case Kind::Error: return "an erroneous value";
  case Kind::None: return "None";
  case Kind::Const:
    switch (constKind) {
    case ConstKind::Int: return "an integer constant";
    case ConstKind::Float: return "a float constant";
    case ConstKind::Bool: return "a boolean constant";
    case ConstKind::Str: return "a string";
    case ConstKind::DType: return "a dtype";
    }
    return "a constant";
  case Kind::Scalar: return "a runtime " + dtypeName(value.getType()) + " value";
  case Kind::Buffer: {
    auto type = getBufferType();
    return std::string("a ") + tile::stringifyMemoryScope(type.getScope()).str() +
           " buffer";
  }
  case Kind::Var: return "a variable";
  case Kind::Macro: return "a macro";
  case Kind::Kernel: return "a kernel";
  case Kind::Module: return "a module";
  case Kind::Namespace: return "'" + str + "'";
  case Kind::Builtin: return "the builtin '" + str + "'";
  case Kind::Tuple: return "a tuple";
  case Kind::Layout: return "a layout";
  case Kind::Symbol: return "the symbolic dimension '" + str + "'";
  case Kind::TensorAnnotation: return "a tensor annotation";
  case Kind::HostTensor: return "a PyTorch tensor";
  case Kind::HostOnly: return "a value of host code";
  case Kind::Interval: return "a range of positions";
  case Kind::Truth: return "a condition over a block";
  }
  return "a value";
}

//===----------------------------------------------------------------------===//
// KernelGenerator: basics
//===----------------------------------------------------------------------===//

KernelGenerator::KernelGenerator(ModuleLoader &loader, ModuleOp module,
                                 const FrontendOptions &options,
                                 std::map<std::string, bool> &usedDefines)
    : loader(loader), source(loader.source), module(module), options(options),
      usedDefines(usedDefines), builder(module.getContext()),
      ctx(module.getContext()) {}

Location KernelGenerator::loc(SMLoc where) {
  Location fileLoc = source.getLoc(where);
  if (callStack.empty())
    return fileLoc;
  return CallSiteLoc::get(fileLoc, callStack.back());
}

InFlightDiagnostic KernelGenerator::error(SMLoc where) {
  return source.emitError(loc(where));
}

bool KernelGenerator::verifyNow(Operation *op) {
  if (succeeded(mlir::verify(op, /*verifyRecursively=*/false)))
    return true;
  ++verifierErrors;
  op->erase();
  return false;
}

bool KernelGenerator::checkInLaunch(SMLoc where, StringRef what) {
  if (inLaunch)
    return true;
  error(where) << what << " must be inside 'with T.Kernel(...)'";
  return false;
}

void KernelGenerator::pushScope(bool newRegion) {
  if (newRegion)
    ++regionDepth;
  scopes.push_back(Scope{{}, regionDepth, newRegion});
}

void KernelGenerator::popScope() {
  if (scopes.back().opensRegion)
    --regionDepth;
  scopes.pop_back();
}

const RValue *KernelGenerator::lookup(StringRef name) {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    auto found = it->names.find(std::string(name));
    if (found != it->names.end())
      return &found->second;
  }
  if (currentModule) {
    auto found = currentModule->globals.find(std::string(name));
    if (found != currentModule->globals.end())
      return &found->second;
  }
  static const RValue tNamespace = RValue::ofNamespace("T");
  if (name == "T")
    return &tNamespace;
  static const char *builtins[] = {"range", "min", "max", "abs", "int",
                                   "float", "bool", "len", "print", "isinstance", "sum"};
  static std::map<std::string, RValue> builtinValues;
  for (const char *builtin : builtins)
    if (name == builtin) {
      auto &slot = builtinValues[builtin];
      slot = RValue::ofBuiltin(builtin);
      return &slot;
    }
  return nullptr;
}

void KernelGenerator::assignName(StringRef name, RValue value, SMLoc where) {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    auto found = it->names.find(std::string(name));
    if (found == it->names.end())
      continue;
    RValue &existing = found->second;
    if (existing.kind == RValue::Kind::Var) {
      // `m = expr` stores into a T.alloc_var.
      if (value.isError())
        return;
      Type elementType = tile::scalarTypeOf(
          cast<tile::BufferType>(existing.value.getType()).getElementType());
      Value scalar = materialize(value, where, elementType);
      if (!scalar)
        return;
      scalar = castTo(scalar, elementType, where);
      tile::StoreOp::create(builder, loc(where), scalar, existing.value,
                            ValueRange{});
      return;
    }
    if (it->regionDepth != regionDepth) {
      error(where) << "cannot rebind '" << name
                   << "' inside a loop or branch: it was bound outside; "
                      "declare it with T.alloc_var to update it here";
      return;
    }
    existing = std::move(value);
    return;
  }
  scopes.back().names[std::string(name)] = std::move(value);
}

//===----------------------------------------------------------------------===//
// Scalars: types, casts, constants
//===----------------------------------------------------------------------===//

Type KernelGenerator::scalarType(const RValue &value) {
  if (value.kind == RValue::Kind::Scalar)
    return value.value.getType();
  return {};
}

Type KernelGenerator::unifyTypes(Type a, Type b) {
  if (a == b)
    return a;
  bool aFloat = isa<FloatType>(a), bFloat = isa<FloatType>(b);
  if (aFloat && bFloat) {
    unsigned wa = a.getIntOrFloatBitWidth(), wb = b.getIntOrFloatBitWidth();
    if (wa == wb)
      return builder.getF32Type(); // f16 with bf16
    return wa > wb ? a : b;
  }
  if (aFloat)
    return a;
  if (bFloat)
    return b;
  if (a.isIndex() || b.isIndex())
    return builder.getIndexType();
  return a.getIntOrFloatBitWidth() >= b.getIntOrFloatBitWidth() ? a : b;
}

Value KernelGenerator::constantOf(Type type, double value, SMLoc where) {
  Location l = loc(where);
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(builder, l, builder.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      builder, l, builder.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value KernelGenerator::materialize(const RValue &value, SMLoc where,
                                   Type preferred) {
  if (preferred)
    preferred = tile::scalarTypeOf(preferred); // uint8 values compute in i32
  switch (value.kind) {
  case RValue::Kind::Scalar:
    return value.value;
  case RValue::Kind::Var:
    return readVar(value, where).value;
  case RValue::Kind::Const: {
    Location l = loc(where);
    if (value.constKind == RValue::ConstKind::Str ||
        value.constKind == RValue::ConstKind::DType) {
      error(where) << "expected a number, got " << value.describe();
      return {};
    }
    if (value.constKind == RValue::ConstKind::Float) {
      Type type = preferred && isa<FloatType>(preferred) ? preferred
                                                         : builder.getF32Type();
      return arith::ConstantOp::create(
          builder, l, builder.getFloatAttr(type, value.floatValue));
    }
    if (value.constKind == RValue::ConstKind::Bool && !preferred)
      return arith::ConstantOp::create(builder, l,
                                       builder.getBoolAttr(value.intValue != 0));
    Type type = preferred ? preferred : builder.getIndexType();
    if (isa<FloatType>(type))
      return arith::ConstantOp::create(
          builder, l,
          builder.getFloatAttr(type, static_cast<double>(value.intValue)));
    return arith::ConstantOp::create(builder, l,
                                     builder.getIntegerAttr(type, value.intValue));
  }
  case RValue::Kind::Error:
    return {};
  default:
    error(where) << "expected a scalar, got " << value.describe();
    return {};
  }
}

void KernelGenerator::allowApproximation(Value value) {
  auto op = value.getDefiningOp<arith::ArithFastMathInterface>();
  if (!op)
    return;
  arith::FastMathFlags flags = op.getFastMathFlagsAttr().getValue() | arith::FastMathFlags::afn;
  op->setAttr(op.getFastMathAttrName(), arith::FastMathFlagsAttr::get(ctx, flags));
}

std::pair<Value, Value> KernelGenerator::operandsAs(const RValue &lhs, const RValue &rhs,
                                                    Type common, SMLoc where) {
  Value a = materialize(lhs, where, common), b = materialize(rhs, where, common);
  if (!a || !b)
    return {};
  return {castTo(a, common, where), castTo(b, common, where)};
}

Value KernelGenerator::castTo(Value value, Type type, SMLoc where) {
  Type from = value.getType();
  if (from == type)
    return value;
  Location l = loc(where);
  if (auto unsignedType = dyn_cast<IntegerType>(type); unsignedType && unsignedType.isUnsigned()) {
    // A uint8 value, held in an i32 (tile::scalarTypeOf): floats saturate
    // to [0, 255], integers wrap modulo 256 (as NumPy's astype).
    Type wide = tile::scalarTypeOf(type);
    int64_t largest = (int64_t(1) << unsignedType.getWidth()) - 1;
    Value converted = castTo(value, wide, where);
    if (isa<FloatType>(from))
      return arith::MinSIOp::create(
          builder, l, arith::MaxSIOp::create(builder, l, converted, constantOf(wide, 0, where)),
          constantOf(wide, largest, where));
    return arith::AndIOp::create(builder, l, converted, constantOf(wide, largest, where));
  }
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(type);
  if (fromFloat && toFloat) {
    if (from.getIntOrFloatBitWidth() < type.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(builder, l, type, value);
    if (from.getIntOrFloatBitWidth() > type.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(builder, l, type, value);
    // Same width, different format (f16 <-> bf16): through f32.
    Value wide = arith::ExtFOp::create(builder, l, builder.getF32Type(), value);
    return arith::TruncFOp::create(builder, l, type, wide);
  }
  if (!fromFloat && toFloat) {
    if (from.isIndex())
      value = arith::IndexCastOp::create(builder, l, builder.getI64Type(), value);
    if (from.isInteger(1))
      return arith::UIToFPOp::create(builder, l, type, value);
    return arith::SIToFPOp::create(builder, l, type, value);
  }
  if (fromFloat && !toFloat) {
    Type target = type.isIndex() ? builder.getI64Type() : type;
    Value converted = arith::FPToSIOp::create(builder, l, target, value);
    if (type.isIndex())
      return arith::IndexCastOp::create(builder, l, type, converted);
    return converted;
  }
  // Integer to integer.
  if (type.isInteger(1)) {
    Value zero = constantOf(from, 0, where);
    return arith::CmpIOp::create(builder, l, arith::CmpIPredicate::ne, value, zero);
  }
  if (from.isIndex() || type.isIndex()) {
    if (from.isInteger(1))
      value = arith::ExtUIOp::create(builder, l, builder.getI32Type(), value);
    return arith::IndexCastOp::create(builder, l, type, value);
  }
  unsigned wf = from.getIntOrFloatBitWidth(), wt = type.getIntOrFloatBitWidth();
  if (wf < wt)
    return from.isInteger(1) ? arith::ExtUIOp::create(builder, l, type, value)
                                   .getResult()
                             : arith::ExtSIOp::create(builder, l, type, value)
                                   .getResult();
  return arith::TruncIOp::create(builder, l, type, value);
}

Value KernelGenerator::toIndex(const RValue &value, SMLoc where) {
  if (value.isError())
    return {};
  if (value.kind == RValue::Kind::Const &&
      value.constKind == RValue::ConstKind::Float) {
    error(where) << "an index must be an integer, got a float constant";
    return {};
  }
  Value v = materialize(value, where, builder.getIndexType());
  if (!v)
    return {};
  if (isa<FloatType>(v.getType())) {
    error(where) << "an index must be an integer, got a "
                 << dtypeName(v.getType()) << " value";
    return {};
  }
  return castTo(v, builder.getIndexType(), where);
}

Value KernelGenerator::toBool(const RValue &value, SMLoc where) {
  if (value.isError())
    return {};
  Value v = materialize(value, where, builder.getI1Type());
  if (!v)
    return {};
  if (v.getType().isInteger(1))
    return v;
  Location l = loc(where);
  if (isa<FloatType>(v.getType()))
    return arith::CmpFOp::create(builder, l, arith::CmpFPredicate::UNE, v,
                                 constantOf(v.getType(), 0, where));
  return castTo(v, builder.getI1Type(), where);
}

RValue KernelGenerator::readVar(const RValue &var, SMLoc where) {
  Type element = cast<tile::BufferType>(var.value.getType()).getElementType();
  return RValue::ofScalar(tile::LoadOp::create(builder, loc(where), tile::scalarTypeOf(element),
                                               var.value, ValueRange{}),
                          element);
}

//===----------------------------------------------------------------------===//
// Constant helpers
//===----------------------------------------------------------------------===//

std::optional<RValue> KernelGenerator::evalConstOf(const Expr &expr, StringRef what,
                                                   StringRef expected,
                                                   function_ref<bool(const RValue &)> accepts) {
  RValue value = eval(expr);
  if (value.isError())
    return std::nullopt;
  if (!accepts(value)) {
    error(expr.getLoc()) << what << " must be " << expected << ", got " << value.describe();
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> KernelGenerator::evalConstInt(const Expr &expr, StringRef what) {
  std::optional<RValue> value = evalConstOf(expr, what, "a compile-time integer",
                                            [](const RValue &v) { return v.isConstInt(); });
  return value ? std::optional<int64_t>(value->intValue) : std::nullopt;
}

std::optional<bool> KernelGenerator::evalConstBool(const Expr &expr, StringRef what) {
  std::optional<RValue> value = evalConstOf(expr, what, "True or False",
                                            [](const RValue &v) { return v.isConstInt(); });
  return value ? std::optional<bool>(value->intValue != 0) : std::nullopt;
}

std::optional<std::string> KernelGenerator::evalConstString(const Expr &expr, StringRef what) {
  std::optional<RValue> value = evalConstOf(expr, what, "a string", [](const RValue &v) {
    return v.isConst() && v.constKind == RValue::ConstKind::Str;
  });
  return value ? std::optional<std::string>(value->str) : std::nullopt;
}

std::optional<SmallVector<int64_t>>
KernelGenerator::evalConstShape(const Expr &expr, StringRef what,
                                SmallVectorImpl<Value> *launchExtents) {
  SmallVector<int64_t> shape;
  // One dimension, evaluated from `dimExpr` or already (`known`: an element
  // of a shape held in a name).
  auto addDim = [&](const Expr &dimExpr, const RValue *known = nullptr) -> bool {
    RValue dim = known ? *known : eval(dimExpr);
    if (dim.isError())
      return false;
    if (launchExtents && dim.kind == RValue::Kind::Scalar &&
        dim.value.getType().isIntOrIndex() && !dim.value.getType().isInteger(1)) {
      Value extent = toIndex(dim, dimExpr.getLoc());
      if (!extent)
        return false;
      shape.push_back(ShapedType::kDynamic);
      launchExtents->push_back(extent);
      return true;
    }
    if (!dim.isConstInt()) {
      auto diag = error(dimExpr.getLoc());
      diag << "the shape of " << what << " must be made of "
           << (launchExtents ? "integers (constants or values known at launch)"
                             : "compile-time integers");
      if (auto *name = dyn_cast<NameExpr>(&dimExpr);
          name && dim.kind == RValue::Kind::Scalar && !launchExtents)
        diag << "; '" << name->name << (known ? "' holds a value" : "' is")
             << " only known at launch";
      else
        diag << "; got " << dim.describe();
      return false;
    }
    if (dim.intValue <= 0) {
      error(dimExpr.getLoc()) << "the shape of " << what
                              << " must be positive, got " << dim.intValue;
      return false;
    }
    shape.push_back(dim.intValue);
    return true;
  };
  if (auto *seq = dyn_cast<SequenceExpr>(&expr)) {
    for (const ExprPtr &element : seq->elements)
      if (!addDim(*element))
        return std::nullopt;
    return shape;
  }
  // A shape held in a name (`A_shared_shape = (block_M, block_K)`).
  if (isa<NameExpr>(expr)) {
    RValue held = eval(expr);
    if (held.isError())
      return std::nullopt;
    if (held.kind == RValue::Kind::Tuple) {
      for (const RValue &element : held.elements)
        if (!addDim(expr, &element))
          return std::nullopt;
      return shape;
    }
    if (!addDim(expr, &held))
      return std::nullopt;
    return shape;
  }
  if (!addDim(expr))
    return std::nullopt;
  return shape;
}

Type KernelGenerator::evalDType(const Expr &expr) {
  RValue value = eval(expr);
  if (value.isError())
    return {};
  if (value.isConst() && value.constKind == RValue::ConstKind::DType)
    return value.dtype;
  if (value.isConst() && value.constKind == RValue::ConstKind::Str) {
    if (Type type = parseDType(*ctx, value.str))
      return type;
    error(expr.getLoc()) << "unknown dtype '" << value.str << "'; expected one of "
                         << dtypeNameList();
    return {};
  }
  error(expr.getLoc()) << "expected a dtype, got " << value.describe();
  return {};
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

std::optional<RValue> KernelGenerator::definedValue(StringRef name) {
  std::optional<RValue> value;
  for (const auto &[defined, text] : options.defines) // the last -D wins
    if (defined == name) {
      value = parseDefineValue(text);
      usedDefines[defined] = true;
    }
  return value;
}

RValue tilec::frontend::parseDefineValue(StringRef text) {
  // A list or tuple of values: `-D sizes=[64,128,32]`.
  if (text.size() >= 2 && ((text.front() == '[' && text.back() == ']') ||
                           (text.front() == '(' && text.back() == ')'))) {
    RValue list;
    list.kind = RValue::Kind::Tuple;
    SmallVector<StringRef> parts;
    text.drop_front().drop_back().split(parts, ',', -1, /*KeepEmpty=*/false);
    for (StringRef part : parts)
      if (!part.trim().empty())
        list.elements.push_back(parseDefineValue(part.trim()));
    return list;
  }
  int64_t intValue;
  if (!text.getAsInteger(0, intValue))
    return RValue::ofInt(intValue);
  double floatValue;
  if (!text.getAsDouble(floatValue))
    return RValue::ofFloat(floatValue);
  if (text == "True" || text == "true")
    return RValue::ofBool(true);
  if (text == "False" || text == "false")
    return RValue::ofBool(false);
  if (text == "None") // a factory argument given as None (`scale=None`)
    return RValue::none();
  return RValue::ofStr(text.str());
}

/// Whether an annotation spells `T.const` (a compile-time parameter).
static bool isConstAnnotation(const Expr *annotation) {
  const Expr *e = annotation;
  if (auto *call = dyn_cast_or_null<CallExpr>(e))
    e = call->callee.get();
  auto *attr = dyn_cast_or_null<AttributeExpr>(e);
  return attr && (attr->name == "const" || attr->name == "constexpr");
}

/// `T.Tensor(shape, dtype)` / `T.Buffer(shape, dtype)`, else null.
static const CallExpr *asTensorAnnotation(const Expr *annotation) {
  auto *call = dyn_cast_or_null<CallExpr>(annotation);
  if (!call)
    return nullptr;
  auto *attr = dyn_cast<AttributeExpr>(call->callee.get());
  if (!attr || (attr->name != "Tensor" && attr->name != "Buffer"))
    return nullptr;
  return call;
}

/// The names a module-level statement binds (those of nested `if` blocks
/// too).
static void namesBoundBy(const Stmt &stmt, std::vector<std::string> &names) {
  std::function<void(const Expr &)> target = [&](const Expr &e) {
    if (auto *name = dyn_cast<NameExpr>(&e))
      names.push_back(name->name);
    else if (auto *seq = dyn_cast<SequenceExpr>(&e))
      for (const ExprPtr &element : seq->elements)
        target(*element);
  };
  if (auto *assign = dyn_cast<AssignStmt>(&stmt))
    for (const Expr *e : assign->targets())
      target(*e);
  else if (auto *aug = dyn_cast<AugAssignStmt>(&stmt))
    target(*aug->target);
  else if (auto *ifStmt = dyn_cast<IfStmt>(&stmt))
    for (const StmtList *body : {&ifStmt->thenBody, &ifStmt->elseBody})
      for (const StmtPtr &inner : *body)
        namesBoundBy(*inner, names);
}

/// Whether a value of module-level host code can outlive it: a compile-time
/// value, not one of the code it was computed in.
static bool isCompileTimeValue(const RValue &value) {
  switch (value.kind) {
  case RValue::Kind::Const:
  case RValue::Kind::None:
  case RValue::Kind::Namespace:
  case RValue::Kind::Builtin:
  case RValue::Kind::Symbol:
  case RValue::Kind::HostTensor:
  case RValue::Kind::HostOnly:
    return true;
  case RValue::Kind::Tuple:
    return llvm::all_of(value.elements, isCompileTimeValue);
  default:
    return false;
  }
}

void KernelGenerator::runModuleHostCode(ModuleInfo &module) {
  if (module.hostStatementsRun)
    return;
  module.hostStatementsRun = true;
  if (module.hostStatements.empty())
    return;
  // Module-level code sees the module's names only.
  ModuleInfo *previousModule = currentModule;
  currentModule = &module;
  auto outerScopes = std::move(scopes);
  scopes.clear();
  Block scratch; // nothing of host code runs on the device
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(&scratch);
  bindingFactory = true;
  pushScope(false);
  for (const Stmt *stmt : module.hostStatements) {
    unsigned held;
    std::string why;
    {
      SourceContext::HeldErrors errors(source);
      genStmt(*stmt);
      held = errors.count();
      why = errors.firstMessage();
    }
    raised = false;
    if (!held)
      continue;
    std::vector<std::string> names;
    namesBoundBy(*stmt, names);
    unsigned line = 0;
    if (auto fileLoc = dyn_cast<FileLineColLoc>(source.getLoc(stmt->getLoc())))
      line = fileLoc.getLine();
    RValue hostOnly;
    hostOnly.kind = RValue::Kind::HostOnly;
    hostOnly.str = "is bound by host code that tilec does not evaluate (line " +
                   std::to_string(line) + ": " + why + ")";
    for (const std::string &name : names)
      scopes.back().names[name] = hostOnly;
  }
  for (auto &[name, value] : scopes.back().names) {
    if (!isCompileTimeValue(value)) {
      RValue hostOnly;
      hostOnly.kind = RValue::Kind::HostOnly;
      hostOnly.str = "is a runtime value of module-level code, not a compile-time one";
      value = hostOnly;
    }
    module.globals[name] = value;
  }
  popScope();
  bindingFactory = false;
  while (!scratch.empty()) // users before what they use
    scratch.back().erase();
  scopes = std::move(outerScopes);
  currentModule = previousModule;
}

LogicalResult KernelGenerator::genKernel(ModuleInfo &home,
                                         const FunctionDef &entry) {
  runModuleHostCode(home);
  errorsAtStart = source.getNumErrors();
  currentModule = &home;
  kernelHome = &home;
  scopes.clear();
  regionDepth = 0;
  inLaunch = false;
  macroExpansions = 0;
  raised = false;
  factoryNames.clear();
  reducers.clear();
  pushScope(false);

  // The compile-time values the kernel was built with (its metadata's).
  NamedAttrList constants;
  auto recordConstant = [&](StringRef name, const RValue &value) {
    switch (value.constKind) {
    case RValue::ConstKind::Int:
      constants.set(name, builder.getI64IntegerAttr(value.intValue));
      break;
    case RValue::ConstKind::Float:
      constants.set(name, builder.getF64FloatAttr(value.floatValue));
      break;
    case RValue::ConstKind::Bool:
      constants.set(name, builder.getBoolAttr(value.intValue));
      break;
    case RValue::ConstKind::Str:
      constants.set(name, builder.getStringAttr(value.str));
      break;
    case RValue::ConstKind::DType:
      constants.set(name, TypeAttr::get(value.dtype));
      break;
    }
  };
  // A compile-time value: from -D, else the parameter's default.
  auto bindCompileTime = [&](const Param &param, StringRef what) {
    std::optional<RValue> defined = definedValue(param.name);
    RValue value = defined.value_or(RValue());
    if (!defined) {
      if (!param.defaultValue) {
        error(param.loc) << what << " '" << param.name << "' has no default; pass -D "
                         << param.name << "=<value>";
        return;
      }
      value = eval(*param.defaultValue);
      if (value.isError())
        return;
      if (value.kind == RValue::Kind::None) { // an optional argument left out
        scopes.back().names[param.name] = value;
        return;
      }
      if (!value.isConst()) {
        error(param.defaultValue->getLoc())
            << "the default of " << what << " '" << param.name
            << "' must be a constant, got " << value.describe();
        return;
      }
    }
    recordConstant(param.name, value);
    scopes.back().names[param.name] = value;
  };

  // A kernel factory: its parameters are compile-time values and its body
  // computes constants and macros that the kernel it returns sees.
  const FunctionDef *kernelDef = &entry;
  if (!entry.hasDecorator("prim_func")) {
    for (const Param &param : entry.params)
      bindCompileTime(param, "kernel factory parameter");
    eagerConstants.clear();
    kernelDef = bindFactoryBody(home, entry);
    if (!kernelDef) {
      scopes.clear();
      return failure();
    }
    for (const auto &[name, value] : eagerConstants)
      recordConstant(name, value);
  }
  const FunctionDef &def = *kernelDef;

  // Compile-time parameters first: shapes and dtypes of tensors may use them.
  for (const Param &param : def.params)
    if (isConstAnnotation(param.annotation.get()))
      bindCompileTime(param, "compile-time parameter");

  // Runtime parameters: tensors (with symbolic dimensions) and scalars.
  struct RuntimeParam {
    const Param *param;
    Type type;
    SmallVector<std::string> dimNames;
  };
  SmallVector<RuntimeParam> runtimeParams;
  std::map<std::string, std::pair<size_t, size_t>> symbolFirstUse;
  for (const Param &param : def.params) {
    if (isConstAnnotation(param.annotation.get()))
      continue;
    if (!param.annotation) {
      error(param.loc) << "kernel parameter '" << param.name
                       << "' needs a type: T.Tensor((dims), dtype), a scalar "
                          "dtype such as T.int32, or T.const";
      continue;
    }
    if (param.defaultValue) {
      error(param.defaultValue->getLoc())
          << "only compile-time parameters (T.const) may have defaults";
      continue;
    }
    // A module-level alias of a T.Tensor annotation (Values.h).
    const Expr *annotation = param.annotation.get();
    if (auto *name = dyn_cast<NameExpr>(annotation))
      if (const RValue *alias = lookup(name->name);
          alias && alias->kind == RValue::Kind::TensorAnnotation)
        annotation = alias->annotation;
    if (const CallExpr *tensor = asTensorAnnotation(annotation)) {
      const Expr *shapeExpr = tensor->args.empty() ? nullptr : tensor->args[0].get();
      const Expr *dtypeExpr = tensor->args.size() > 1 ? tensor->args[1].get() : nullptr;
      if (const KeywordArg *kw = tensor->findKeyword("shape"))
        shapeExpr = kw->value.get();
      if (const KeywordArg *kw = tensor->findKeyword("dtype"))
        dtypeExpr = kw->value.get();
      if (!shapeExpr) {
        error(tensor->getLoc()) << "T.Tensor needs a shape";
        continue;
      }
      Type elementType = dtypeExpr ? evalDType(*dtypeExpr) : builder.getF32Type();
      if (!elementType)
        continue;
      SmallVector<const Expr *> dimExprs;
      if (auto *seq = dyn_cast<SequenceExpr>(shapeExpr))
        for (const ExprPtr &e : seq->elements)
          dimExprs.push_back(e.get());
      else
        dimExprs.push_back(shapeExpr);
      RuntimeParam rp{&param, {}, {}};
      SmallVector<int64_t> shape;
      std::map<std::string, size_t> symbolsHere; // name -> dimension
      bool ok = true;
      // A shape held in a name (`A_shape = (M, K)` with M, K constants).
      if (auto *name = dyn_cast<NameExpr>(shapeExpr)) {
        const RValue *held = lookup(name->name);
        if (held && held->kind == RValue::Kind::Tuple) {
          dimExprs.clear();
          for (const RValue &element : held->elements) {
            if (element.kind == RValue::Kind::Symbol) {
              shape.push_back(ShapedType::kDynamic);
              rp.dimNames.push_back(element.str);
              symbolsHere.emplace(element.str, shape.size() - 1);
              continue;
            }
            if (!element.isConstInt() || element.intValue <= 0) {
              error(shapeExpr->getLoc())
                  << "a tensor shape held in '" << name->name
                  << "' must be made of positive constants, got " << element.describe();
              ok = false;
              break;
            }
            shape.push_back(element.intValue);
            rp.dimNames.push_back("");
          }
        }
      }
      for (const Expr *dimExpr : dimExprs) {
        // A symbolic dimension, bound at launch from this tensor: a name
        // that is not a constant, or TileLang's T.dynamic("m") (also
        // spelled T.symbolic).
        std::optional<std::string> symbol;
        if (auto *name = dyn_cast<NameExpr>(dimExpr)) {
          const RValue *bound = lookup(name->name);
          if (!bound || bound->kind == RValue::Kind::Scalar) {
            symbol = name->name;
          } else if (bound->kind == RValue::Kind::Symbol) {
            symbol = bound->str; // `n = T.dynamic("seqlen")` in the factory
          }
        } else if (auto *call = dyn_cast<CallExpr>(dimExpr)) {
          RValue callee = eval(*call->callee);
          if (callee.kind == RValue::Kind::Namespace &&
              (callee.str == "T.dynamic" || callee.str == "T.symbolic")) {
            auto *text = call->args.empty() ? nullptr : dyn_cast<StringExpr>(call->args[0].get());
            if (!text || text->value.empty()) {
              error(call->getLoc()) << callee.str << " needs the dimension's name as a string";
              ok = false;
              break;
            }
            symbol = text->value;
          }
        }
        if (symbol) {
          shape.push_back(ShapedType::kDynamic);
          rp.dimNames.push_back(*symbol);
          symbolsHere.emplace(*symbol, shape.size() - 1);
          continue;
        }
        // A dimension is a constant or one symbolic name; an expression of
        // symbols (M + 1) cannot be bound from a tensor's shape.
        std::function<bool(const Expr &)> usesUnboundName = [&](const Expr &e) {
          if (auto *n = dyn_cast<NameExpr>(&e))
            return lookup(n->name) == nullptr;
          if (auto *b = dyn_cast<BinaryExpr>(&e))
            return usesUnboundName(*b->lhs) || usesUnboundName(*b->rhs);
          if (auto *u = dyn_cast<UnaryExpr>(&e))
            return usesUnboundName(*u->operand);
          return false;
        };
        if (usesUnboundName(*dimExpr)) {
          error(dimExpr->getLoc())
              << "a tensor dimension must be a positive constant or a single "
                 "symbolic name, not an expression of symbols";
          ok = false;
          break;
        }
        RValue dim = eval(*dimExpr);
        if (dim.isError()) {
          ok = false;
          break;
        }
        if (!dim.isConstInt() || dim.intValue <= 0) {
          error(dimExpr->getLoc())
              << "a tensor dimension must be a positive constant or a single "
                 "symbolic name, got "
              << (dim.isConstInt() ? std::to_string(dim.intValue) : dim.describe());
          ok = false;
          break;
        }
        shape.push_back(dim.intValue);
        rp.dimNames.push_back("");
      }
      if (!ok)
        continue;
      for (const auto &[name, dim] : symbolsHere)
        symbolFirstUse.emplace(name, std::make_pair(runtimeParams.size(), dim));
      rp.type = tile::BufferType::get(ctx, shape, elementType,
                                      tile::MemoryScope::Global, Attribute());
      runtimeParams.push_back(rp);
      continue;
    }
    Type scalar = evalDType(*param.annotation);
    if (!scalar)
      continue;
    runtimeParams.push_back({&param, scalar, {}});
  }

  // Symbols are names, never constants: a symbol must not clash with a
  // compile-time parameter (caught above since those bind first).
  SmallVector<Type> argTypes;
  for (const RuntimeParam &rp : runtimeParams)
    argTypes.push_back(rp.type);
  builder.setInsertionPointToEnd(module.getBody());
  // A factory's kernel is named after the factory (its inner function is
  // often just `main`).
  auto func = func::FuncOp::create(builder, loc(def.getLoc()), entry.name,
                                   builder.getFunctionType(argTypes, {}));
  func->setAttr(tile::kKernelAttrName, builder.getUnitAttr());
  func->setAttr(tile::kConstantsAttrName, constants.getDictionary(ctx));
  for (auto [index, rp] : llvm::enumerate(runtimeParams)) {
    func.setArgAttr(index, tile::kParamNameAttrName,
                    builder.getStringAttr(rp.param->name));
    if (rp.param->output)
      func.setArgAttr(index, tile::kOutputAttrName, builder.getUnitAttr());
    if (!rp.dimNames.empty()) {
      SmallVector<Attribute> names;
      for (const std::string &name : rp.dimNames)
        names.push_back(builder.getStringAttr(name));
      func.setArgAttr(index, tile::kDimNamesAttrName, builder.getArrayAttr(names));
    }
  }
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [index, rp] : llvm::enumerate(runtimeParams)) {
    Value arg = body->getArgument(index);
    if (isa<tile::BufferType>(rp.type))
      scopes.back().names[rp.param->name] = RValue::ofBuffer(arg);
    else
      scopes.back().names[rp.param->name] = RValue::ofScalar(arg);
  }
  // A parameter whose annotation failed (reported) is an error value, so
  // that its uses do not report again.
  for (const Param &param : def.params)
    if (!isConstAnnotation(param.annotation.get()) &&
        llvm::none_of(runtimeParams, [&](const RuntimeParam &rp) { return rp.param == &param; }))
      scopes.back().names[param.name] = RValue::error();
  for (const auto &[name, use] : symbolFirstUse) {
    // (A factory's `name = T.dynamic("name")` is this dimension.)
    if (auto held = scopes.back().names.find(name);
        held != scopes.back().names.end() && held->second.kind != RValue::Kind::Symbol) {
      error(runtimeParams[use.first].param->loc)
          << "dimension name '" << name << "' is also a parameter name";
      continue;
    }
    Value dim = tile::DimOp::create(builder, loc(runtimeParams[use.first].param->loc),
                                    builder.getIndexType(), body->getArgument(use.first),
                                    builder.getI64IntegerAttr(use.second));
    scopes.back().names[name] = RValue::ofScalar(dim);
  }
  // Names the factory bound to T.dynamic / T.const symbols are those
  // dimensions too (`M = T.dynamic("m")`).
  for (auto &[name, value] : scopes.back().names)
    if (value.kind == RValue::Kind::Symbol)
      if (auto dim = scopes.back().names.find(value.str);
          dim != scopes.back().names.end() && dim->second.kind == RValue::Kind::Scalar)
        value = dim->second;

  genBlock(def.body);
  func::ReturnOp::create(builder, loc(def.getLoc()));
  scopes.clear();
  if (source.getNumErrors() != errorsAtStart || verifierErrors) {
    func.erase();
    return failure();
  }
  return success();
}

void KernelGenerator::bindFactoryStatements(ModuleInfo &home, const StmtList &body) {
  for (const StmtPtr &stmt : body) {
    if (factoryReturned)
      break; // code after the return the factory took
    if (auto *fn = dyn_cast<FunctionDef>(stmt.get())) {
      if (fn->hasDecorator("prim_func"))
        continue; // a kernel it may return
      if (!fn->hasDecorator("macro")) {
        // A function that defines the kernel and returns it, which the
        // factory returns a call of (`return kernel_func(block_M, ...)`).
        bool definesKernel = fn->decorators.empty() &&
                             llvm::any_of(fn->body, [](const StmtPtr &inner) {
                               auto *def = dyn_cast<FunctionDef>(inner.get());
                               return def && def->hasDecorator("prim_func");
                             });
        if (definesKernel) {
          nestedFactories[fn->name] = fn;
          continue;
        }
        error(fn->getLoc()) << "a kernel factory may define @T.macro functions, the "
                               "@T.prim_func it returns and functions that return one; '"
                            << fn->name << "' is none of these";
        continue;
      }
      RValue macro;
      macro.kind = RValue::Kind::Macro;
      macro.function = fn;
      macro.module = &home;
      macro.closure = &factoryNames;
      scopes.back().names[fn->name] = macro;
      continue;
    }
    // An import in the factory (Python's lazy imports): its names are the
    // factory's.
    if (auto *imp = dyn_cast<ImportStmt>(stmt.get())) {
      loader.bindImport(home, *imp, scopes.back().names);
      continue;
    }
    switch (stmt->getKind()) {
    case Stmt::Kind::Return:
    case Stmt::Kind::Assert:
    case Stmt::Kind::Raise:
    case Stmt::Kind::For:
    case Stmt::Kind::Assign:
    case Stmt::Kind::AugAssign:
    case Stmt::Kind::If:
    case Stmt::Kind::Expr:
    case Stmt::Kind::Pass:
      genStmt(*stmt);
      continue;
    default:
      error(stmt->getLoc()) << "a kernel factory computes compile-time values; this "
                               "statement belongs inside its @T.prim_func";
      continue;
    }
  }
}

const FunctionDef *KernelGenerator::bindFactoryBody(ModuleInfo &home,
                                                    const FunctionDef &factory) {
  factoryReturned = nullptr;
  factoryBody = &factory.body;
  bindingFactory = true;
  llvm::scope_exit done([&] {
    bindingFactory = false;
    factoryBody = nullptr;
  });
  // Nothing in a factory runs on the device: its values are constants, so
  // nothing may land in this block.
  Block scratch;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(&scratch);
  nestedFactories.clear();
  branchKernels.clear();
  bindFactoryStatements(home, factory.body);
  if (!scratch.empty()) {
    error(factory.getLoc()) << "the values a kernel factory computes must be compile-time "
                               "constants";
    scratch.clear();
  }
  factoryNames = scopes.back().names;
  if (source.getNumErrors() != errorsAtStart)
    return nullptr;
  if (!factoryReturned)
    error(factory.getLoc()) << "kernel factory '" << factory.name
                            << "' returns no @T.prim_func for these arguments";
  return factoryReturned;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void KernelGenerator::genBlock(const StmtList &body) {
  for (const StmtPtr &stmt : body)
    genStmt(*stmt);
}

void KernelGenerator::genStmt(const Stmt &stmt) {
  // After a macro's return (which compile-time control flow may reach
  // early, as in Python), the rest of its body does not run; after a raise,
  // nothing does.
  if (raised || (!macroResults.empty() && macroResults.back().has_value()))
    return;
  switch (stmt.getKind()) {
  case Stmt::Kind::Expr: {
    auto &exprStmt = cast<ExprStmt>(stmt);
    if (isa<StringExpr>(exprStmt.value.get()))
      return; // a docstring
    RValue value = eval(*exprStmt.value);
    (void)value;
    return;
  }
  case Stmt::Kind::Assign:
    return genAssign(cast<AssignStmt>(stmt));
  case Stmt::Kind::AugAssign:
    return genAugAssign(cast<AugAssignStmt>(stmt));
  case Stmt::Kind::If:
    return genIf(cast<IfStmt>(stmt));
  case Stmt::Kind::For:
    return genFor(cast<ForStmt>(stmt));
  case Stmt::Kind::While:
    return genWhile(cast<WhileStmt>(stmt));
  case Stmt::Kind::With:
    return genWith(cast<WithStmt>(stmt));
  case Stmt::Kind::Break:
  case Stmt::Kind::Continue:
    return genJump(stmt);
  case Stmt::Kind::Pass:
    return;
  case Stmt::Kind::Return:
    return genReturn(cast<ReturnStmt>(stmt));
  case Stmt::Kind::FunctionDef:
    return genLocalMacro(cast<FunctionDef>(stmt));
  case Stmt::Kind::Import:
    error(stmt.getLoc()) << "imports must be at module level";
    return;
  case Stmt::Kind::Assert:
    return genAssert(cast<AssertStmt>(stmt));
  case Stmt::Kind::Raise:
    return genRaise(cast<RaiseStmt>(stmt));
  }
}

void KernelGenerator::genLocalMacro(const FunctionDef &fn) {
  if (inFactoryBody() && fn.hasDecorator("prim_func")) {
    branchKernels.push_back(&fn); // a kernel the factory may return
    return;
  }
  // A helper being inlined may define plain functions too (and return them:
  // `def make(f): def apply(v): ...; return apply`), each a macro closed
  // over the helper's names.
  if (!fn.hasDecorator("macro") && callStack.empty()) {
    error(fn.getLoc()) << "a kernel body may define @T.macro functions only; other "
                          "functions must be defined at module level";
    return;
  }
  // The closure: every name visible here, inner scopes first.
  std::map<std::string, RValue> &closure = kernelClosures.emplace_back();
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
    closure.insert(it->names.begin(), it->names.end());
  RValue macro;
  macro.kind = RValue::Kind::Macro;
  macro.function = &fn;
  macro.module = currentModule;
  macro.closure = &closure;
  assignName(fn.name, macro, fn.getLoc());
}

void KernelGenerator::genAssign(const AssignStmt &stmt) {
  if (!stmt.value) {
    error(stmt.getLoc()) << "an annotation without a value declares a tensor parameter of "
                            "an eager kernel (a @jit function whose body opens T.Kernel), "
                            "before its T.Kernel";
    return;
  }
  std::vector<const Expr *> targets = stmt.targets();
  // `x = None`, or `x = y` with y None: a name for "not given" (tested with
  // `is None`).
  auto isNoneName = [&](const Expr *e) {
    auto *name = dyn_cast<NameExpr>(e);
    const RValue *bound = name ? lookup(name->name) : nullptr;
    return bound && bound->kind == RValue::Kind::None;
  };
  if ((isa<NoneExpr>(stmt.value.get()) || isNoneName(stmt.value.get())) &&
      llvm::all_of(targets, [](const Expr *target) { return isa<NameExpr>(target); })) {
    for (const Expr *target : targets)
      assignName(cast<NameExpr>(target)->name, RValue::none(), target->getLoc());
    return;
  }
  RValue value = eval(*stmt.value);
  if (value.isError()) {
    for (const Expr *target : targets)
      bindFailed(*target);
    return;
  }
  // Python's own annotations (`name: str = ""`, `x: Optional[str] = None`)
  // and those of a factory's compile-time values are not evaluated, as in
  // Python.
  auto *annotationName = dyn_cast_or_null<NameExpr>(stmt.annotation.get());
  bool pythonAnnotation =
      stmt.annotation && (inFactoryBody() || isa<SubscriptExpr>(stmt.annotation.get()) ||
                          (annotationName && llvm::is_contained(
                                                 {"str", "int", "float", "bool", "list",
                                                  "tuple", "dict"},
                                                 StringRef(annotationName->name))));
  if (stmt.annotation && !pythonAnnotation) {
    // `x: T.float32 = v` converts v.
    Type type = evalDType(*stmt.annotation);
    if (!type)
      return;
    Value scalar = materialize(value, stmt.value->getLoc(), type);
    if (!scalar)
      return;
    value = RValue::ofScalar(castTo(scalar, type, stmt.value->getLoc()));
  }
  // `a = b = v` binds one value to each target, left to right.
  for (const Expr *target : targets) {
    auto *tuple = dyn_cast<SequenceExpr>(target);
    if (!tuple) {
      genStore(*target, value, stmt.getLoc());
      continue;
    }
    if (value.kind != RValue::Kind::Tuple ||
        value.elements.size() != tuple->elements.size()) {
      error(stmt.value->getLoc())
          << "cannot unpack " << value.describe() << " into "
          << tuple->elements.size() << " targets";
      return;
    }
    for (auto [element, part] : llvm::zip(tuple->elements, value.elements)) {
      // A None inside a tuple was written as such (`return first, None`).
      if (auto *name = dyn_cast<NameExpr>(element.get());
          name && part.kind == RValue::Kind::None && name->name != "T") {
        assignName(name->name, part, element->getLoc());
        continue;
      }
      genStore(*element, part, element->getLoc());
    }
  }
}

void KernelGenerator::bindFailed(const Expr &target) {
  if (auto *tuple = dyn_cast<SequenceExpr>(&target)) {
    for (const ExprPtr &element : tuple->elements)
      bindFailed(*element);
    return;
  }
  // Later uses of a name whose value was already reported stay silent.
  if (auto *name = dyn_cast<NameExpr>(&target); name && !lookup(name->name))
    scopes.back().names[name->name] = RValue::error();
}

void KernelGenerator::genStore(const Expr &target, RValue value, SMLoc where) {
  if (value.isError())
    return;
  if (auto *name = dyn_cast<NameExpr>(&target)) {
    if (name->name == "T") {
      error(target.getLoc()) << "cannot assign to 'T'";
      return;
    }
    if (value.kind == RValue::Kind::None) {
      error(where) << "this expression has no value to assign";
      return;
    }
    assignName(name->name, std::move(value), target.getLoc());
    return;
  }
  auto *subscript = dyn_cast<SubscriptExpr>(&target);
  if (!subscript) {
    error(target.getLoc()) << "cannot assign to this expression";
    return;
  }
  RValue base = eval(*subscript->base);
  if (base.isError())
    return;
  if (!base.isBuffer()) {
    error(subscript->base->getLoc())
        << "only buffer elements can be assigned, not " << base.describe();
    return;
  }
  tile::BufferType type = base.getBufferType();
  if (subscript->indices.size() != type.getShape().size()) {
    error(subscript->getLoc())
        << "a rank-" << type.getShape().size() << " buffer needs "
        << type.getShape().size() << " indices, got "
        << subscript->indices.size();
    return;
  }
  SmallVector<Value> indices;
  for (const ExprPtr &indexExpr : subscript->indices) {
    if (isa<SliceExpr>(indexExpr.get())) {
      error(indexExpr->getLoc())
          << "cannot assign to a slice; use T.fill, T.copy or a T.Parallel "
             "loop";
      return;
    }
    Value index = toIndex(eval(*indexExpr), indexExpr->getLoc());
    if (!index)
      return;
    indices.push_back(index);
  }
  if (value.isBuffer()) {
    error(where) << "cannot store a buffer into one element";
    return;
  }
  if (!checkInLaunch(where, "stores to buffers"))
    return;
  Type scalarType = tile::scalarTypeOf(type.getElementType());
  Value scalar = materialize(value, where, scalarType);
  if (!scalar)
    return;
  scalar = castTo(scalar, scalarType, where);
  tile::StoreOp::create(builder, loc(where), scalar, base.value, indices);
}

void KernelGenerator::genAugAssign(const AugAssignStmt &stmt) {
  if (auto *name = dyn_cast<NameExpr>(stmt.target.get())) {
    const RValue *current = lookup(name->name);
    if (!current) {
      error(name->getLoc()) << "name '" << name->name << "' is not defined";
      return;
    }
    RValue lhs = *current;
    if (lhs.kind == RValue::Kind::Var)
      lhs = readVar(lhs, stmt.getLoc());
    RValue rhs = eval(*stmt.value);
    RValue result = evalBinary(stmt.op, lhs, rhs, stmt.getLoc());
    if (result.isError())
      return;
    assignName(name->name, result, name->getLoc());
    return;
  }
  if (auto *subscript = dyn_cast<SubscriptExpr>(stmt.target.get());
      subscript && stmt.op == BinaryOp::Add && !loops.empty() &&
      loops.back().kind == LoopContext::Parallel) {
    RValue base = eval(*subscript->base);
    if (base.isBuffer() && reducers.contains(base.value))
      return genReducerAdd(stmt, *subscript, base);
  }
  RValue current = eval(*stmt.target);
  RValue rhs = eval(*stmt.value);
  RValue result = evalBinary(stmt.op, current, rhs, stmt.getLoc());
  genStore(*stmt.target, result, stmt.getLoc());
}

void KernelGenerator::genReducerAdd(const AugAssignStmt &stmt, const SubscriptExpr &target,
                                    RValue reducer) {
  LoopContext &loop = loops.back();
  auto parallel = cast<tile::ParallelOp>(loop.parallel);
  Block *body = &parallel.getBody().front();
  ArrayRef<int64_t> extents = parallel.getExtents();
  tile::BufferType type = reducer.getBufferType();
  Location l = loc(stmt.getLoc());
  if (target.indices.size() != type.getShape().size()) {
    error(target.getLoc()) << "a rank-" << type.getShape().size() << " reducer needs "
                           << type.getShape().size() << " indices, got "
                           << target.indices.size();
    return;
  }
  // Each index is one of the loop's variables, in the loop's order; the
  // variables left out are the ones summed over.
  SmallVector<unsigned> kept;
  for (auto [d, indexExpr] : llvm::enumerate(target.indices)) {
    Value index = toIndex(eval(*indexExpr), indexExpr->getLoc());
    if (!index)
      return;
    auto variable = dyn_cast<BlockArgument>(index);
    if (!variable || variable.getOwner() != body ||
        (!kept.empty() && variable.getArgNumber() <= kept.back()) ||
        extents[variable.getArgNumber()] != type.getShape()[d]) {
      error(indexExpr->getLoc())
          << "inside T.Parallel a reducer is indexed by the loop's own variables, in the "
             "loop's order, each over the reducer's extent";
      return;
    }
    kept.push_back(variable.getArgNumber());
  }
  // One partial sum per iteration, zero where an iteration adds nothing.
  auto pending = llvm::find_if(loop.reductions, [&](const PendingReduction &r) {
    return r.reducer == reducer.value;
  });
  if (pending == loop.reductions.end()) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(parallel);
    auto partialsType = tile::BufferType::get(ctx, extents, type.getElementType(),
                                              tile::MemoryScope::Fragment, Attribute());
    Value partials = tile::AllocOp::create(builder, l, partialsType);
    Type scalar = tile::scalarTypeOf(type.getElementType());
    tile::FillOp::create(builder, l, partials,
                         castTo(materialize(RValue::ofInt(0), stmt.getLoc(), scalar), scalar,
                                stmt.getLoc()));
    loop.reductions.push_back({reducer.value, partials, kept, l});
    pending = std::prev(loop.reductions.end());
  } else if (pending->keptDims != kept) {
    error(target.getLoc()) << "a reducer takes the same indices at every `+=` of a loop";
    return;
  }
  SmallVector<Value> all(body->getArguments());
  RValue partial = RValue::ofScalar(tile::LoadOp::create(
      builder, l, tile::scalarTypeOf(type.getElementType()), pending->partials, all));
  RValue sum = evalBinary(BinaryOp::Add, partial, eval(*stmt.value), stmt.getLoc());
  if (sum.isError())
    return;
  Type scalar = tile::scalarTypeOf(type.getElementType());
  Value stored = materialize(sum, stmt.getLoc(), scalar);
  if (!stored)
    return;
  tile::StoreOp::create(builder, l, castTo(stored, scalar, stmt.getLoc()), pending->partials,
                        all);
}

void KernelGenerator::finishReductions(std::vector<PendingReduction> &reductions) {
  for (PendingReduction &r : reductions) {
    auto partialsType = cast<tile::BufferType>(r.partials.getType());
    // Sum the left-out loop dimensions away, the last first.
    Value current = r.partials;
    SmallVector<int64_t> shape(partialsType.getShape());
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      if (llvm::is_contained(r.keptDims, unsigned(d)))
        continue;
      shape.erase(shape.begin() + d);
      auto type = tile::BufferType::get(ctx, shape, partialsType.getElementType(),
                                        tile::MemoryScope::Fragment, Attribute());
      Value summed = tile::AllocOp::create(builder, r.loc, type);
      tile::ReduceOp::create(builder, r.loc,
                             tile::ReduceKindAttr::get(ctx, tile::ReduceKind::Sum), current,
                             summed, builder.getI64IntegerAttr(d), builder.getUnitAttr());
      current = summed;
    }
    // reducer += the sums, element by element.
    auto reducerType = cast<tile::BufferType>(r.reducer.getType());
    auto add = tile::ParallelOp::create(builder, r.loc,
                                        builder.getDenseI64ArrayAttr(reducerType.getShape()));
    OpBuilder::InsertionGuard guard(builder);
    SmallVector<Type> types(reducerType.getShape().size(), builder.getIndexType());
    SmallVector<Location> locs(types.size(), r.loc);
    Block *body = builder.createBlock(&add.getBody(), {}, types, locs);
    SmallVector<Value> at(body->getArguments());
    Type scalar = tile::scalarTypeOf(reducerType.getElementType());
    Value old = tile::LoadOp::create(builder, r.loc, scalar, r.reducer, at);
    Value part = tile::LoadOp::create(builder, r.loc, scalar, current, at);
    Value sum = isa<FloatType>(scalar) ? Value(arith::AddFOp::create(builder, r.loc, old, part))
                                       : Value(arith::AddIOp::create(builder, r.loc, old, part));
    tile::StoreOp::create(builder, r.loc, sum, r.reducer, at);
  }
}

void KernelGenerator::genIf(const IfStmt &stmt) {
  RValue cond = eval(*stmt.cond);
  if (cond.isError())
    return;
  if (cond.isConst()) {
    // A compile-time condition picks its branch; names bound there stay
    // visible after, as in Python.
    if (!cond.isConstNumber()) {
      error(stmt.cond->getLoc()) << "a condition must be a boolean or a number, "
                                    "got "
                                 << cond.describe();
      return;
    }
    bool taken = cond.constKind == RValue::ConstKind::Float ? cond.floatValue != 0
                                                            : cond.intValue != 0;
    genBlock(taken ? stmt.thenBody : stmt.elseBody);
    return;
  }
  Value condition = toBool(cond, stmt.cond->getLoc());
  if (!condition)
    return;
  auto ifOp = scf::IfOp::create(builder, loc(stmt.getLoc()), condition,
                                /*withElseRegion=*/!stmt.elseBody.empty());
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(ifOp.thenBlock());
    pushScope(true);
    genBlock(stmt.thenBody);
    popScope();
    if (!stmt.elseBody.empty()) {
      builder.setInsertionPointToStart(ifOp.elseBlock());
      pushScope(true);
      genBlock(stmt.elseBody);
      popScope();
    }
  }
  runThreadRolesInOrder(ifOp);
}

void KernelGenerator::genWith(const WithStmt &stmt) {
  auto *call = dyn_cast<CallExpr>(stmt.context.get());
  std::string callee = call ? call->getCalleeName() : "";
  if (callee == "T.ws") {
    // `with T.ws(i):` a region of warpgroup i in TileLang's explicit warp
    // specialization: in a tile program, code of the whole block, in order
    // (builtinWarpRoleSync).
    if (!checkInLaunch(stmt.getLoc(), "T.ws"))
      return;
    if (call->args.empty()) {
      error(call->getLoc()) << "T.ws names the warpgroups of the region";
      return;
    }
    for (const ExprPtr &group : call->args)
      if (!evalConstInt(*group, "a T.ws warpgroup"))
        return;
    if (!stmt.targets.empty()) {
      error(stmt.getLoc()) << "'with T.ws(...)' binds no name";
      return;
    }
    genBlock(stmt.body);
    return;
  }
  if (callee == "T.attr")
    return genAttrScope(stmt, *call);
  if (callee != "T.Kernel") {
    error(stmt.context->getLoc())
        << "expected 'with T.Kernel(...)'; other context managers are not "
           "supported";
    return;
  }
  if (inLaunch) {
    error(stmt.getLoc()) << "T.Kernel cannot be nested";
    return;
  }
  if (call->args.empty() || call->args.size() > 3) {
    error(call->getLoc()) << "T.Kernel takes 1 to 3 grid dimensions, got "
                          << call->args.size();
    return;
  }
  for (const KeywordArg &kw : call->keywords)
    if (kw.name != "threads" && kw.name != "prelude" && kw.name != "is_cpu") {
      error(kw.loc) << "unknown argument '" << kw.name << "' of T.Kernel";
      return;
    }
  int64_t threads = 128;
  SmallVector<int64_t, 3> threadShape{128, 1, 1};
  if (const KeywordArg *kw = call->findKeyword("threads")) {
    // threads=(x, y[, z]) (TileLang's block shape): tile ops spread their
    // work over the block's threads whatever its shape (the count is what
    // they use); T.get_thread_binding splits a thread's index by it.
    std::optional<int64_t> value;
    threadShape.assign(3, 1);
    if (auto *shape = dyn_cast<SequenceExpr>(kw->value.get())) {
      value = 1;
      if (shape->elements.empty() || shape->elements.size() > 3) {
        error(kw->value->getLoc()) << "threads=(x, y, z) has one to three extents";
        return;
      }
      for (const ExprPtr &extent : shape->elements) {
        std::optional<int64_t> part = evalConstInt(*extent, "threads");
        if (!part)
          return;
        if (*part <= 0 || *part > 1024) {
          error(extent->getLoc()) << "threads must be in [1, 1024], got " << *part;
          return;
        }
        threadShape[&extent - &shape->elements.front()] = *part;
        *value *= *part;
      }
    } else {
      value = evalConstInt(*kw->value, "threads");
      if (value)
        threadShape[0] = *value;
    }
    if (!value)
      return;
    if (*value <= 0 || *value > 1024) {
      error(kw->value->getLoc())
          << "threads must be in [1, 1024], got " << *value;
      return;
    }
    threads = *value;
  }
  SmallVector<Value> grid;
  for (const ExprPtr &dim : call->args) {
    RValue value = eval(*dim);
    if (value.isError())
      return;
    if (value.isConstInt() && value.intValue <= 0) {
      error(dim->getLoc()) << "grid dimensions must be positive, got "
                           << value.intValue;
      return;
    }
    Value index = toIndex(value, dim->getLoc());
    if (!index)
      return;
    grid.push_back(index);
  }
  if (stmt.targets.size() > grid.size()) {
    error(stmt.targets[grid.size()].first)
        << "T.Kernel has " << grid.size() << " grid dimension"
        << (grid.size() == 1 ? "" : "s") << " but " << stmt.targets.size()
        << " block indices are named";
    return;
  }
  Location l = loc(stmt.getLoc());
  auto launch = tile::LaunchOp::create(builder, l, grid, builder.getI64IntegerAttr(threads),
                                       /*gpu_kernel=*/nullptr, /*block_threads=*/nullptr,
                                       /*shared_bytes=*/nullptr, /*tensor_maps=*/nullptr,
                                       /*no_setmaxnreg=*/nullptr);
  Type index = builder.getIndexType();
  OpBuilder::InsertionGuard guard(builder);
  Block *body = builder.createBlock(&launch.getBody(), {}, {index, index, index},
                                    {l, l, l});
  pushScope(true);
  for (auto [i, target] : llvm::enumerate(stmt.targets))
    scopes.back().names[target.second] = RValue::ofScalar(body->getArgument(i));
  inLaunch = true;
  launchThreads = threads;
  launchThreadShape = threadShape;
  SmallVector<tile::LaunchOp> launches{launch};
  for (const StmtPtr &inner : stmt.body) {
    if (!isGridSync(*inner)) {
      genStmt(*inner);
      continue;
    }
    auto &syncCall = cast<CallExpr>(*cast<ExprStmt>(*inner).value);
    if (!syncCall.args.empty() || !syncCall.keywords.empty()) {
      error(syncCall.getLoc()) << "T.sync_grid takes no arguments";
      continue;
    }
    launches.push_back(splitLaunch(launches.back(), stmt.targets, inner->getLoc()));
  }
  inLaunch = false;
  popScope();
  for (tile::LaunchOp each : launches)
    eraseDeadThreadIndices(each);
}

bool KernelGenerator::isGridSync(const Stmt &stmt) {
  auto *exprStmt = dyn_cast<ExprStmt>(&stmt);
  auto *call = exprStmt ? dyn_cast<CallExpr>(exprStmt->value.get()) : nullptr;
  return call && call->getCalleeName() == "T.sync_grid";
}

/// T.sync_grid() at the top level of a kernel's body: every block waits
/// for all others. The kernel splits there into two launches of the same
/// grid and threads, run in order, so every write before is seen after.
/// Names of the block carry over where nothing crosses: block indices
/// name the new launch's, and buffers and variables not yet used are
/// allocated again; any other value of the first launch (a scalar, a
/// buffer or variable already written) is an error where it is read.
tile::LaunchOp KernelGenerator::splitLaunch(tile::LaunchOp before,
                                            ArrayRef<std::pair<SMLoc, std::string>> blockNames,
                                            SMLoc where) {
  Location l = loc(where);
  builder.setInsertionPointAfter(before);
  auto after = tile::LaunchOp::create(builder, l, before.getGrid(), before.getThreadsAttr(),
                                      /*gpu_kernel=*/nullptr, /*block_threads=*/nullptr,
                                      /*shared_bytes=*/nullptr, /*tensor_maps=*/nullptr,
                                      before.getNoSetmaxnregAttr());
  Type index = builder.getIndexType();
  Block *body = builder.createBlock(&after.getBody(), {}, {index, index, index}, {l, l, l});
  auto inBefore = [&](Value v) {
    return v && before.getBody().isAncestor(v.getParentRegion());
  };
  std::function<bool(const RValue &)> crosses = [&](const RValue &value) {
    if (inBefore(value.value))
      return true;
    return llvm::any_of(value.elements, crosses);
  };
  unsigned line = 0;
  if (auto fileLoc = dyn_cast<FileLineColLoc>(source.getLoc(where)))
    line = fileLoc.getLine();
  // Allocations not used yet move to the new launch (once, whatever names
  // them: `O_shared = Q_shared`).
  DenseMap<Operation *, Value> moved;
  for (auto &[name, value] : scopes.back().names) {
    if (!crosses(value))
      continue;
    auto alloc = value.value ? value.value.getDefiningOp<tile::AllocOp>() : tile::AllocOp();
    if (alloc && alloc.getResult().use_empty() &&
        (value.kind == RValue::Kind::Buffer || value.kind == RValue::Kind::Var)) {
      Value &fresh = moved[alloc];
      if (!fresh) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToEnd(body);
        fresh = builder.clone(*alloc)->getResult(0);
      }
      value.value = fresh;
      continue;
    }
    RValue stale;
    stale.kind = RValue::Kind::HostOnly;
    stale.str = "is a value of the block from before T.sync_grid (line " + std::to_string(line) +
                "), which splits the kernel into launches there: on-chip values do not "
                "cross it; compute or load it again after the barrier";
    value = std::move(stale);
  }
  for (auto &entry : moved)
    entry.first->erase();
  for (auto [i, target] : llvm::enumerate(blockNames))
    scopes.back().names[target.second] = RValue::ofScalar(body->getArgument(i));
  builder.setInsertionPointToEnd(body);
  return after;
}

/// Whether `body` has a break/continue for the loop that owns it (not for
/// loops nested inside).
static void findJumps(const StmtList &body, bool &hasBreak, bool &hasContinue) {
  for (const StmtPtr &stmt : body) {
    switch (stmt->getKind()) {
    case Stmt::Kind::Break: hasBreak = true; break;
    case Stmt::Kind::Continue: hasContinue = true; break;
    case Stmt::Kind::If: {
      auto &ifStmt = cast<IfStmt>(*stmt);
      findJumps(ifStmt.thenBody, hasBreak, hasContinue);
      findJumps(ifStmt.elseBody, hasBreak, hasContinue);
      break;
    }
    default: break;
    }
  }
}

static bool stmtMayJump(const Stmt &stmt) {
  bool hasBreak = false, hasContinue = false;
  if (stmt.getKind() == Stmt::Kind::Break || stmt.getKind() == Stmt::Kind::Continue)
    return true;
  if (auto *ifStmt = dyn_cast<IfStmt>(&stmt)) {
    findJumps(ifStmt->thenBody, hasBreak, hasContinue);
    findJumps(ifStmt->elseBody, hasBreak, hasContinue);
  }
  return hasBreak || hasContinue;
}

void KernelGenerator::genJump(const Stmt &stmt) {
  bool isBreak = stmt.getKind() == Stmt::Kind::Break;
  const char *word = isBreak ? "break" : "continue";
  if (loops.empty()) {
    error(stmt.getLoc()) << "'" << word << "' outside a loop";
    return;
  }
  LoopContext &loop = loops.back();
  if (loop.kind != LoopContext::Serial) {
    error(stmt.getLoc()) << "'" << word << "' is not allowed in a "
                         << (loop.kind == LoopContext::Parallel ? "T.Parallel"
                                                                : "T.Pipelined")
                         << " loop: every iteration must run";
    return;
  }
  Value flag = isBreak ? loop.breakFlag : loop.continueFlag;
  if (!flag)
    return; // only reached through a constant-false branch
  Value trueValue = arith::ConstantOp::create(builder, loc(stmt.getLoc()),
                                              builder.getBoolAttr(true));
  tile::StoreOp::create(builder, loc(stmt.getLoc()), trueValue, flag,
                        ValueRange{});
}

void KernelGenerator::genGuardedBody(const StmtList &body, size_t first) {
  for (size_t i = first; i < body.size(); ++i) {
    genStmt(*body[i]);
    if (!stmtMayJump(*body[i]) || i + 1 == body.size())
      continue;
    // The rest of the body runs only if neither flag was raised.
    LoopContext &loop = loops.back();
    Location l = loc(body[i + 1]->getLoc());
    Value go = arith::ConstantOp::create(builder, l, builder.getBoolAttr(true));
    Value trueValue = go;
    for (Value flag : {loop.breakFlag, loop.continueFlag}) {
      if (!flag)
        continue;
      Value raised = tile::LoadOp::create(builder, l, builder.getI1Type(), flag,
                                          ValueRange{});
      Value notRaised = arith::XOrIOp::create(builder, l, raised, trueValue);
      go = arith::AndIOp::create(builder, l, go, notRaised);
    }
    auto ifOp = scf::IfOp::create(builder, l, go, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(ifOp.thenBlock());
    pushScope(true);
    genGuardedBody(body, i + 1);
    popScope();
    return;
  }
}

void KernelGenerator::genAssert(const AssertStmt &stmt) {
  RValue cond = eval(*stmt.cond);
  if (cond.isError())
    return;
  if (!cond.isConst() && cond.kind != RValue::Kind::None) {
    if (inLaunch) {
      error(stmt.getLoc()) << "assert inside T.Kernel checks compile-time conditions; for "
                              "values known at run time use T.device_assert";
      return;
    }
    // Outside T.Kernel: a condition on the tensors' dimensions and integer
    // scalars, which every runtime checks before the first launch (the
    // kernel's metadata lists it under "requires").
    Value holds = toBool(cond, stmt.cond->getLoc());
    if (!holds)
      return;
    std::string message = "assertion failed";
    if (stmt.message) {
      RValue text = eval(*stmt.message);
      if (!text.isConst() || text.constKind != RValue::ConstKind::Str) {
        error(stmt.message->getLoc()) << "an assert's message must be a compile-time string";
        return;
      }
      message = text.str;
    }
    tile::AssertOp::create(builder, loc(stmt.getLoc()), holds, builder.getStringAttr(message));
    return;
  }
  bool holds = cond.isConst() && (cond.constKind == RValue::ConstKind::Float
                                      ? cond.floatValue != 0
                                      : cond.constKind == RValue::ConstKind::Str
                                            ? !cond.str.empty()
                                            : cond.intValue != 0 || cond.dtype);
  if (holds)
    return;
  auto diag = error(stmt.getLoc());
  diag << "assertion failed";
  if (stmt.message) {
    RValue message = eval(*stmt.message);
    if (message.isConst() && message.constKind == RValue::ConstKind::Str)
      diag << ": " << message.str;
  }
}

void KernelGenerator::genRaise(const RaiseStmt &stmt) {
  // Only a raise that compiling reaches unconditionally is an error: one
  // inside a branch on a runtime value would need a device-side check.
  for (Operation *op = builder.getInsertionBlock()->getParentOp(); op;
       op = op->getParentOp())
    if (isa<scf::IfOp, scf::WhileOp>(op)) {
      error(stmt.getLoc()) << "raise under a condition known only at run time; use "
                              "T.device_assert(cond, msg)";
      return;
    }
  // `raise ValueError(msg)`: the exception's name and its message.
  std::string text = "raised";
  if (const Expr *exception = stmt.exception.get()) {
    auto *call = dyn_cast<CallExpr>(exception);
    std::string name = call ? call->getCalleeName()
                            : isa<NameExpr>(exception) ? cast<NameExpr>(exception)->name : "";
    if (!name.empty())
      text = name;
    if (call && !call->args.empty()) {
      RValue message = eval(*call->args[0]);
      if (message.isError())
        return;
      if (message.isConst() && message.constKind == RValue::ConstKind::Str)
        text += ": " + message.str;
    }
  }
  error(stmt.getLoc()) << text;
  // As an exception would, the raise ends the kernel's generation: nothing
  // after it runs (no follow-on errors).
  raised = true;
  if (!macroResults.empty())
    macroResults.back() = RValue::error();
}

void KernelGenerator::bindNestedFactory(const FunctionDef &nested, const CallExpr &call) {
  if (call.args.size() > nested.params.size()) {
    error(call.getLoc()) << "'" << nested.name << "' takes " << nested.params.size()
                         << " arguments, got " << call.args.size();
    return;
  }
  // Its parameters join the factory's names (the kernel sees them).
  for (auto [i, param] : llvm::enumerate(nested.params)) {
    const Expr *given = i < call.args.size() ? call.args[i].get() : nullptr;
    if (const KeywordArg *keyword = call.findKeyword(param.name))
      given = keyword->value.get();
    if (!given)
      given = param.defaultValue.get();
    if (!given) {
      error(call.getLoc()) << "'" << nested.name << "' is called without '" << param.name
                           << "'";
      return;
    }
    RValue value = eval(*given);
    if (value.isError())
      return;
    if (!value.isConst() && value.kind != RValue::Kind::None) {
      error(given->getLoc()) << "the arguments of '" << nested.name
                             << "' must be compile-time values, got " << value.describe();
      return;
    }
    scopes.back().names[param.name] = value;
  }
  const StmtList *outer = factoryBody;
  factoryBody = &nested.body;
  bindFactoryStatements(*kernelHome, nested.body); // the factory's module
  factoryBody = outer;
}

void KernelGenerator::genReturn(const ReturnStmt &stmt) {
  if (inFactoryBody()) {
    // A call of a function the factory defines that returns the kernel.
    if (auto *call = dyn_cast_or_null<CallExpr>(stmt.value.get()))
      if (auto *callee = dyn_cast<NameExpr>(call->callee.get()))
        if (auto nested = nestedFactories.find(callee->name); nested != nestedFactories.end())
          return bindNestedFactory(*nested->second, *call);
    // The kernel a factory returns: one of the @T.prim_func it defines.
    auto *name = dyn_cast_or_null<NameExpr>(stmt.value.get());
    const FunctionDef *kernel = nullptr;
    if (factoryBody && name)
      for (const StmtPtr &candidate : *factoryBody)
        if (auto *def = dyn_cast<FunctionDef>(candidate.get()))
          if (def->name == name->name && def->hasDecorator("prim_func"))
            kernel = def;
    for (const FunctionDef *def : branchKernels)
      if (name && def->name == name->name)
        kernel = def; // the latest definition in the branches taken
    if (!kernel) {
      error(stmt.getLoc()) << "a kernel factory returns one of the @T.prim_func it defines";
      return;
    }
    factoryReturned = kernel;
    return;
  }
  if (macroResults.empty()) {
    error(stmt.getLoc()) << "'return' is only allowed in a macro";
    return;
  }
  if (regionDepth != scopes.front().regionDepth) {
    error(stmt.getLoc())
        << "'return' in a macro must be its last top-level statement";
    return;
  }
  macroResults.back() = stmt.value ? eval(*stmt.value) : RValue::none();
}

void KernelGenerator::genCompileTimeFor(const ForStmt &stmt) {
  std::optional<std::vector<RValue>> items = constantIterable(*stmt.iter);
  if (!items)
    return;
  for (const RValue &item : *items) {
    if (!bindTargets(stmt.targets, item, stmt.iter->getLoc()))
      return;
    unsigned errors = source.getNumErrors();
    genBlock(stmt.body);
    if (source.getNumErrors() != errors)
      return; // once is enough
  }
}

void KernelGenerator::genFor(const ForStmt &stmt) {
  if (inFactoryBody())
    return genCompileTimeFor(stmt);
  auto *call = dyn_cast<CallExpr>(stmt.iter.get());
  std::string callee = call ? call->getCalleeName() : "";
  if (callee == "T.Parallel")
    return genParallelLoop(stmt, *call);
  if (callee == "T.Pipelined")
    return genPipelinedLoop(stmt, *call);
  // T.Serial: TileLang's capitalised spelling.
  if (callee == "range" || callee == "T.serial" || callee == "T.Serial" ||
      callee == "T.unroll" || callee == "T.vectorized")
    return genSerialLoop(stmt, *call, callee == "T.unroll");
  if (callee == "T.Persistent")
    return genPersistentLoop(stmt, *call);
  error(stmt.iter->getLoc())
      << "a loop must iterate over T.Parallel, T.Pipelined, T.serial, "
         "T.unroll, T.Persistent or range";
}

void KernelGenerator::genPersistentLoop(const ForStmt &stmt, const CallExpr &call) {
  if (!checkInLaunch(stmt.getLoc(), "T.Persistent"))
    return;
  BoundArgs args = bindArgs(*this, call, "T.Persistent",
                            {"domain", "wave_size", "index", "group_size"}, 3);
  if (!args.ok)
    return;
  auto *domainList = dyn_cast<SequenceExpr>(args.get(0));
  if (!domainList || domainList->elements.empty()) {
    error(args.get(0)->getLoc()) << "T.Persistent's domain is a list of tile counts";
    return;
  }
  if (stmt.targets.size() != domainList->elements.size()) {
    error(stmt.getLoc()) << "T.Persistent's domain has " << domainList->elements.size()
                         << " extents but the loop names " << stmt.targets.size()
                         << " variables";
    return;
  }
  SmallVector<Value> domain;
  for (const ExprPtr &extent : domainList->elements)
    domain.push_back(toIndex(eval(*extent), extent->getLoc()));
  RValue waveValue = eval(*args.get(1));
  if (waveValue.isConstInt() && waveValue.intValue <= 0) {
    error(args.get(1)->getLoc()) << "T.Persistent's wave size must be positive, got "
                                 << waveValue.intValue;
    return;
  }
  Value waveSize = toIndex(waveValue, args.get(1)->getLoc());
  Value index = toIndex(eval(*args.get(2)), args.get(2)->getLoc());
  Value groupSize = args.get(3) ? toIndex(eval(*args.get(3)), args.get(3)->getLoc())
                                : materialize(RValue::ofInt(8), call.getLoc());
  if (llvm::is_contained(domain, Value()) || !waveSize || !index || !groupSize)
    return;
  // The tiles go round the blocks in waves: in wave w, block `index` takes
  // tile w * wave_size + index of the domain, ordered so that `group_size`
  // consecutive tiles share their other coordinates (neighbouring tiles
  // run together and share operands in L2): with the last extent split
  // into groups, the order is (group, the other extents, within group).
  Location l = loc(stmt.getLoc());
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(builder, l, v); };
  auto ceilDiv = [&](Value a, Value b) { return arith::CeilDivSIOp::create(builder, l, a, b); };
  Value last = domain.back();
  groupSize = arith::MaxSIOp::create(builder, l, constant(1),
                                     arith::MinSIOp::create(builder, l, groupSize, last));
  SmallVector<Value> grouped = {ceilDiv(last, groupSize)};
  grouped.append(domain.begin(), domain.end() - 1);
  grouped.push_back(groupSize);
  Value padded = grouped.front();
  for (Value extent : ArrayRef<Value>(grouped).drop_front())
    padded = arith::MulIOp::create(builder, l, padded, extent);
  Value waves = ceilDiv(padded, waveSize);
  auto forOp = scf::ForOp::create(builder, l, constant(0), waves, constant(1));
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(forOp.getBody());
  Value tile = arith::AddIOp::create(
      builder, l, arith::MulIOp::create(builder, l, forOp.getInductionVar(), waveSize), index);
  Value inDomain = arith::CmpIOp::create(builder, l, arith::CmpIPredicate::slt, tile, padded);
  auto inWave = scf::IfOp::create(builder, l, inDomain, /*withElseRegion=*/false);
  builder.setInsertionPointToStart(inWave.thenBlock());
  SmallVector<Value> coordinates(grouped.size());
  Value rest = tile;
  for (size_t i = grouped.size() - 1; i >= 1; --i) {
    coordinates[i] = arith::RemSIOp::create(builder, l, rest, grouped[i]);
    rest = arith::DivSIOp::create(builder, l, rest, grouped[i]);
  }
  coordinates[0] = rest;
  Value lastCoordinate = arith::AddIOp::create(
      builder, l, arith::MulIOp::create(builder, l, coordinates[0], groupSize),
      coordinates.back());
  Value inRange =
      arith::CmpIOp::create(builder, l, arith::CmpIPredicate::slt, lastCoordinate, last);
  auto inTile = scf::IfOp::create(builder, l, inRange, /*withElseRegion=*/false);
  builder.setInsertionPointToStart(inTile.thenBlock());
  pushScope(true);
  for (auto [d, target] : llvm::enumerate(stmt.targets))
    scopes.back().names[target.second] = RValue::ofScalar(
        d + 1 == stmt.targets.size() ? lastCoordinate : coordinates[d + 1]);
  loops.push_back({LoopContext::Serial, {}, {}});
  genBlock(stmt.body);
  loops.pop_back();
  popScope();
}

void KernelGenerator::genParallelLoop(const ForStmt &stmt, const CallExpr &call) {
  if (!checkInLaunch(stmt.getLoc(), "T.Parallel"))
    return;
  if (call.args.empty()) {
    error(call.getLoc()) << "T.Parallel needs at least one extent";
    return;
  }
  SmallVector<int64_t> extents;
  for (const ExprPtr &arg : call.args) {
    std::optional<int64_t> extent = evalConstInt(*arg, "a T.Parallel extent");
    if (!extent)
      return;
    if (*extent <= 0) {
      error(arg->getLoc()) << "T.Parallel extents must be positive, got "
                           << *extent;
      return;
    }
    extents.push_back(*extent);
  }
  if (stmt.targets.size() != extents.size()) {
    error(stmt.getLoc()) << "T.Parallel has " << extents.size()
                         << " extents but the loop names "
                         << stmt.targets.size() << " variables";
    return;
  }
  Location l = loc(stmt.getLoc());
  auto parallel = tile::ParallelOp::create(builder, l,
                                           builder.getDenseI64ArrayAttr(extents));
  SmallVector<Type> types(extents.size(), builder.getIndexType());
  SmallVector<Location> locs(extents.size(), l);
  std::vector<PendingReduction> reductions;
  {
    OpBuilder::InsertionGuard guard(builder);
    Block *body = builder.createBlock(&parallel.getBody(), {}, types, locs);
    pushScope(true);
    for (auto [i, target] : llvm::enumerate(stmt.targets))
      scopes.back().names[target.second] = RValue::ofScalar(body->getArgument(i));
    loops.push_back({LoopContext::Parallel, {}, {}, parallel, {}});
    genBlock(stmt.body);
    reductions = std::move(loops.back().reductions);
    loops.pop_back();
    popScope();
  }
  finishReductions(reductions);
}

/// Reads `(start, stop, step)` the way `range` does.
static bool rangeOperands(const CallExpr &call, const Expr *&start,
                          const Expr *&stop, const Expr *&step) {
  start = stop = step = nullptr;
  switch (call.args.size()) {
  case 1: stop = call.args[0].get(); return true;
  case 2: start = call.args[0].get(); stop = call.args[1].get(); return true;
  case 3:
    start = call.args[0].get();
    stop = call.args[1].get();
    step = call.args[2].get();
    return true;
  default: return false;
  }
}

void KernelGenerator::genPipelinedLoop(const ForStmt &stmt, const CallExpr &call) {
  if (!checkInLaunch(stmt.getLoc(), "T.Pipelined"))
    return;
  const Expr *startExpr, *stopExpr, *stepExpr;
  if (!rangeOperands(call, startExpr, stopExpr, stepExpr)) {
    error(call.getLoc()) << "T.Pipelined takes (stop) or (start, stop[, step]) "
                            "and num_stages=";
    return;
  }
  if (stmt.targets.size() != 1) {
    error(stmt.getLoc()) << "T.Pipelined binds one loop variable";
    return;
  }
  for (const KeywordArg &kw : call.keywords)
    if (kw.name != "num_stages" && kw.name != "order" && kw.name != "stage" &&
        kw.name != "group") {
      error(kw.loc) << "unknown argument '" << kw.name << "' of T.Pipelined";
      return;
    }
  int64_t numStages = 0;
  if (const KeywordArg *kw = call.findKeyword("num_stages")) {
    std::optional<int64_t> value = evalConstInt(*kw->value, "num_stages");
    if (!value)
      return;
    if (*value < 0) {
      error(kw->value->getLoc()) << "num_stages must not be negative, got "
                                 << *value;
      return;
    }
    numStages = *value;
  }
  // `order` and `stage` place each top-level statement of the body.
  auto readList = [&](StringRef name) -> std::optional<SmallVector<int64_t>> {
    const KeywordArg *kw = call.findKeyword(name);
    if (!kw)
      return SmallVector<int64_t>{};
    auto *list = dyn_cast<SequenceExpr>(kw->value.get());
    if (!list) {
      error(kw->value->getLoc()) << name << " must be a list of integers";
      return std::nullopt;
    }
    SmallVector<int64_t> values;
    for (const ExprPtr &e : list->elements) {
      std::optional<int64_t> v = evalConstInt(*e, name);
      if (!v)
        return std::nullopt;
      values.push_back(*v);
    }
    if (values.size() != stmt.body.size()) {
      error(kw->value->getLoc())
          << name << " has " << values.size() << " entries but the loop body has "
          << stmt.body.size() << " statements";
      return std::nullopt;
    }
    return values;
  };
  std::optional<SmallVector<int64_t>> order = readList("order");
  std::optional<SmallVector<int64_t>> stage = readList("stage");
  if (!order || !stage)
    return;
  Value start = startExpr ? toIndex(eval(*startExpr), startExpr->getLoc())
                          : materialize(RValue::ofInt(0), call.getLoc());
  Value stop = toIndex(eval(*stopExpr), stopExpr->getLoc());
  Value step = stepExpr ? toIndex(eval(*stepExpr), stepExpr->getLoc())
                        : materialize(RValue::ofInt(1), call.getLoc());
  if (!start || !stop || !step)
    return;
  Location l = loc(stmt.getLoc());
  auto pipelined = tile::PipelinedOp::create(
      builder, l, start, stop, step, builder.getI64IntegerAttr(numStages),
      order->empty() ? DenseI64ArrayAttr() : builder.getDenseI64ArrayAttr(*order),
      stage->empty() ? DenseI64ArrayAttr() : builder.getDenseI64ArrayAttr(*stage));
  OpBuilder::InsertionGuard guard(builder);
  Block *body = builder.createBlock(&pipelined.getBody(), {},
                                    {builder.getIndexType()}, {l});
  pushScope(true);
  scopes.back().names[stmt.targets[0].second] = RValue::ofScalar(body->getArgument(0));
  loops.push_back({LoopContext::Pipelined, {}, {}});
  genBlock(stmt.body);
  loops.pop_back();
  popScope();
}

void KernelGenerator::genSerialLoop(const ForStmt &stmt, const CallExpr &call,
                                    bool unroll) {
  const Expr *startExpr, *stopExpr, *stepExpr;
  if (!rangeOperands(call, startExpr, stopExpr, stepExpr) || !call.keywords.empty()) {
    error(call.getLoc()) << "a serial loop takes (stop) or (start, stop[, step])";
    return;
  }
  if (stmt.targets.size() != 1) {
    error(stmt.getLoc()) << "a serial loop binds one loop variable";
    return;
  }
  if (!checkInLaunch(stmt.getLoc(), "loops"))
    return;
  RValue stepValue = stepExpr ? eval(*stepExpr) : RValue::ofInt(1);
  if (stepValue.isConstInt() && stepValue.intValue <= 0) {
    error(stepExpr->getLoc()) << "the loop step must be positive, got "
                              << stepValue.intValue;
    return;
  }
  Value start = startExpr ? toIndex(eval(*startExpr), startExpr->getLoc())
                          : materialize(RValue::ofInt(0), call.getLoc());
  Value stop = toIndex(eval(*stopExpr), stopExpr->getLoc());
  Value step = toIndex(stepValue, stepExpr ? stepExpr->getLoc() : call.getLoc());
  if (!start || !stop || !step)
    return;
  Location l = loc(stmt.getLoc());
  bool hasBreak = false, hasContinue = false;
  findJumps(stmt.body, hasBreak, hasContinue);
  if (!hasBreak && !hasContinue) {
    auto forOp = scf::ForOp::create(builder, l, start, stop, step);
    if (unroll)
      forOp->setAttr(tile::kUnrollAttrName, builder.getUnitAttr());
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(forOp.getBody());
    pushScope(true);
    scopes.back().names[stmt.targets[0].second] =
        RValue::ofScalar(forOp.getInductionVar());
    loops.push_back({LoopContext::Serial, {}, {}});
    genBlock(stmt.body);
    loops.pop_back();
    popScope();
    return;
  }
  // With break/continue: a while loop over a counter, with flags that guard
  // the rest of the body.
  Type index = builder.getIndexType();
  Value counter = tile::AllocOp::create(
      builder, l, tile::BufferType::get(ctx, {}, index, tile::MemoryScope::Local, Attribute()));
  tile::StoreOp::create(builder, l, start, counter, ValueRange{});
  genFlaggedWhile(
      l, hasBreak, hasContinue,
      [&]() -> Value {
        Value current = tile::LoadOp::create(builder, l, index, counter, ValueRange{});
        return arith::CmpIOp::create(builder, l, arith::CmpIPredicate::slt, current, stop);
      },
      [&](Value breakFlag, Value continueFlag) {
        Value iv = tile::LoadOp::create(builder, l, index, counter, ValueRange{});
        pushScope(true);
        scopes.back().names[stmt.targets[0].second] = RValue::ofScalar(iv);
        loops.push_back({LoopContext::Serial, breakFlag, continueFlag});
        genGuardedBody(stmt.body, 0);
        loops.pop_back();
        popScope();
        Value next = arith::AddIOp::create(builder, l, iv, step);
        tile::StoreOp::create(builder, l, next, counter, ValueRange{});
      });
}

void KernelGenerator::genFlaggedWhile(Location l, bool hasBreak, bool hasContinue,
                                      function_ref<Value()> condition,
                                      function_ref<void(Value, Value)> body) {
  Type i1 = builder.getI1Type();
  auto localFlag = [&]() -> Value {
    return tile::AllocOp::create(
        builder, l, tile::BufferType::get(ctx, {}, i1, tile::MemoryScope::Local, Attribute()));
  };
  Value breakFlag = hasBreak ? localFlag() : Value();
  Value continueFlag = hasContinue ? localFlag() : Value();
  Value falseValue = arith::ConstantOp::create(builder, l, builder.getBoolAttr(false));
  Value trueValue = arith::ConstantOp::create(builder, l, builder.getBoolAttr(true));
  if (breakFlag)
    tile::StoreOp::create(builder, l, falseValue, breakFlag, ValueRange{});
  auto whileOp = scf::WhileOp::create(builder, l, TypeRange{}, ValueRange{});
  OpBuilder::InsertionGuard guard(builder);
  builder.createBlock(&whileOp.getBefore());
  Value cond = condition();
  if (!cond)
    cond = falseValue;
  if (breakFlag) {
    Value broke = tile::LoadOp::create(builder, l, i1, breakFlag, ValueRange{});
    cond = arith::AndIOp::create(builder, l, cond,
                                 arith::XOrIOp::create(builder, l, broke, trueValue));
  }
  scf::ConditionOp::create(builder, l, cond, ValueRange{});
  builder.createBlock(&whileOp.getAfter());
  if (continueFlag)
    tile::StoreOp::create(builder, l, falseValue, continueFlag, ValueRange{});
  body(breakFlag, continueFlag);
  scf::YieldOp::create(builder, l);
}

void KernelGenerator::genWhile(const WhileStmt &stmt) {
  if (!checkInLaunch(stmt.getLoc(), "loops"))
    return;
  bool hasBreak = false, hasContinue = false;
  findJumps(stmt.body, hasBreak, hasContinue);
  genFlaggedWhile(
      loc(stmt.getLoc()), hasBreak, hasContinue,
      [&]() -> Value {
        pushScope(true);
        Value cond = toBool(eval(*stmt.cond), stmt.cond->getLoc());
        popScope();
        return cond;
      },
      [&](Value breakFlag, Value continueFlag) {
        pushScope(true);
        loops.push_back({LoopContext::Serial, breakFlag, continueFlag});
        genGuardedBody(stmt.body, 0);
        loops.pop_back();
        popScope();
      });
}
