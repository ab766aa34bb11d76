//===- HipKernel.cpp - load and launch tilec kernels through HIP ----------===//

#include "runtime/hip/HipKernel.h"

#define __HIP_PLATFORM_AMD__ 1
#include <hip/hip_runtime_api.h>

#include "runtime/launch/DynamicLibrary.h"
#include "runtime/launch/OncePerDevice.h"

using namespace tilec::gpu;

namespace {
/// HIP's module API, found in libamdhip64 at first use.
struct Hip {
#define TILEC_HIP_FUNCTIONS(X)                                                 \
  X(hipInit) X(hipGetErrorString) X(hipModuleLoadData) X(hipModuleGetFunction) \
  X(hipModuleUnload) X(hipModuleLaunchKernel) X(hipFuncSetAttribute)           \
  X(hipMemsetAsync) X(hipFreeAsync) X(hipGetDevice) X(hipDeviceGetDefaultMemPool)   \
  X(hipMemPoolSetAttribute)
#define TILEC_DECLARE(name) decltype(&::name) name = nullptr;
  TILEC_HIP_FUNCTIONS(TILEC_DECLARE)
#undef TILEC_DECLARE
  /// C++ overloads it with a template: the C entry point's type, spelled out.
  hipError_t (*hipMallocAsync)(void **, size_t, hipStream_t) = nullptr;
  bool loaded = false;
  std::string error;

  static Hip &get() {
    static Hip hip = load();
    return hip;
  }

private:
  static Hip load() {
    Hip h;
    DynamicLibrary library;
#define TILEC_BIND(name) &&library.bind(h.name, #name)
    h.loaded = library.open({"libamdhip64.so.5", "libamdhip64.so"}, "the HIP runtime")
                   TILEC_HIP_FUNCTIONS(TILEC_BIND) TILEC_BIND(hipMallocAsync);
#undef TILEC_BIND
    h.error = library.error;
    return h;
  }
};

bool check(hipError_t result, const char *what, std::string &error) {
  if (result == hipSuccess)
    return true;
  const char *text = Hip::get().hipGetErrorString ? Hip::get().hipGetErrorString(result) : "";
  error = std::string(what) + " failed: " + (text ? text : "") + " (" +
          std::to_string(static_cast<int>(result)) + ")";
  return false;
}
} // namespace

/// Lets the current device's default memory pool keep the memory that
/// workspaces release, so that the next call's allocation does not map it
/// again (the pool's default threshold returns it at each synchronization).
/// Once per device, when a kernel is loaded.
static bool keepPooledMemory(std::string &error) {
  static OncePerDevice once;
  const Hip &hip = Hip::get();
  int device = 0;
  if (!check(hip.hipGetDevice(&device), "hipGetDevice", error))
    return false;
  return once.run(device, [&] {
    hipMemPool_t pool = nullptr;
    uint64_t threshold = ~uint64_t(0);
    return check(hip.hipDeviceGetDefaultMemPool(&pool, device), "hipDeviceGetDefaultMemPool",
                 error) &&
           check(hip.hipMemPoolSetAttribute(pool, hipMemPoolAttrReleaseThreshold, &threshold),
                 "hipMemPoolSetAttribute", error);
  });
}

std::unique_ptr<HipKernel> HipKernel::load(const std::string &codeObject,
                                           const std::string &metadataJson,
                                           std::string &error) {
  std::unique_ptr<HipKernel> kernel(new HipKernel());
  kernel->kernelSpec = KernelSpec::parse(metadataJson, error);
  if (!kernel->kernelSpec)
    return nullptr;
  Hip &hip = Hip::get();
  if (!hip.loaded) {
    error = hip.error;
    return nullptr;
  }
  hipModule_t module = nullptr;
  if (!check(hip.hipInit(0), "hipInit", error) || !keepPooledMemory(error) ||
      !check(hip.hipModuleLoadData(&module, codeObject.data()), "hipModuleLoadData", error))
    return nullptr;
  kernel->module = module;
  for (const LaunchSpec &launch : kernel->kernelSpec->launches) {
    hipFunction_t function = nullptr;
    if (!check(hip.hipModuleGetFunction(&function, module, launch.symbol.c_str()),
               "hipModuleGetFunction", error))
      return nullptr;
    if (launch.sharedBytes > 64 * 1024 &&
        !check(hip.hipFuncSetAttribute(reinterpret_cast<const void *>(function),
                                       hipFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(launch.sharedBytes)),
               "hipFuncSetAttribute", error))
      return nullptr;
    kernel->functions.push_back(function);
  }
  return kernel;
}

HipKernel::~HipKernel() {
  if (module)
    (void)Hip::get().hipModuleUnload(static_cast<hipModule_t>(module)); // nothing to do on failure
}

bool HipKernel::launch(const KernelPlan &plan, void *stream, std::string &error) {
  if (plan.workspaceBytes.empty())
    return launchAll(plan.launches, stream, error);
  // Stream-ordered workspaces: one allocation, zero-filled where the kernel
  // may read before it writes, used, released.
  const Hip &hip = Hip::get();
  auto hipStream = static_cast<hipStream_t>(stream);
  return runWithWorkspaces(
      plan,
      [&](uint64_t bytes, uint64_t &address, std::string &message) {
        void *pointer = nullptr;
        bool ok = check(hip.hipMallocAsync(&pointer, bytes, hipStream),
                        "hipMallocAsync (workspace)", message);
        address = reinterpret_cast<uint64_t>(pointer);
        return ok;
      },
      [&](uint64_t address, uint64_t bytes, std::string &message) {
        return check(hip.hipMemsetAsync(reinterpret_cast<void *>(address), 0, bytes, hipStream),
                     "hipMemsetAsync", message);
      },
      [&](const std::vector<LaunchPlan> &launches, std::string &message) {
        return launchAll(launches, stream, message);
      },
      [&](uint64_t address) {
        (void)hip.hipFreeAsync(reinterpret_cast<void *>(address), hipStream);
      },
      error);
}

bool HipKernel::launchAll(const std::vector<LaunchPlan> &launches, void *stream,
                          std::string &error) {
  std::vector<void *> params;
  for (const LaunchPlan &launch : launches) {
    params.clear();
    for (size_t offset : launch.offsets)
      params.push_back(const_cast<uint64_t *>(&launch.storage[offset]));
    if (!check(Hip::get().hipModuleLaunchKernel(
                   static_cast<hipFunction_t>(functions.at(launch.launch)), launch.grid[0],
                   launch.grid[1], launch.grid[2], launch.threads, 1, 1, launch.sharedBytes,
                   static_cast<hipStream_t>(stream), params.data(), nullptr),
               "hipModuleLaunchKernel", error))
      return false;
  }
  return true;
}

bool HipKernel::launch(const std::vector<Argument> &args, void *stream, std::string &error) {
  KernelPlan plan;
  return planKernel(*kernelSpec, args, plan, error) && launch(plan, stream, error);
}
