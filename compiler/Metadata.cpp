//===- Metadata.cpp - the JSON that travels with a compiled kernel --------===//

#include "compiler/Metadata.h"

#include "dialects/Tile/TileDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "lib/Support/ToolSupport.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/xxhash.h"

#include <nlohmann/json.hpp>

using namespace mlir;
using json = nlohmann::json;
using namespace tilec;

/// A host-computable expression: a number, {"dim": name}, {"param": name}
/// or [op, operands...].
/// Comparisons and logic evaluate to 0 or 1.
static FailureOr<json> expression(Value value, func::FuncOp func) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    // Integer scalar parameters only: the runtime evaluates in int64.
    if (arg.getOwner() != &func.getBody().front() || !value.getType().isIntOrIndex())
      return failure();
    if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), tile::kParamNameAttrName))
      return json{{"param", name.str()}};
    return failure();
  }
  Operation *def = value.getDefiningOp();
  if (auto constant = dyn_cast<arith::ConstantOp>(def)) {
    if (auto integer = dyn_cast<IntegerAttr>(constant.getValue()))
      return json(integer.getType().isInteger(1) ? int64_t(integer.getValue().getBoolValue())
                                                 : integer.getValue().getSExtValue());
    return failure();
  }
  if (auto compare = dyn_cast<arith::CmpIOp>(def)) {
    // Unsigned comparisons of int64 values are only meaningful for
    // non-negative ones; the runtime compares as unsigned 64-bit.
    static constexpr const char *names[] = {"eq",  "ne",  "lt",  "le",  "gt",
                                            "ge",  "ult", "ule", "ugt", "uge"};
    FailureOr<json> lhs = expression(compare.getLhs(), func);
    FailureOr<json> rhs = expression(compare.getRhs(), func);
    if (failed(lhs) || failed(rhs))
      return failure();
    return json::array({names[static_cast<int>(compare.getPredicate())], *lhs, *rhs});
  }
  if (isa<arith::ExtUIOp>(def) && def->getOperand(0).getType().isInteger(1))
    return expression(def->getOperand(0), func);
  if (auto dim = dyn_cast<tile::DimOp>(def)) {
    auto arg = dyn_cast<BlockArgument>(dim.getSource());
    if (!arg)
      return failure();
    auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), tile::kDimNamesAttrName);
    if (!names || dim.getIndex() >= names.size())
      return failure();
    return json{{"dim", cast<StringAttr>(names[dim.getIndex()]).str()}};
  }
  if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(def))
    return expression(def->getOperand(0), func);
  std::string op = llvm::StringSwitch<std::string>(def->getName().getStringRef())
                       .Case("arith.addi", "add")
                       .Case("arith.subi", "sub")
                       .Case("arith.muli", "mul")
                       .Case("arith.floordivsi", "floordiv")
                       .Case("arith.divsi", "div")
                       .Case("arith.ceildivsi", "ceildiv")
                       .Case("arith.remsi", "rem")
                       .Case("arith.maxsi", "max")
                       .Case("arith.minsi", "min")
                       .Case("arith.andi", "and")
                       .Case("arith.ori", "or")
                       .Case("arith.xori", "xor")
                       .Default("");
  if (op.empty())
    return failure();
  json node = json::array({op});
  for (Value operand : def->getOperands()) {
    FailureOr<json> sub = expression(operand, func);
    if (failed(sub))
      return failure();
    node.push_back(*sub);
  }
  return node;
}

bool tilec::compiler::isHostComputable(Value value, func::FuncOp hostFunc) {
  return succeeded(expression(value, hostFunc));
}

