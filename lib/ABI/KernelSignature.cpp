//===- KernelSignature.cpp - the launch ABI of a compiled kernel ----------===//

#include "lib/ABI/KernelSignature.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

using json = nlohmann::json;
using namespace tilec;
using namespace tilec::abi;

//===----------------------------------------------------------------------===//
// Reading and writing the metadata
//===----------------------------------------------------------------------===//

/// Reads the "dtype" of a parameter or workspace (`what`), which must be
/// the table's canonical name (aliases belong to the DSL).
static bool parseDType(const json &entry, const std::string &what, DType &out,
                       std::string &error) {
  std::string dtype = entry.at("dtype").get<std::string>();
  std::optional<DType> parsed = parseDTypeName(dtype);
  if (!parsed || dtype != dtypeName(*parsed)) {
    error = what + " has an unknown dtype '" + dtype + "'";
    return false;
  }
  out = *parsed;
  return true;
}

/// Reads one parameter; false with `error` on an unknown dtype.
static bool parseParam(const json &entry, ParamSpec &param, std::string &error) {
  param.name = entry.at("name").get<std::string>();
  param.isTensor = entry.at("kind").get<std::string>() == "tensor";
  if (!parseDType(entry, "parameter '" + param.name + "'", param.dtype, error))
    return false;
  param.output = entry.value("output", false);
  param.readOnly = entry.value("read_only", false);
  if (param.isTensor)
    for (const json &d : entry.at("shape")) {
      bool symbolic = d.is_string();
      param.dimNames.push_back(symbolic ? d.get<std::string>() : std::string());
      param.extents.push_back(symbolic ? -1 : d.get<int64_t>());
    }
  return true;
}

/// The host conditions ("when", JSON texts) of a launch or requirement.
static std::vector<std::string> readConditions(const json &entry) {
  std::vector<std::string> conditions;
  for (const json &condition : entry.value("when", json::array()))
    conditions.push_back(condition.dump());
  return conditions;
}

/// Reads one launch; false with `error` where it breaks the ABI's rules.
static bool parseLaunch(const json &entry, const std::vector<ParamSpec> &params,
                        LaunchSpec &launch, std::string &error) {
  launch.symbol = entry.value("symbol", "");
  launch.threads = entry.at("threads").get<int64_t>();
  launch.sharedBytes = entry.value("shared_bytes", int64_t(0));
  const json &grid = entry.at("grid");
  for (size_t i = 0; i < 3; ++i)
    launch.grid[i] = i < grid.size() ? grid[i].dump() : "1";
  launch.when = readConditions(entry);
  for (const json &m : entry.value("tensor_maps", json::array())) {
    TensorMapSpec map;
    map.param = m.at("param").get<size_t>();
    map.box = m.at("box").get<std::vector<int64_t>>();
    map.swizzle = m.at("swizzle").get<int64_t>();
    if (map.param >= params.size() || !params[map.param].isTensor ||
        map.box.size() != params[map.param].extents.size()) {
      error = "a tensor map names parameter " + std::to_string(map.param) +
              ", which is not a tensor of its rank";
      return false;
    }
    launch.tensorMaps.push_back(std::move(map));
  }
  if (launch.threads <= 0 || launch.threads > 1024) {
    error = "threads out of range";
    return false;
  }
  if (launch.sharedBytes < 0 || launch.sharedBytes > (int64_t(1) << 31)) {
    error = "shared_bytes out of range";
    return false;
  }
  return true;
}

