//===- HostRun.cpp - run a kernel on the CPU from files -------------------===//

#include "runtime/cpu/HostRun.h"

#include "dialects/Tile/TileDialect.h"
#include "lib/Support/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringExtras.h"

#include <chrono>
#include <random>

using namespace mlir;
using namespace tilec;
using namespace tilec::cpu;

/// The most elements one tensor of a --run may have (2^31: 8 GiB of float32).
constexpr int64_t kMaxHostElements = int64_t(1) << 31;

/// Whether the kernel's code stores into tensor `arg`, directly or through
/// windows and views of it (the ops' declared memory effects).
static bool storesInto(BlockArgument arg) {
  SmallVector<Value> worklist = {arg};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value buffer = worklist.pop_back_val();
    if (!seen.insert(buffer).second)
      continue;
    for (Operation *user : buffer.getUsers()) {
      if (isa<tile::RegionOp, tile::ViewOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (effects && effects.getEffectOnValue<MemoryEffects::Write>(buffer))
        return true;
    }
  }
  return false;
}

/// `vector_add: 1 launch (grid 8x1x1, 256 threads) in 1.2 ms on the cpu
/// target; stored into C; tensors written to out/`.
static void printSummary(llvm::raw_ostream &os, func::FuncOp kernel, const RunReport &report,
                         double ms, ArrayRef<std::string> written, StringRef outDir) {
  os << kernel.getName() << ": " << report.launches.size()
     << (report.launches.size() == 1 ? " launch (" : " launches (");
  for (auto [i, launch] : llvm::enumerate(report.launches)) {
    if (i)
      os << "; ";
    os << "grid " << launch.grid[0] << "x" << launch.grid[1] << "x" << launch.grid[2] << ", "
       << launch.threads << " threads";
  }
  os << ") in " << llvm::format("%.1f", ms) << " ms on the cpu target; ";
  if (written.empty())
    os << "stored into no tensor";
  else
    os << "stored into " << llvm::join(written, ", ");
  if (!outDir.empty())
    os << "; tensors written to " << outDir << "/";
  os << "\n";
}