/// The host conditions `op` runs under, outermost first (the scf.if
/// branches around it in `func`), each non-zero where it runs. On the cpu
/// target (`hostOnly`) a condition the host cannot compute is null; on GPU
/// targets it is an error `what` explains.
static FailureOr<std::vector<std::string>> conditionsOf(Operation *op, func::FuncOp func,
                                                        bool hostOnly, StringRef what) {
  std::vector<std::string> when;
  Operation *child = op;
  for (Operation *parent = op->getParentOp(); parent != func;
       child = parent, parent = parent->getParentOp()) {
    auto ifOp = dyn_cast<scf::IfOp>(parent);
    FailureOr<json> condition =
        ifOp ? expression(ifOp.getCondition(), func) : FailureOr<json>(failure());
    if (failed(condition) && !hostOnly)
      return op->emitError(what), failure();
    json holds = nullptr; // the cpu target's conditions the host cannot compute
    if (succeeded(condition)) {
      bool inElse = child->getParentRegion() == &ifOp.getElseRegion();
      holds = inElse ? json::array({"eq", *condition, 0}) : *condition;
    }
    when.insert(when.begin(), holds.dump());
  }
  return when;
}

/// "file:line:col" of the source line `loc` names (inside a macro: the
/// macro's line), or "".
static std::string sourceLocation(Location loc) {
  auto fileLoc = loc->findInstanceOf<FileLineColLoc>();
  if (!fileLoc)
    return "";
  return (fileLoc.getFilename().str() + ":" + std::to_string(fileLoc.getLine()) + ":" +
          std::to_string(fileLoc.getColumn()));
}

/// A requirement: an assert outside any launch, over the tensors'
/// dimensions and integer scalars.
static FailureOr<abi::RequirementSpec> requirementMetadata(tile::AssertOp assertOp,
                                                           func::FuncOp func, bool hostOnly) {
  abi::RequirementSpec entry;
  FailureOr<json> holds = expression(assertOp.getCondition(), func);
  if (failed(holds))
    return assertOp.emitError("an assert outside T.Kernel must be computable on the host from "
                              "the tensors' dimensions and integer scalar parameters"),
           failure();
  FailureOr<std::vector<std::string>> when = conditionsOf(
      assertOp, func, hostOnly,
      "an assert outside T.Kernel must be under conditions the host can compute");
  if (failed(when))
    return failure();
  entry.when = std::move(*when);
  entry.holds = holds->dump();
  entry.message = assertOp.getMessage().str();
  entry.location = sourceLocation(assertOp.getLoc());
  return entry;
}

/// One launch: its GPU kernel, grid, the conditions it runs under (outermost
/// first; all must be non-zero), threads, shared memory and tensor maps. On
/// the cpu target (`hostOnly`: not lowered; the interpreter runs the tile
/// IR) a grid or condition the host cannot compute is written as null.
static FailureOr<abi::LaunchSpec> launchMetadata(tile::LaunchOp launch, func::FuncOp func,
                                                 bool hostOnly) {
  abi::LaunchSpec entry;
  if (!launch.getGpuKernel() && !hostOnly)
    return launch.emitError("this launch was not lowered to a GPU kernel"), failure();
  if (launch.getGpuKernel())
    entry.symbol = launch.getGpuKernel()->str();
  // A warp-specialized kernel launches a producer warpgroup more.
  entry.threads = launch.getBlockThreads().value_or(launch.getThreads());
  entry.sharedBytes = launch.getSharedBytes().value_or(0);
  for (auto [i, dim] : llvm::enumerate(launch.getGrid())) {
    FailureOr<json> expr = expression(dim, func);
    if (failed(expr) && !hostOnly)
      return launch.emitError("the grid must be computable on the host from the "
                              "tensors' dimensions and integer scalar parameters"),
             failure();
    entry.grid[i] = succeeded(expr) ? expr->dump() : "null";
  }
  FailureOr<std::vector<std::string>> when = conditionsOf(
      launch, func, hostOnly, "the conditions this launch runs under must be computable on "
                              "the host");
  if (failed(when))
    return failure();
  entry.when = std::move(*when);
  // TMA tensor maps the kernel takes after its parameters (with an i32 flag
  // saying whether the runtime could build them): the tensor, the box in C
  // order, the shared-memory swizzle in bytes.
  if (std::optional<ArrayAttr> list = launch.getTensorMaps())
    for (auto map : list->getAsRange<DictionaryAttr>()) {
      abi::TensorMapSpec mapEntry;
      mapEntry.param = cast<IntegerAttr>(map.get("param")).getInt();
      for (Attribute extent : cast<ArrayAttr>(map.get("box")))
        mapEntry.box.push_back(cast<IntegerAttr>(extent).getInt());
      mapEntry.swizzle = cast<IntegerAttr>(map.get("swizzle")).getInt();
      entry.tensorMaps.push_back(std::move(mapEntry));
    }
  return entry;
}