std::unique_ptr<KernelSpec> KernelSpec::parse(const std::string &text, std::string &error) {
  try {
    json meta = json::parse(text);
    auto spec = std::make_unique<KernelSpec>();
    spec->kernel = meta.at("kernel").get<std::string>();
    spec->target = meta.value("target", "");
    spec->compiler = meta.value("compiler", "");
    spec->hash = meta.value("hash", "");
    spec->constants = meta.value("constants", json::object()).dump();
    for (const json &entry : meta.at("params")) {
      ParamSpec param;
      if (!parseParam(entry, param, error))
        return nullptr;
      spec->params.push_back(std::move(param));
    }
    for (const json &entry : meta.value("workspaces", json::array())) {
      WorkspaceSpec workspace;
      workspace.name = entry.at("name").get<std::string>();
      if (!parseDType(entry, "workspace '" + workspace.name + "'", workspace.dtype, error))
        return nullptr;
      for (const json &extent : entry.at("shape"))
        workspace.extents.push_back(extent.dump());
      workspace.zeroFill = entry.value("zero_fill", true);
      spec->workspaces.push_back(std::move(workspace));
    }
    for (const json &entry : meta.value("requires", json::array())) {
      RequirementSpec requirement;
      requirement.when = readConditions(entry);
      requirement.holds = entry.at("holds").dump();
      requirement.message = entry.value("message", "");
      requirement.location = entry.value("location", "");
      spec->requirements.push_back(std::move(requirement));
    }
    for (const json &entry : meta.at("launches")) {
      LaunchSpec launch;
      if (!parseLaunch(entry, spec->params, launch, error))
        return nullptr;
      spec->launches.push_back(std::move(launch));
    }
    if (spec->launches.empty()) {
      error = "the kernel has no launches";
      return nullptr;
    }
    return spec;
  } catch (const std::exception &e) {
    error = std::string("bad kernel metadata: ") + e.what();
    return nullptr;
  }
}

/// Host conditions (JSON texts) as a JSON array.
static json conditionList(const std::vector<std::string> &conditions) {
  json list = json::array();
  for (const std::string &condition : conditions)
    list.push_back(json::parse(condition));
  return list;
}

std::string KernelSpec::toJSON() const {
  json meta;
  meta["kernel"] = kernel;
  meta["target"] = target;
  meta["compiler"] = compiler;
  meta["hash"] = hash;
  json paramList = json::array();
  for (const ParamSpec &param : params) {
    json entry;
    entry["name"] = param.name;
    entry["kind"] = param.isTensor ? "tensor" : "scalar";
    entry["dtype"] = dtypeName(param.dtype);
    if (param.isTensor) {
      json shape = json::array();
      for (size_t d = 0; d < param.extents.size(); ++d)
        shape.push_back(param.dimNames[d].empty() ? json(param.extents[d])
                                                  : json(param.dimNames[d]));
      entry["shape"] = shape;
      if (param.output)
        entry["output"] = true;
      if (param.readOnly)
        entry["read_only"] = true;
    }
    paramList.push_back(entry);
  }
  meta["params"] = paramList;
  if (!workspaces.empty()) {
    json workspaceList = json::array();
    for (const WorkspaceSpec &workspace : workspaces) {
      json shape = json::array();
      for (const std::string &extent : workspace.extents)
        shape.push_back(json::parse(extent));
      json entry{{"name", workspace.name},
                 {"dtype", dtypeName(workspace.dtype)},
                 {"shape", shape}};
      if (!workspace.zeroFill)
        entry["zero_fill"] = false;
      workspaceList.push_back(std::move(entry));
    }
    meta["workspaces"] = workspaceList;
  }
  if (!requirements.empty()) {
    json requirementList = json::array();
    for (const RequirementSpec &requirement : requirements) {
      requirementList.push_back(json{{"when", conditionList(requirement.when)},
                                     {"holds", json::parse(requirement.holds)},
                                     {"message", requirement.message},
                                     {"location", requirement.location}});
    }
    meta["requires"] = requirementList;
  }
  json launchList = json::array();
  for (const LaunchSpec &launch : launches) {
    json entry;
    if (!launch.symbol.empty())
      entry["symbol"] = launch.symbol;
    entry["threads"] = launch.threads;
    entry["shared_bytes"] = launch.sharedBytes;
    json grid = json::array();
    for (const std::string &extent : launch.grid)
      grid.push_back(json::parse(extent));
    entry["grid"] = grid;
    entry["when"] = conditionList(launch.when);
    json maps = json::array();
    for (const TensorMapSpec &map : launch.tensorMaps)
      maps.push_back(json{{"param", map.param}, {"box", map.box}, {"swizzle", map.swizzle}});
    entry["tensor_maps"] = maps;
    launchList.push_back(entry);
  }
  meta["launches"] = launchList;
  meta["constants"] = json::parse(constants);
  return meta.dump(2) + "\n";
}

