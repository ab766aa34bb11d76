//===- LaunchPlan.cpp - from metadata and arguments to a launch -----------===//

#include "runtime/launch/LaunchPlan.h"

#include <algorithm>
#include <cstring>

using namespace tilec;
using namespace tilec::gpu;

/// Appends a parameter value to a launch's storage (8-byte slots).
static void pushParam(LaunchPlan &plan, const void *value, size_t bytes) {
  plan.offsets.push_back(plan.storage.size());
  uint64_t slot = 0;
  std::memcpy(&slot, value, bytes);
  plan.storage.push_back(slot);
}

std::vector<uint64_t> tilec::gpu::byteStrides(DType dtype, const std::vector<int64_t> &shape,
                                              uint64_t rowPitch) {
  std::vector<uint64_t> strides(shape.size());
  uint64_t stride = dtypeSize(dtype);
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = stride;
    stride = d == static_cast<int>(shape.size()) - 1 && rowPitch
                 ? rowPitch
                 : stride * static_cast<uint64_t>(std::max<int64_t>(shape[d], 1));
  }
  return strides;
}

/// Whether TMA can address `shape` at `pointer` with rows `rowPitch` bytes
/// apart (0: the tensor's own, contiguous) through `box`: at most 5
/// dimensions, a 16-byte aligned base, strides that are multiples of 16
/// bytes and below 2^40, boxes of at most 256 per dimension.
static bool tmaAddressable(uint64_t pointer, DType dtype, const std::vector<int64_t> &shape,
                           const std::vector<int64_t> &box, uint64_t rowPitch) {
  bool usable = shape.size() <= 5 && pointer % 16 == 0;
  std::vector<uint64_t> strides = byteStrides(dtype, shape, rowPitch);
  for (size_t d = 0; d < shape.size(); ++d) {
    usable = usable && shape[d] >= 1 && box[d] >= 1 && box[d] <= 256;
    if (d + 1 < shape.size())
      usable = usable && strides[d] % 16 == 0 && strides[d] < (uint64_t(1) << 40);
  }
  return usable;
}

/// Whether tensor argument `i` shares memory with a tensor argument the
/// kernel may write (one tensor passed twice, say): a copy of it made
/// before the first launch would miss what a launch writes there.
static bool overlapsWrittenTensor(const KernelSpec &spec, const std::vector<Argument> &args,
                                  size_t i) {
  auto range = [&](size_t a) {
    uint64_t bytes = dtypeSize(args[a].dtype);
    for (int64_t extent : args[a].shape)
      bytes *= static_cast<uint64_t>(extent);
    return std::make_pair(args[a].pointer, args[a].pointer + bytes);
  };
  auto [first, end] = range(i);
  for (size_t a = 0; a < args.size(); ++a) {
    if (a == i || !args[a].isTensor || spec.params[a].readOnly)
      continue;
    auto [otherFirst, otherEnd] = range(a);
    if (first < otherEnd && otherFirst < end)
      return true;
  }
  return false;
}

/// The launch's TMA tensor maps and which of them the arguments allow. A
/// map TMA cannot address over a read-only tensor of two or more
/// dimensions is built over an aligned copy of it (see `AlignedCopy`)
/// where the copy's padded rows fix what was wrong, unless the tensor
/// shares memory with one the kernel writes.
static void requestTensorMaps(const KernelSpec &spec, const LaunchSpec &launch,
                              const std::vector<Argument> &args, KernelPlan &kernelPlan,
                              LaunchPlan &plan) {
  for (const TensorMapSpec &map : launch.tensorMaps) {
    const Argument &arg = args[map.param];
    TensorMapRequest request;
    request.pointer = arg.pointer;
    request.dtype = arg.dtype;
    request.shape = arg.shape;
    request.box = map.box;
    request.swizzle = map.swizzle;
    bool flagBit = plan.tensorMaps.size() < 31; // one flag bit each (as the compiler caps them)
    request.usable =
        flagBit && tmaAddressable(arg.pointer, arg.dtype, arg.shape, map.box, /*rowPitch=*/0);
    uint64_t rowBytes = arg.shape.empty() ? 0 : arg.shape.back() * dtypeSize(arg.dtype);
    uint64_t pitch = (rowBytes + 15) / 16 * 16;
    if (!request.usable && flagBit && spec.params[map.param].readOnly && arg.shape.size() >= 2 &&
        // The copy is allocated aligned; only its rows may still be wrong.
        tmaAddressable(/*pointer=*/0, arg.dtype, arg.shape, map.box, pitch) &&
        !overlapsWrittenTensor(spec, args, map.param)) {
      auto copy = std::find_if(kernelPlan.alignedCopies.begin(), kernelPlan.alignedCopies.end(),
                               [&](const AlignedCopy &c) { return c.param == map.param; });
      if (copy == kernelPlan.alignedCopies.end()) {
        AlignedCopy entry;
        entry.param = map.param;
        entry.source = arg.pointer;
        entry.rowBytes = rowBytes;
        entry.pitch = pitch;
        entry.rows = 1;
        for (size_t d = 0; d + 1 < arg.shape.size(); ++d)
          entry.rows *= static_cast<uint64_t>(arg.shape[d]);
        kernelPlan.alignedCopies.push_back(entry);
        copy = std::prev(kernelPlan.alignedCopies.end());
      }
      request.alignedCopy = static_cast<int>(copy - kernelPlan.alignedCopies.begin());
      request.rowPitch = pitch;
      request.pointer = 0; // the copy's, at launch
      request.usable = true;
    }
    plan.tensorMaps.push_back(std::move(request));
  }
}