/// The compile-time parameters as a JSON object.
static json constantsOf(func::FuncOp func) {
  json constants = json::object();
  if (auto dict = func->getAttrOfType<DictionaryAttr>(tile::kConstantsAttrName))
    for (NamedAttribute named : dict) {
      Attribute v = named.getValue();
      if (auto i = dyn_cast<IntegerAttr>(v))
        constants[named.getName().str()] =
            i.getType().isInteger(1) ? json(i.getValue().getBoolValue()) : json(i.getInt());
      else if (auto f = dyn_cast<FloatAttr>(v))
        constants[named.getName().str()] = f.getValueAsDouble();
      else if (auto s = dyn_cast<StringAttr>(v))
        constants[named.getName().str()] = s.str();
      else if (auto b = dyn_cast<BoolAttr>(v))
        constants[named.getName().str()] = b.getValue();
    }
  return constants;
}

FailureOr<std::string> tilec::compiler::buildKernelMetadata(func::FuncOp func,
                                                             StringRef target,
                                                             StringRef binary) {
  abi::KernelSpec spec;
  spec.kernel = func.getName().str();
  spec.target = target.str();
  spec.compiler = tilec::getCompilerIdentity();
  spec.hash = llvm::utohexstr(llvm::xxh3_64bits(binary), /*LowerCase=*/true);
  spec.params = tile::getKernelParams(func);
  spec.constants = constantsOf(func).dump();
  bool hostOnly = target == "cpu";
  for (tile::AllocGlobalOp workspace : tile::getKernelWorkspaces(func)) {
    abi::WorkspaceSpec entry;
    entry.name = workspace.getName().str();
    std::optional<DType> dtype = tile::getDType(workspace.getType().getElementType());
    if (!dtype)
      return workspace.emitError("a workspace of ")
                 << workspace.getType().getElementType() << " elements is not supported",
             failure();
    entry.dtype = *dtype;
    entry.zeroFill = !workspace.getUninitialized();
    unsigned next = 0;
    for (int64_t extent : workspace.getType().getShape()) {
      if (!ShapedType::isDynamic(extent)) {
        entry.extents.push_back(std::to_string(extent));
        continue;
      }
      FailureOr<json> expr = expression(workspace.getDynamicSizes()[next++], func);
      if (failed(expr))
        return workspace.emitError("a workspace's extents must be computable on the host "
                                   "from the tensors' dimensions and integer scalar "
                                   "parameters"),
               failure();
      entry.extents.push_back(expr->dump());
    }
    spec.workspaces.push_back(std::move(entry));
  }
  WalkResult walk = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto assertOp = dyn_cast<tile::AssertOp>(op)) {
      FailureOr<abi::RequirementSpec> entry = requirementMetadata(assertOp, func, hostOnly);
      if (failed(entry))
        return WalkResult::interrupt();
      spec.requirements.push_back(std::move(*entry));
      return WalkResult::advance();
    }
    auto launch = dyn_cast<tile::LaunchOp>(op);
    if (!launch)
      return WalkResult::advance();
    FailureOr<abi::LaunchSpec> entry = launchMetadata(launch, func, hostOnly);
    if (failed(entry))
      return WalkResult::interrupt();
    spec.launches.push_back(std::move(*entry));
    return WalkResult::skip(); // device asserts inside are not requirements
  });
  if (walk.wasInterrupted())
    return failure();
  if (spec.launches.empty())
    return func.emitError("kernel has no launch"), failure();
  return spec.toJSON();
}
