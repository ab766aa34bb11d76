//===- CudaKernel.cpp - load and launch tilec kernels (CUDA driver API) ---===//

#include "runtime/cuda/CudaKernel.h"

#include <nlohmann/json.hpp>

#include "runtime/launch/DynamicLibrary.h"
#include "runtime/launch/OncePerDevice.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace tilec;
using namespace tilec::gpu;

namespace {
/// The driver entry points, found in libcuda at first use: programs linked
/// with this runtime start (and report a clear error) on machines without a
/// GPU driver.
struct Driver {
#define TILEC_DRIVER_FUNCTIONS(X)                                              \
  X(cuInit) X(cuGetErrorName) X(cuGetErrorString) X(cuCtxGetCurrent)           \
  X(cuDeviceGet) X(cuDevicePrimaryCtxRetain) X(cuCtxSetCurrent)                \
  X(cuModuleLoadData) X(cuModuleGetFunction) X(cuFuncSetAttribute)            \
  X(cuModuleUnload) X(cuLaunchKernel) X(cuTensorMapEncodeTiled)              \
  X(cuMemAllocAsync) X(cuMemsetD8Async) X(cuMemFreeAsync) X(cuMemcpy2DAsync_v2)    \
  X(cuCtxGetDevice) X(cuDeviceGetDefaultMemPool) X(cuMemPoolSetAttribute)
#define TILEC_DECLARE(name) decltype(&::name) name = nullptr;
  TILEC_DRIVER_FUNCTIONS(TILEC_DECLARE)
#undef TILEC_DECLARE
  bool loaded = false;
  std::string error;

  static Driver &get() {
    static Driver driver = load();
    return driver;
  }

private:
  static Driver load() {
    Driver d;
    DynamicLibrary library;
#define TILEC_BIND(name) &&library.bind(d.name, #name)
    d.loaded = library.open({"libcuda.so.1"}, "the CUDA driver")
                   TILEC_DRIVER_FUNCTIONS(TILEC_BIND);
#undef TILEC_BIND
    d.error = library.error;
    return d;
  }
};
} // namespace

static bool check(CUresult result, const char *what, std::string &error) {
  if (result == CUDA_SUCCESS)
    return true;
  const char *name = nullptr, *text = nullptr;
  Driver::get().cuGetErrorName(result, &name);
  Driver::get().cuGetErrorString(result, &text);
  error = std::string(what) + " failed: " + (name ? name : "?") + " (" + (text ? text : "") + ")";
  return false;
}

/// Makes a context current: the device's primary context (the one PyTorch
/// uses) unless the caller already set one.
static bool ensureContext(std::string &error) {
  Driver &driver = Driver::get();
  if (!driver.loaded) {
    error = driver.error;
    return false;
  }
  auto &cuInit = driver.cuInit;
  auto &cuCtxGetCurrent = driver.cuCtxGetCurrent;
  auto &cuDeviceGet = driver.cuDeviceGet;
  auto &cuDevicePrimaryCtxRetain = driver.cuDevicePrimaryCtxRetain;
  auto &cuCtxSetCurrent = driver.cuCtxSetCurrent;
  if (!check(cuInit(0), "cuInit", error))
    return false;
  CUcontext current = nullptr;
  if (!check(cuCtxGetCurrent(&current), "cuCtxGetCurrent", error))
    return false;
  if (current)
    return true;
  CUdevice device;
  CUcontext primary;
  return check(cuDeviceGet(&device, 0), "cuDeviceGet", error) &&
         check(cuDevicePrimaryCtxRetain(&primary, device), "cuDevicePrimaryCtxRetain", error) &&
         check(cuCtxSetCurrent(primary), "cuCtxSetCurrent", error);
}

/// Lets the current device's default memory pool, which the per-call
/// workspaces and padded copies come from, keep the memory they release
/// (as a caching allocator does): with the pool's default threshold of 0
/// the memory goes back to the driver at each synchronization, and the
/// next call's allocation maps it again, tens of microseconds for a few
/// megabytes. Once per device, when a kernel is loaded.
static bool keepPooledMemory(std::string &error) {
  static tilec::gpu::OncePerDevice once;
  Driver &driver = Driver::get();
  CUdevice device;
  if (!check(driver.cuCtxGetDevice(&device), "cuCtxGetDevice", error))
    return false;
  return once.run(device, [&] {
    CUmemoryPool pool;
    cuuint64_t threshold = ~cuuint64_t(0);
    return check(driver.cuDeviceGetDefaultMemPool(&pool, device), "cuDeviceGetDefaultMemPool",
                 error) &&
           check(driver.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &threshold),
                 "cuMemPoolSetAttribute", error);
  });
}