/// Fills the launch's parameter slots (lib/ABI/KernelSignature.h) from
/// checked arguments.
static void fillParameters(const KernelSpec &spec, const LaunchSpec &launch,
                           const std::vector<Argument> &args, LaunchPlan &plan) {
  uint32_t flags = 0;
  for (size_t i = 0; i < plan.tensorMaps.size(); ++i)
    if (plan.tensorMaps[i].usable)
      flags |= 1u << i;
  plan.tensorMapsUsable =
      !plan.tensorMaps.empty() && flags == (uint64_t(1) << plan.tensorMaps.size()) - 1;
  for (const abi::ParameterSlot &slot :
       abi::kernelParameterSlots(spec.params, spec.workspaces.size(),
                                 launch.tensorMaps.size())) {
    switch (slot.kind) {
    case abi::SlotKind::TensorPointer:
      pushParam(plan, &args[slot.index].pointer, 8);
      break;
    case abi::SlotKind::DimExtent:
      pushParam(plan, &args[slot.index].shape[slot.dim], 8);
      break;
    case abi::SlotKind::Scalar: {
      const Argument &arg = args[slot.index];
      DType dtype = spec.params[slot.index].dtype;
      if (dtype == DType::F32) {
        float v = static_cast<float>(arg.scalarIsFloat ? arg.floatValue : arg.intValue);
        pushParam(plan, &v, 4);
      } else if (dtype == DType::F64) {
        double v = arg.scalarIsFloat ? arg.floatValue : double(arg.intValue);
        pushParam(plan, &v, 8);
      } else {
        pushParam(plan, &arg.intValue, dtypeSize(dtype));
      }
      break;
    }
    case abi::SlotKind::Workspace: {
      // The address of the call's allocation, written at launch.
      uint64_t unset = 0;
      plan.workspaceOffsets.push_back(plan.storage.size());
      pushParam(plan, &unset, 8);
      break;
    }
    case abi::SlotKind::TensorMapFlags:
      plan.tensorMapFlagOffset = plan.storage.size();
      pushParam(plan, &flags, 4);
      break;
    case abi::SlotKind::TensorMap:
      // 128 bytes, filled in by the driver-side encoder.
      plan.tensorMaps[slot.index].offset = plan.storage.size();
      plan.offsets.push_back(plan.storage.size());
      plan.storage.resize(plan.storage.size() + 16, 0);
      break;
    }
  }
}