//===----------------------------------------------------------------------===//
// Parameter slots
//===----------------------------------------------------------------------===//

std::vector<ParameterSlot> tilec::abi::kernelParameterSlots(const std::vector<ParamSpec> &params,
                                                            size_t workspaces,
                                                            size_t tensorMaps) {
  std::vector<ParameterSlot> slots;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].isTensor) {
      slots.push_back({SlotKind::Scalar, i, 0});
      continue;
    }
    slots.push_back({SlotKind::TensorPointer, i, 0});
    for (size_t d = 0; d < params[i].extents.size(); ++d)
      if (params[i].extents[d] < 0)
        slots.push_back({SlotKind::DimExtent, i, d});
  }
  for (size_t w = 0; w < workspaces; ++w)
    slots.push_back({SlotKind::Workspace, w, 0});
  if (tensorMaps != 0) {
    slots.push_back({SlotKind::TensorMapFlags, 0, 0});
    for (size_t m = 0; m < tensorMaps; ++m)
      slots.push_back({SlotKind::TensorMap, m, 0});
  }
  return slots;
}

//===----------------------------------------------------------------------===//
// Host expressions
//===----------------------------------------------------------------------===//

static bool evaluate(const json &expr, const std::map<std::string, int64_t> &dims,
                     const std::map<std::string, int64_t> &scalars, int64_t &out,
                     std::string &error) {
  if (expr.is_number_integer()) {
    out = expr.get<int64_t>();
    return true;
  }
  if (expr.is_object()) {
    bool isDim = expr.contains("dim");
    std::string name = (isDim ? expr["dim"] : expr.value("param", json(""))).get<std::string>();
    const auto &table = isDim ? dims : scalars;
    auto it = table.find(name);
    if (it == table.end()) {
      error = "a launch's grid, condition or workspace uses '" + name +
              "', which no argument binds";
      return false;
    }
    out = it->second;
    return true;
  }
  if (!expr.is_array() || expr.size() != 3 || !expr[0].is_string()) {
    error = "bad expression " + expr.dump();
    return false;
  }
  int64_t a, b;
  if (!evaluate(expr[1], dims, scalars, a, error) || !evaluate(expr[2], dims, scalars, b, error))
    return false;
  std::string op = expr[0].get<std::string>();
  if ((op == "floordiv" || op == "div" || op == "ceildiv" || op == "rem") && b == 0) {
    error = "division by zero in a launch's grid or condition";
    return false;
  }
  // Wrapping arithmetic (as the kernel's int64 code); INT64_MIN / -1 wraps.
  auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  bool overflowingDivision = a == std::numeric_limits<int64_t>::min() && b == -1;
  if (op == "add") out = static_cast<int64_t>(ua + ub);
  else if (op == "sub") out = static_cast<int64_t>(ua - ub);
  else if (op == "mul") out = static_cast<int64_t>(ua * ub);
  else if (overflowingDivision && op != "max" && op != "min")
    out = op == "rem" ? 0 : a;
  else if (op == "div") out = a / b;
  else if (op == "rem") out = a % b;
  else if (op == "eq") out = a == b;
  else if (op == "ne") out = a != b;
  else if (op == "lt") out = a < b;
  else if (op == "le") out = a <= b;
  else if (op == "gt") out = a > b;
  else if (op == "ge") out = a >= b;
  else if (op == "ult") out = ua < ub;
  else if (op == "ule") out = ua <= ub;
  else if (op == "ugt") out = ua > ub;
  else if (op == "uge") out = ua >= ub;
  else if (op == "and") out = a & b;
  else if (op == "or") out = a | b;
  else if (op == "xor") out = a ^ b;
  else if (op == "max") out = std::max(a, b);
  else if (op == "min") out = std::min(a, b);
  else if (op == "floordiv") out = a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
  else if (op == "ceildiv") out = a / b + ((a % b != 0) && ((a < 0) == (b < 0)));
  else {
    error = "unknown grid operation '" + op + "'";
    return false;
  }
  return true;
}