LogicalResult tilec::cpu::runFromFiles(func::FuncOp kernel,
                                       const HostRunOptions &options) {
  std::vector<abi::ParamSpec> params = tile::getKernelParams(kernel);
  for (const auto &[name, path] : options.inputs)
    if (llvm::none_of(params, [&](const abi::ParamSpec &p) { return p.isTensor && p.name == name; }))
      return kernel.emitError() << "--in " << name << ": kernel '" << kernel.getName()
                                << "' has no tensor parameter '" << name << "'";
  for (const auto &[name, value] : options.scalars)
    if (llvm::none_of(params, [&](const abi::ParamSpec &p) { return !p.isTensor && p.name == name; }))
      return kernel.emitError() << "--scalar " << name << ": kernel '" << kernel.getName()
                                << "' has no scalar parameter '" << name << "'";

  // Symbols: --dims first, then the shapes of input files.
  std::map<std::string, int64_t> dims = options.dims;
  std::map<std::string, NpyArray> arrays;
  for (const abi::ParamSpec &param : params) {
    auto input = options.inputs.find(param.name);
    if (!param.isTensor || input == options.inputs.end())
      continue;
    llvm::Expected<NpyArray> array = readNpy(input->second);
    if (!array)
      return kernel.emitError() << "--in " << param.name << ": "
                                << llvm::toString(array.takeError());
    if (array->descr != npyDescr(param.dtype))
      return kernel.emitError() << "--in " << param.name << ": expected dtype '"
                                << npyDescr(param.dtype) << "' (" << dtypeName(param.dtype)
                                << "), the file has '" << array->descr << "'";
    if (array->shape.size() != param.extents.size())
      return kernel.emitError() << "--in " << param.name << ": expected rank "
                                << param.extents.size() << ", the file has rank "
                                << array->shape.size();
    for (size_t d = 0; d < param.extents.size(); ++d)
      if (!param.dimNames[d].empty())
        dims.emplace(param.dimNames[d], array->shape[d]);
    arrays[param.name] = std::move(*array);
  }
  for (const auto &[name, value] : dims)
    if (value <= 0)
      return kernel.emitError() << "dimension '" << name << "' must be positive, got "
                                << value;

  // Tensors and scalars.
  std::vector<std::vector<char>> storage(params.size());
  std::vector<KernelArg> args;
  for (auto [index, param] : llvm::enumerate(params)) {
    if (!param.isTensor) {
      auto given = options.scalars.find(param.name);
      if (given == options.scalars.end())
        return kernel.emitError() << "scalar parameter '" << param.name
                                  << "' needs a value: --scalar " << param.name << "=<v>";
      llvm::StringRef text = given->second;
      if (param.isFloatScalar()) {
        double value;
        if (text.getAsDouble(value))
          return kernel.emitError() << "--scalar " << param.name << ": '" << text
                                    << "' is not a number";
        args.push_back(KernelArg::ofFloat(value));
      } else {
        int64_t value;
        // Python's spellings of a bool too (as the Python binding passes them).
        if (text == "True" || text == "true")
          value = 1;
        else if (text == "False" || text == "false")
          value = 0;
        else if (text.getAsInteger(0, value))
          return kernel.emitError() << "--scalar " << param.name << ": '" << text
                                    << "' is not an integer";
        args.push_back(KernelArg::ofInt(value));
      }
      continue;
    }
    HostTensor tensor;
    tensor.dtype = param.dtype;
    for (size_t d = 0; d < param.extents.size(); ++d) {
      if (param.extents[d] >= 0) {
        tensor.shape.push_back(param.extents[d]);
        continue;
      }
      auto found = dims.find(param.dimNames[d]);
      if (found == dims.end())
        return kernel.emitError() << "dimension '" << param.dimNames[d] << "' of tensor '"
                                  << param.name << "' is not given: pass --dims "
                                  << param.dimNames[d] << "=<n> or --in " << param.name
                                  << "=<file.npy>";
      tensor.shape.push_back(found->second);
    }
    // The host holds every tensor: refuse what no host could (before an
    // allocation fails deep inside).
    int64_t count = 1;
    for (int64_t d : tensor.shape)
      if (__builtin_mul_overflow(count, d, &count) || count > kMaxHostElements)
        return kernel.emitError() << "tensor '" << param.name << "' would have more than "
                                  << kMaxHostElements
                                  << " elements: more than the cpu target runs";
    size_t bytes = count * dtypeSize(param.dtype);
    auto array = arrays.find(param.name);
    if (array != arrays.end()) {
      if (array->second.shape != tensor.shape)
        return kernel.emitError() << "--in " << param.name
                                  << ": the file's shape does not match the dimensions";
      storage[index] = std::move(array->second.data);
    } else {
      // Seeded random data, different for each parameter.
      storage[index].resize(bytes);
      std::mt19937_64 rng(options.seed * 1000003 + index);
      std::uniform_real_distribution<double> uniform(-1.0, 1.0);
      std::uniform_int_distribution<int64_t> small(0, 15);
      for (int64_t i = 0; i < count; ++i) {
        char *element = storage[index].data() + i * dtypeSize(param.dtype);
        if (isFloatDType(param.dtype))
          storeFloat(element, param.dtype, uniform(rng));
        else if (param.dtype == DType::Bool)
          storeInt(element, param.dtype, small(rng) & 1);
        else
          storeInt(element, param.dtype, small(rng));
      }
    }
    tensor.data = storage[index].data();
    args.push_back(KernelArg::ofTensor(std::move(tensor)));
  }

  RunReport report;
  RunOptions runOptions = options.run;
  runOptions.report = &report;
  auto start = std::chrono::steady_clock::now();
  if (failed(runKernel(kernel, args, runOptions)))
    return failure();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
  std::vector<std::string> written, unwritten;
  for (auto [index, param] : llvm::enumerate(params)) {
    if (!param.isTensor)
      continue;
    if (report.written[index])
      written.push_back(param.name);
    else if (storesInto(kernel.getArgument(index)))
      unwritten.push_back(param.name);
  }
  for (const std::string &name : unwritten)
    kernel.emitWarning() << "tensor '" << name << "' is stored into by the kernel, but this "
                         << "run stored nothing into it (its grid or conditions skipped "
                            "every store)";
  if (options.summary)
    printSummary(*options.summary, kernel, report, ms, written, options.outDir);

  if (options.outDir.empty())
    return success();
  if (std::error_code ec = llvm::sys::fs::create_directories(options.outDir))
    return kernel.emitError() << "cannot create '" << options.outDir << "': " << ec.message();
  for (auto [index, param] : llvm::enumerate(params)) {
    if (!param.isTensor)
      continue;
    llvm::SmallString<256> path(options.outDir);
    llvm::sys::path::append(path, param.name + ".npy");
    if (llvm::Error error = writeNpy(path, param.dtype, args[index].tensor.shape,
                                     storage[index].data()))
      return kernel.emitError() << llvm::toString(std::move(error));
  }
  return success();
}