std::unique_ptr<CudaKernel> CudaKernel::load(const std::string &binary,
                                             const std::string &metadataJson,
                                             std::string &error) {
  std::unique_ptr<CudaKernel> kernel(new CudaKernel());
  kernel->kernelSpec = KernelSpec::parse(metadataJson, error);
  if (!kernel->kernelSpec || !ensureContext(error) || !keepPooledMemory(error))
    return nullptr;
  Driver &driver = Driver::get();
  auto &cuModuleLoadData = driver.cuModuleLoadData;
  auto &cuModuleGetFunction = driver.cuModuleGetFunction;
  auto &cuFuncSetAttribute = driver.cuFuncSetAttribute;
  // PTX must be NUL-terminated for the driver's JIT.
  std::string image = binary;
  image.push_back('\0');
  if (!check(cuModuleLoadData(&kernel->module, image.data()), "cuModuleLoadData", error))
    return nullptr;
  for (const LaunchSpec &launch : kernel->kernelSpec->launches) {
    CUfunction function = nullptr;
    if (!check(cuModuleGetFunction(&function, kernel->module, launch.symbol.c_str()),
               "cuModuleGetFunction", error))
      return nullptr;
    if (launch.sharedBytes > 48 * 1024 &&
        !check(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                  static_cast<int>(launch.sharedBytes)),
               "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)", error))
      return nullptr;
    kernel->functions.push_back(function);
  }
  return kernel;
}

CudaKernel::~CudaKernel() {
  if (module)
    Driver::get().cuModuleUnload(module);
}