/// Checks one argument against its parameter and binds its symbolic
/// dimensions and integer value; false with `error` on a mismatch.
static bool checkArgument(size_t i, const ParamSpec &param, const Argument &arg,
                          std::map<std::string, int64_t> &symbols,
                          std::map<std::string, std::string> &symbolSource,
                          std::map<std::string, int64_t> &scalars, std::string &error) {
  std::string what = "argument " + std::to_string(i) + " ('" + param.name + "')";
  if (param.isTensor != arg.isTensor) {
    error = what + " must be a " + (param.isTensor ? "tensor" : "scalar");
    return false;
  }
  if (!param.isTensor) {
    if (param.dtype == DType::F32 || param.dtype == DType::F64)
      return true;
    if (isFloatDType(param.dtype)) {
      error = what + ": scalar dtype " + dtypeName(param.dtype) + " is not supported at launch";
      return false;
    }
    if (arg.scalarIsFloat) {
      error = what + " is an integer (" + dtypeName(param.dtype) + "), got a float";
      return false;
    }
    if (!integerFits(param.dtype, arg.intValue)) {
      error = what + " is " + std::to_string(arg.intValue) + ", outside the range of " +
              dtypeName(param.dtype);
      return false;
    }
    scalars[param.name] = arg.intValue;
    return true;
  }
  if (arg.dtype != param.dtype) {
    error = what + " must be " + dtypeName(param.dtype) + ", got " + dtypeName(arg.dtype);
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
  if (arg.pointer % dtypeSize(param.dtype) != 0) {
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
    auto [it, inserted] = symbols.emplace(param.dimNames[d], arg.shape[d]);
    if (inserted) {
      symbolSource[param.dimNames[d]] = param.name;
    } else if (it->second != arg.shape[d]) {
      error = "dimension '" + param.dimNames[d] + "' is " + std::to_string(it->second) +
              " in '" + symbolSource[param.dimNames[d]] + "' but " +
              std::to_string(arg.shape[d]) + " in '" + param.name + "'";
      return false;
    }
  }
  return true;
}

bool tilec::gpu::planKernel(const KernelSpec &spec, const std::vector<Argument> &args,
                            KernelPlan &kernelPlan, std::string &error) {
  if (args.size() != spec.params.size()) {
    error = "kernel '" + spec.kernel + "' takes " + std::to_string(spec.params.size()) +
            " arguments, got " + std::to_string(args.size());
    return false;
  }
  kernelPlan = KernelPlan();
  std::map<std::string, std::string> symbolSource;
  std::map<std::string, int64_t> scalars;
  for (size_t i = 0; i < args.size(); ++i)
    if (!checkArgument(i, spec.params[i], args[i], kernelPlan.symbols, symbolSource, scalars,
                       error))
      return false;
  if (!abi::checkRequirements(spec, kernelPlan.symbols, scalars, error))
    return false;
  if (!abi::workspaceBytes(spec, kernelPlan.symbols, scalars, kernelPlan.workspaceBytes, error))
    return false;
  kernelPlan.workspaceZeroFill.clear();
  for (const abi::WorkspaceSpec &workspace : spec.workspaces)
    kernelPlan.workspaceZeroFill.push_back(workspace.zeroFill);
  for (size_t l = 0; l < spec.launches.size(); ++l) {
    const LaunchSpec &launch = spec.launches[l];
    bool runs;
    if (!abi::conditionsHold(launch.when, kernelPlan.symbols, scalars, runs, error))
      return false;
    if (!runs)
      continue;
    LaunchPlan plan;
    plan.launch = l;
    for (size_t i = 0; i < 3; ++i) {
      int64_t extent;
      if (!abi::evaluateExpression(launch.grid[i], kernelPlan.symbols, scalars, extent, error))
        return false;
      if (extent < 0 || extent > (i == 0 ? 2147483647LL : 65535LL)) {
        error = "grid dimension " + std::to_string(i) + " is " + std::to_string(extent) +
                ", outside what a launch allows";
        return false;
      }
      plan.grid[i] = static_cast<uint32_t>(extent);
    }
    if (plan.grid[0] == 0 || plan.grid[1] == 0 || plan.grid[2] == 0)
      continue; // an empty grid: nothing to run
    requestTensorMaps(spec, launch, args, kernelPlan, plan);
    fillParameters(spec, launch, args, plan);
    plan.threads = static_cast<uint32_t>(launch.threads);
    plan.sharedBytes = static_cast<uint32_t>(launch.sharedBytes);
    kernelPlan.launches.push_back(std::move(plan));
  }
  return true;
}

std::vector<LaunchPlan> tilec::gpu::withWorkspaces(const KernelPlan &plan,
                                                   const std::vector<uint64_t> &addresses) {
  std::vector<LaunchPlan> launches = plan.launches;
  for (LaunchPlan &launch : launches)
    for (size_t w = 0; w < launch.workspaceOffsets.size() && w < addresses.size(); ++w)
      launch.storage[launch.workspaceOffsets[w]] = addresses[w];
  return launches;
}

bool tilec::gpu::runWithWorkspaces(
    const KernelPlan &plan,
    const std::function<bool(uint64_t, uint64_t &, std::string &)> &allocate,
    const std::function<bool(uint64_t, uint64_t, std::string &)> &zero,
    const std::function<bool(const std::vector<LaunchPlan> &, std::string &)> &launch,
    const std::function<void(uint64_t)> &release, std::string &error) {
  constexpr uint64_t kAlignment = 256;
  std::vector<uint64_t> offsets;
  uint64_t total = 0;
  for (uint64_t bytes : plan.workspaceBytes) {
    total = (total + kAlignment - 1) / kAlignment * kAlignment;
    offsets.push_back(total);
    total += bytes;
  }
  uint64_t base = 0;
  bool ok = total == 0 || allocate(total, base, error);
  // Consecutive workspaces that need the zero fill are cleared together
  // (with the padding between them).
  auto needsZero = [&](size_t w) {
    return plan.workspaceBytes[w] != 0 &&
           (w >= plan.workspaceZeroFill.size() || plan.workspaceZeroFill[w]);
  };
  for (size_t w = 0; ok && w < offsets.size();) {
    if (!needsZero(w)) {
      ++w;
      continue;
    }
    size_t last = w;
    while (last + 1 < offsets.size() && needsZero(last + 1))
      ++last;
    uint64_t end = offsets[last] + plan.workspaceBytes[last];
    ok = zero(base + offsets[w], end - offsets[w], error);
    w = last + 1;
  }
  std::vector<uint64_t> addresses;
  for (size_t w = 0; w < offsets.size(); ++w)
    addresses.push_back(plan.workspaceBytes[w] == 0 ? 0 : base + offsets[w]);
  if (ok)
    ok = launch(withWorkspaces(plan, addresses), error);
  if (base)
    release(base); // a failure here leaves the first error
  return ok;
}
