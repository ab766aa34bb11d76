//===- LaunchPlan.cpp - from metadata and arguments to a launch -----------===//

#include "runtime/cuda/LaunchPlan.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include <cstring>

using json = nlohmann::json;
using namespace tilec::gpu;

size_t tilec::gpu::dtypeBytes(const std::string &dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"float16", 2}, {"bfloat16", 2}, {"float32", 4}, {"float64", 8},
      {"float8_e4m3", 1}, {"float8_e5m2", 1}, {"int8", 1}, {"uint8", 1},
      {"int16", 2}, {"int32", 4}, {"int64", 8}, {"bool", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::unique_ptr<KernelSpec> KernelSpec::parse(const std::string &text, std::string &error) {
  try {
    json meta = json::parse(text);
    auto spec = std::make_unique<KernelSpec>();
    spec->kernel = meta.at("kernel").get<std::string>();
    spec->target = meta.value("target", "");
    spec->compiler = meta.value("compiler", "");
    spec->hash = meta.value("hash", "");
    for (const json &p : meta.at("params")) {
      ParamSpec param;
      param.name = p.at("name").get<std::string>();
      param.isTensor = p.at("kind").get<std::string>() == "tensor";
      param.dtype = p.at("dtype").get<std::string>();
      if (dtypeBytes(param.dtype) == 0) {
        error = "parameter '" + param.name + "' has an unknown dtype '" + param.dtype + "'";
        return nullptr;
      }
      if (param.isTensor)
        for (const json &d : p.at("shape")) {
          if (d.is_string()) {
            param.dimNames.push_back(d.get<std::string>());
            param.extents.push_back(-1);
          } else {
            param.dimNames.emplace_back();
            param.extents.push_back(d.get<int64_t>());
          }
        }
      spec->params.push_back(std::move(param));
    }
    for (const json &l : meta.at("launches")) {
      LaunchSpec launch;
      launch.symbol = l.at("symbol").get<std::string>();
      launch.threads = l.at("threads").get<int64_t>();
      launch.sharedBytes = l.value("shared_bytes", int64_t(0));
      const json &grid = l.at("grid");
      for (size_t i = 0; i < 3; ++i)
        launch.grid[i] = i < grid.size() ? grid[i].dump() : "1";
      for (const json &condition : l.value("when", json::array()))
        launch.when.push_back(condition.dump());
      for (const json &m : l.value("tensor_maps", json::array())) {
        TensorMapSpec map;
        map.param = m.at("param").get<size_t>();
        map.box = m.at("box").get<std::vector<int64_t>>();
        map.swizzle = m.at("swizzle").get<int64_t>();
        if (map.param >= spec->params.size() || !spec->params[map.param].isTensor ||
            map.box.size() != spec->params[map.param].extents.size()) {
          error = "a tensor map names parameter " + std::to_string(map.param) +
                  ", which is not a tensor of its rank";
          return nullptr;
        }
        launch.tensorMaps.push_back(std::move(map));
      }
      if (launch.threads <= 0 || launch.threads > 1024) {
        error = "threads out of range";
        return nullptr;
      }
      if (launch.sharedBytes < 0 || launch.sharedBytes > (int64_t(1) << 31)) {
        error = "shared_bytes out of range";
        return nullptr;
      }
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

/// Evaluates a grid expression; false (with `error`) on an unknown name or
/// a division by zero.
static bool evaluate(const json &expr, const std::map<std::string, int64_t> &symbols,
                     const std::map<std::string, int64_t> &scalars, int64_t &out,
                     std::string &error) {
  if (expr.is_number_integer()) {
    out = expr.get<int64_t>();
    return true;
  }
  if (expr.is_object()) {
    bool isDim = expr.contains("dim");
    std::string name = (isDim ? expr["dim"] : expr.value("param", json(""))).get<std::string>();
    const auto &table = isDim ? symbols : scalars;
    auto it = table.find(name);
    if (it == table.end()) {
      error = "a launch's grid or condition uses '" + name + "', which no argument binds";
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
  if (!evaluate(expr[1], symbols, scalars, a, error) ||
      !evaluate(expr[2], symbols, scalars, b, error))
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

/// Whether `value` is representable in the integer dtype `dtype`.
static bool integerFits(const std::string &dtype, int64_t value) {
  if (dtype == "bool")
    return value == 0 || value == 1;
  if (dtype == "uint8")
    return value >= 0 && value <= 255;
  size_t bits = 8 * dtypeBytes(dtype);
  if (bits >= 64)
    return true;
  int64_t limit = int64_t(1) << (bits - 1);
  return value >= -limit && value < limit;
}

/// Appends a parameter value to a launch's storage (8-byte slots).
static void pushParam(LaunchPlan &plan, const void *value, size_t bytes) {
  plan.offsets.push_back(plan.storage.size());
  uint64_t slot = 0;
  std::memcpy(&slot, value, bytes);
  plan.storage.push_back(slot);
}

/// Adds the launch's TMA tensor maps (and their flags) after the parameters.
static void planTensorMaps(const LaunchSpec &launch, const std::vector<Argument> &args,
                           LaunchPlan &plan) {
  if (launch.tensorMaps.empty())
    return;
  // TMA's rules: at most 5 dimensions, a 16-byte aligned base, strides
  // that are multiples of 16 bytes, boxes of at most 256 per dimension.
  uint32_t flags = 0;
  for (const TensorMapSpec &map : launch.tensorMaps) {
    bool usable = plan.tensorMaps.size() < 31; // one bit each (as the compiler caps them)
    const Argument &arg = args[map.param];
    TensorMapRequest request;
    request.pointer = arg.pointer;
    request.dtype = arg.dtype;
    request.shape = arg.shape;
    request.box = map.box;
    request.swizzle = map.swizzle;
    size_t bytes = dtypeBytes(arg.dtype);
    usable = usable && arg.shape.size() <= 5 && arg.pointer % 16 == 0;
    int64_t stride = static_cast<int64_t>(bytes);
    for (int d = static_cast<int>(arg.shape.size()) - 1; d >= 0; --d) {
      usable = usable && arg.shape[d] >= 1 && map.box[d] >= 1 && map.box[d] <= 256;
      if (d < static_cast<int>(arg.shape.size()) - 1)
        usable = usable && stride % 16 == 0 && stride < (int64_t(1) << 40);
      stride *= std::max<int64_t>(arg.shape[d], 1);
    }
    request.usable = usable;
    if (usable)
      flags |= 1u << plan.tensorMaps.size();
    plan.tensorMaps.push_back(std::move(request));
  }
  plan.tensorMapsUsable = flags == (uint64_t(1) << plan.tensorMaps.size()) - 1;
  plan.tensorMapFlagOffset = plan.storage.size();
  pushParam(plan, &flags, 4);
  for (TensorMapRequest &request : plan.tensorMaps) {
    // 128 bytes, filled in by the driver-side encoder.
    request.offset = plan.storage.size();
    plan.offsets.push_back(plan.storage.size());
    plan.storage.resize(plan.storage.size() + 16, 0);
  }
}

bool tilec::gpu::planKernel(const KernelSpec &spec, const std::vector<Argument> &args,
                            KernelPlan &kernelPlan, std::string &error) {
  if (args.size() != spec.params.size()) {
    error = "kernel '" + spec.kernel + "' takes " + std::to_string(spec.params.size()) +
            " arguments, got " + std::to_string(args.size());
    return false;
  }
  kernelPlan = KernelPlan();
  // The parameters every launch takes; each launch adds its tensor maps.
  LaunchPlan plan;
  std::map<std::string, std::string> symbolSource;
  std::map<std::string, int64_t> scalars;
  auto push = [&](const void *value, size_t bytes) { pushParam(plan, value, bytes); };
  for (size_t i = 0; i < args.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    const Argument &arg = args[i];
    std::string what = "argument " + std::to_string(i) + " ('" + param.name + "')";
    if (param.isTensor != arg.isTensor) {
      error = what + " must be a " + (param.isTensor ? "tensor" : "scalar");
      return false;
    }
    if (!param.isTensor) {
      size_t bytes = dtypeBytes(param.dtype);
      if (param.dtype == "float32") {
        float v = static_cast<float>(arg.scalarIsFloat ? arg.floatValue : arg.intValue);
        push(&v, 4);
      } else if (param.dtype == "float64") {
        double v = arg.scalarIsFloat ? arg.floatValue : double(arg.intValue);
        push(&v, 8);
      } else if (param.dtype.rfind("float", 0) == 0 || param.dtype == "bfloat16") {
        error = what + ": scalar dtype " + param.dtype + " is not supported at launch";
        return false;
      } else {
        if (arg.scalarIsFloat) {
          error = what + " is an integer (" + param.dtype + "), got a float";
          return false;
        }
        int64_t v = arg.intValue;
        if (!integerFits(param.dtype, v)) {
          error = what + " is " + std::to_string(v) + ", outside the range of " + param.dtype;
          return false;
        }
        push(&v, bytes);
        scalars[param.name] = v;
      }
      continue;
    }
    if (arg.dtype != param.dtype) {
      error = what + " must be " + param.dtype + ", got " + arg.dtype;
      return false;
    }
    if (arg.shape.size() != param.extents.size()) {
      error = what + " must have rank " + std::to_string(param.extents.size()) + ", got " +
              std::to_string(arg.shape.size());
      return false;
    }
    // The kernel addresses tensors in C order with no gaps.
    int64_t expected = 1;
    for (int d = static_cast<int>(arg.shape.size()) - 1; d >= 0; --d) {
      if (!arg.strides.empty() && arg.shape[d] != 1 && arg.strides[d] != expected) {
        error = what + " must be contiguous (C order); dimension " + std::to_string(d) +
                " has stride " + std::to_string(arg.strides[d]) + ", expected " +
                std::to_string(expected);
        return false;
      }
      expected *= arg.shape[d];
    }
    if (arg.pointer % dtypeBytes(param.dtype) != 0) {
      error = what + " is not aligned to its element size";
      return false;
    }
    if (arg.pointer == 0 && expected != 0) {
      error = what + " is a null pointer";
      return false;
    }
    for (size_t d = 0; d < arg.shape.size(); ++d) {
      if (arg.shape[d] < 0) {
        error = what + " has a negative dimension";
        return false;
      }
      if (param.dimNames[d].empty()) {
        if (arg.shape[d] != param.extents[d]) {
          error = what + " dimension " + std::to_string(d) + " must be " +
                  std::to_string(param.extents[d]) + ", got " + std::to_string(arg.shape[d]);
          return false;
        }
        continue;
      }
      auto [it, inserted] = kernelPlan.symbols.emplace(param.dimNames[d], arg.shape[d]);
      if (inserted) {
        symbolSource[param.dimNames[d]] = param.name;
      } else if (it->second != arg.shape[d]) {
        error = "dimension '" + param.dimNames[d] + "' is " + std::to_string(it->second) +
                " in '" + symbolSource[param.dimNames[d]] + "' but " +
                std::to_string(arg.shape[d]) + " in '" + param.name + "'";
        return false;
      }
    }
    push(&arg.pointer, 8);
    for (size_t d = 0; d < arg.shape.size(); ++d)
      if (!param.dimNames[d].empty())
        push(&arg.shape[d], 8);
  }
  for (size_t l = 0; l < spec.launches.size(); ++l) {
    const LaunchSpec &launch = spec.launches[l];
    bool runs = true;
    for (const std::string &condition : launch.when) {
      int64_t value;
      if (!evaluate(json::parse(condition), kernelPlan.symbols, scalars, value, error))
        return false;
      if (value == 0) {
        runs = false; // later conditions may assume this one (a guarded division)
        break;
      }
    }
    if (!runs)
      continue;
    LaunchPlan launchPlan = plan;
    launchPlan.launch = l;
    for (size_t i = 0; i < 3; ++i) {
      int64_t extent;
      if (!evaluate(json::parse(launch.grid[i]), kernelPlan.symbols, scalars, extent, error))
        return false;
      if (extent < 0 || extent > (i == 0 ? 2147483647LL : 65535LL)) {
        error = "grid dimension " + std::to_string(i) + " is " + std::to_string(extent) +
                ", outside what a launch allows";
        return false;
      }
      launchPlan.grid[i] = static_cast<uint32_t>(extent);
    }
    if (launchPlan.grid[0] == 0 || launchPlan.grid[1] == 0 || launchPlan.grid[2] == 0)
      continue; // an empty grid: nothing to run
    planTensorMaps(launch, args, launchPlan);
    launchPlan.threads = static_cast<uint32_t>(launch.threads);
    launchPlan.sharedBytes = static_cast<uint32_t>(launch.sharedBytes);
    kernelPlan.launches.push_back(std::move(launchPlan));
  }
  return true;
}