/// Encodes one launch's tensor maps into its parameters and updates their
/// flag bits: with `copies` (the addresses of the call's aligned copies, at
/// launch) the maps over those copies, without it the others (once, when
/// the plan is made).
static void encodeLaunchTensorMaps(LaunchPlan &plan, const std::vector<uint64_t> *copies) {
  if (plan.tensorMaps.empty())
    return;
  uint32_t flags = 0;
  std::memcpy(&flags, &plan.storage[plan.tensorMapFlagOffset], 4);
  for (size_t m = 0; m < plan.tensorMaps.size(); ++m) {
    TensorMapRequest &request = plan.tensorMaps[m];
    if (!request.usable || (request.alignedCopy >= 0) != (copies != nullptr))
      continue;
    if (copies)
      request.pointer = copies->at(static_cast<size_t>(request.alignedCopy));
    flags &= ~(1u << m);
    CUtensorMapDataType type;
    if (request.dtype == DType::F16)
      type = CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
    else if (request.dtype == DType::BF16)
      type = CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
    else if (request.dtype == DType::F32)
      type = CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
    else if (request.dtype == DType::I32)
      type = CU_TENSOR_MAP_DATA_TYPE_INT32;
    else if (dtypeSize(request.dtype) == 1)
      type = CU_TENSOR_MAP_DATA_TYPE_UINT8;
    else
      continue;
    // Innermost dimension first; the strides of the dimensions past it.
    unsigned rank = request.shape.size();
    cuuint64_t dims[5], strides[5];
    cuuint32_t box[5], elementStrides[5];
    std::vector<uint64_t> byteStride = byteStrides(request.dtype, request.shape, request.rowPitch);
    for (unsigned i = 0; i < rank; ++i) {
      unsigned d = rank - 1 - i;
      dims[i] = static_cast<cuuint64_t>(request.shape[d]);
      box[i] = static_cast<cuuint32_t>(request.box[d]);
      elementStrides[i] = 1;
      if (i > 0)
        strides[i - 1] = byteStride[d];
    }
    CUtensorMapSwizzle swizzle = request.swizzle == 128  ? CU_TENSOR_MAP_SWIZZLE_128B
                                 : request.swizzle == 64 ? CU_TENSOR_MAP_SWIZZLE_64B
                                 : request.swizzle == 32 ? CU_TENSOR_MAP_SWIZZLE_32B
                                                         : CU_TENSOR_MAP_SWIZZLE_NONE;
    auto *map = reinterpret_cast<CUtensorMap *>(&plan.storage[request.offset]);
    // Elements outside the tensor read as zero (no NaN fill).
    if (Driver::get().cuTensorMapEncodeTiled(
            map, type, rank, reinterpret_cast<void *>(request.pointer), dims, strides, box,
            elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
            CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS)
      flags |= 1u << m;
  }
  // Where a map is missing the kernel copies another way (cp.async loads,
  // the block's own stores).
  std::memcpy(&plan.storage[plan.tensorMapFlagOffset], &flags, 4);
}

/// Whether calls make aligned copies (TILEC_ALIGNED_COPIES=0 turns them
/// off: the kernels then load those tensors without TMA, as a comparison).
static bool alignedCopiesEnabled() {
  static const bool enabled = [] {
    const char *value = std::getenv("TILEC_ALIGNED_COPIES");
    return !value || std::string(value) != "0";
  }();
  return enabled;
}

/// Clears the flag bits of a launch's maps over aligned copies: the kernel
/// then loads those tensors another way, from their own addresses.
static void dropAlignedCopyMaps(LaunchPlan &launch) {
  if (launch.tensorMaps.empty())
    return;
  uint32_t flags = 0;
  std::memcpy(&flags, &launch.storage[launch.tensorMapFlagOffset], 4);
  for (size_t m = 0; m < launch.tensorMaps.size(); ++m)
    if (launch.tensorMaps[m].alignedCopy >= 0)
      flags &= ~(1u << m);
  std::memcpy(&launch.storage[launch.tensorMapFlagOffset], &flags, 4);
}

void CudaKernel::encodeTensorMaps(KernelPlan &plan) {
  for (LaunchPlan &launch : plan.launches) {
    encodeLaunchTensorMaps(launch, nullptr);
    if (!alignedCopiesEnabled())
      dropAlignedCopyMaps(launch);
  }
  if (!alignedCopiesEnabled())
    plan.alignedCopies.clear();
}

bool CudaKernel::launch(const KernelPlan &plan, CUstream stream, std::string &error) {
  if (plan.alignedCopies.empty())
    return launchWithWorkspaces(plan, stream, error);
  // The padded copies, in the stream's order: allocated, filled by a
  // pitched copy, read through the maps encoded over them, released.
  const Driver &driver = Driver::get();
  KernelPlan withCopies = plan;
  std::vector<uint64_t> addresses;
  bool copied = true;
  std::string copyError;
  for (const AlignedCopy &copy : plan.alignedCopies) {
    CUdeviceptr pointer = 0;
    copied = check(driver.cuMemAllocAsync(&pointer, copy.pitch * copy.rows, stream),
                   "cuMemAllocAsync (aligned copy)", copyError);
    if (!copied)
      break;
    addresses.push_back(pointer);
    CUDA_MEMCPY2D pitched{};
    pitched.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    pitched.srcDevice = copy.source;
    pitched.srcPitch = copy.rowBytes;
    pitched.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    pitched.dstDevice = pointer;
    pitched.dstPitch = copy.pitch;
    pitched.WidthInBytes = copy.rowBytes;
    pitched.Height = copy.rows;
    copied = check(driver.cuMemcpy2DAsync_v2(&pitched, stream),
                   "cuMemcpy2DAsync (aligned copy)", copyError);
    if (!copied)
      break;
  }
  // Without its copies (no memory for them, say) the kernel still runs,
  // loading those tensors without TMA.
  for (LaunchPlan &launch : withCopies.launches) {
    if (copied)
      encodeLaunchTensorMaps(launch, &addresses);
    else
      dropAlignedCopyMaps(launch);
  }
  bool ok = launchWithWorkspaces(withCopies, stream, error);
  for (uint64_t address : addresses)
    (void)driver.cuMemFreeAsync(address, stream);
  return ok;
}

bool CudaKernel::launchWithWorkspaces(const KernelPlan &plan, CUstream stream,
                                      std::string &error) {
  if (plan.workspaceBytes.empty())
    return launchAll(plan.launches, stream, error);
  // Workspaces in the stream's order: one allocation from the device's
  // memory pool, zero-filled where the kernel may read before it writes,
  // used, released, without synchronizing.
  const Driver &driver = Driver::get();
  return runWithWorkspaces(
      plan,
      [&](uint64_t bytes, uint64_t &address, std::string &message) {
        CUdeviceptr pointer = 0;
        bool ok = check(driver.cuMemAllocAsync(&pointer, bytes, stream),
                        "cuMemAllocAsync (workspace)", message);
        address = pointer;
        return ok;
      },
      [&](uint64_t address, uint64_t bytes, std::string &message) {
        return check(driver.cuMemsetD8Async(address, 0, bytes, stream), "cuMemsetD8Async",
                     message);
      },
      [&](const std::vector<LaunchPlan> &launches, std::string &message) {
        return launchAll(launches, stream, message);
      },
      [&](uint64_t address) { (void)driver.cuMemFreeAsync(address, stream); }, error);
}

bool CudaKernel::launchAll(const std::vector<LaunchPlan> &launches, CUstream stream,
                           std::string &error) {
  std::vector<void *> params;
  for (const LaunchPlan &launch : launches) {
    params.clear();
    for (size_t offset : launch.offsets)
      params.push_back(const_cast<uint64_t *>(&launch.storage[offset]));
    if (!check(Driver::get().cuLaunchKernel(functions.at(launch.launch), launch.grid[0],
                                            launch.grid[1], launch.grid[2], launch.threads, 1,
                                            1, launch.sharedBytes, stream, params.data(),
                                            nullptr),
               "cuLaunchKernel", error))
      return false;
  }
  return true;
}

bool CudaKernel::launch(const std::vector<Argument> &args, CUstream stream,
                        std::string &error) {
  KernelPlan plan;
  if (!planKernel(*kernelSpec, args, plan, error))
    return false;
  encodeTensorMaps(plan);
  return launch(plan, stream, error);
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

static void setError(char *buffer, size_t size, const std::string &message) {
  if (!buffer || size == 0)
    return;
  std::strncpy(buffer, message.c_str(), size - 1);
  buffer[size - 1] = '\0';
}

static bool readFile(const char *path, std::string &out) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return false;
  std::stringstream contents;
  contents << file.rdbuf();
  out = contents.str();
  return true;
}

void *tilec_cuda_load(const char *binaryPath, const char *metadataPath, char *error,
                      size_t errorSize) {
  std::string binary, metadata, message;
  if (!readFile(binaryPath, binary) || !readFile(metadataPath, metadata)) {
    setError(error, errorSize, std::string("cannot read ") + binaryPath + " or " + metadataPath);
    return nullptr;
  }
  std::unique_ptr<CudaKernel> kernel = CudaKernel::load(binary, metadata, message);
  if (!kernel) {
    setError(error, errorSize, message);
    return nullptr;
  }
  return kernel.release();
}

void *tilec_cuda_bind(void *kernel, const char *argsJson, char *error, size_t errorSize) {
  try {
    std::vector<Argument> args;
    for (const nlohmann::json &a : nlohmann::json::parse(argsJson)) {
      Argument arg;
      if (a.contains("ptr")) {
        arg.isTensor = true;
        arg.pointer = a.at("ptr").get<uint64_t>();
        std::string dtype = a.at("dtype").get<std::string>();
        std::optional<DType> parsed = parseDTypeName(dtype);
        if (!parsed) {
          setError(error, errorSize, "unknown dtype '" + dtype + "'");
          return nullptr;
        }
        arg.dtype = *parsed;
        arg.shape = a.at("shape").get<std::vector<int64_t>>();
        if (a.contains("strides"))
          arg.strides = a.at("strides").get<std::vector<int64_t>>();
      } else if (a.contains("float")) {
        arg.scalarIsFloat = true;
        arg.floatValue = a.at("float").get<double>();
      } else {
        arg.intValue = a.at("int").get<int64_t>();
      }
      args.push_back(std::move(arg));
    }
    auto plan = std::make_unique<KernelPlan>();
    std::string message;
    if (!planKernel(static_cast<CudaKernel *>(kernel)->spec(), args, *plan, message)) {
      setError(error, errorSize, message);
      return nullptr;
    }
    static_cast<CudaKernel *>(kernel)->encodeTensorMaps(*plan);
    return plan.release();
  } catch (const std::exception &e) {
    setError(error, errorSize, std::string("bad arguments: ") + e.what());
    return nullptr;
  }
}

int tilec_cuda_launch(void *kernel, void *plan, void *stream, char *error, size_t errorSize) {
  std::string message;
  if (!static_cast<CudaKernel *>(kernel)->launch(*static_cast<KernelPlan *>(plan),
                                                 static_cast<CUstream>(stream), message)) {
    setError(error, errorSize, message);
    return 1;
  }
  return 0;
}

void tilec_cuda_free_plan(void *plan) { delete static_cast<KernelPlan *>(plan); }
void tilec_cuda_free_kernel(void *kernel) { delete static_cast<CudaKernel *>(kernel); }