bool tilec::abi::evaluateExpression(const std::string &expression,
                                    const std::map<std::string, int64_t> &dims,
                                    const std::map<std::string, int64_t> &scalars,
                                    int64_t &value, std::string &error) {
  try {
    return evaluate(json::parse(expression), dims, scalars, value, error);
  } catch (const std::exception &e) {
    error = std::string("bad expression: ") + e.what();
    return false;
  }
}

bool tilec::abi::conditionsHold(const std::vector<std::string> &when,
                                const std::map<std::string, int64_t> &dims,
                                const std::map<std::string, int64_t> &scalars, bool &holds,
                                std::string &error) {
  holds = true;
  for (const std::string &condition : when) {
    int64_t value;
    if (!evaluateExpression(condition, dims, scalars, value, error))
      return false;
    if (value == 0) {
      holds = false;
      return true;
    }
  }
  return true;
}

bool tilec::abi::checkRequirements(const KernelSpec &spec,
                                   const std::map<std::string, int64_t> &dims,
                                   const std::map<std::string, int64_t> &scalars,
                                   std::string &error) {
  for (const RequirementSpec &requirement : spec.requirements) {
    bool applies;
    if (!conditionsHold(requirement.when, dims, scalars, applies, error))
      return false;
    int64_t value = 1;
    if (applies && !evaluateExpression(requirement.holds, dims, scalars, value, error))
      return false;
    if (value != 0)
      continue;
    error = "kernel '" + spec.kernel + "': " + requirement.message;
    if (!requirement.location.empty())
      error += " (the assert at " + requirement.location + ")";
    std::string bound;
    for (const auto &[name, extent] : dims)
      bound += (bound.empty() ? "" : ", ") + name + "=" + std::to_string(extent);
    for (const auto &[name, scalar] : scalars)
      bound += (bound.empty() ? "" : ", ") + name + "=" + std::to_string(scalar);
    if (!bound.empty())
      error += "; the arguments give " + bound;
    return false;
  }
  return true;
}

bool tilec::abi::workspaceBytes(const KernelSpec &spec,
                                const std::map<std::string, int64_t> &dims,
                                const std::map<std::string, int64_t> &scalars,
                                std::vector<uint64_t> &bytes, std::string &error) {
  constexpr uint64_t kLimit = uint64_t(1) << 48;
  bytes.clear();
  uint64_t total = 0;
  for (const WorkspaceSpec &workspace : spec.workspaces) {
    uint64_t size = dtypeSize(workspace.dtype);
    for (const std::string &extent : workspace.extents) {
      int64_t value;
      if (!evaluateExpression(extent, dims, scalars, value, error))
        return false;
      if (value < 0) {
        error = "workspace '" + workspace.name + "' has a negative extent " +
                std::to_string(value);
        return false;
      }
      if (value != 0 && size > kLimit / static_cast<uint64_t>(value)) {
        error = "workspace '" + workspace.name + "' is larger than 2^48 bytes";
        return false;
      }
      size *= static_cast<uint64_t>(value);
    }
    total += size;
    if (total > kLimit) {
      error = "the workspaces take more than 2^48 bytes";
      return false;
    }
    bytes.push_back(size);
  }
  return true;
}
