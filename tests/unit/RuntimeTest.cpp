//===- RuntimeTest.cpp - dtypes, .npy files and the JIT API ---------------===//

#include "lib/Support/DType.h"
#include "lib/Support/Npy.h"
#include "runtime/jit/JIT.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace tilec;

/// Whether an llvm::Error is set (consuming it).
static bool isError(llvm::Error error) {
  bool set = static_cast<bool>(error);
  llvm::consumeError(std::move(error));
  return set;
}

TEST_CASE("narrow floats round to nearest even", "[dtype]") {
  CHECK(roundToF16(1.0 + 1.0 / 2048) == 1.0);            // a tie goes to even
  CHECK(roundToF16(1.0 + 3.0 / 2048) == 1.0 + 2.0 / 1024); // a tie goes to even (up)
  CHECK(roundToF16(65520.0) == INFINITY);                 // past the largest half
  CHECK(roundToBF16(1.0 + 1.0 / 256) == 1.0);
  CHECK(roundToBF16(3.0e38) == roundToBF16(3.0e38));
  CHECK(roundToF8E4M3(1.0 / 3) == 0.34375);
  char bytes[8];
  for (DType dtype : {DType::F16, DType::BF16, DType::F32, DType::F64}) {
    storeFloat(bytes, dtype, -2.5);
    CHECK(loadFloat(bytes, dtype) == -2.5);
  }
  storeInt(bytes, DType::I8, 300);
  CHECK(loadInt(bytes, DType::I8) == 44);
  storeInt(bytes, DType::U8, 200);
  CHECK(loadInt(bytes, DType::U8) == 200);
  CHECK(parseDTypeName("bfloat16") == DType::BF16);
  CHECK_FALSE(parseDTypeName("float17"));
}

TEST_CASE(".npy files round-trip and reject bad input", "[npy]") {
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("tilec-npy", dir));
  std::string path = (dir + "/a.npy").str();
  int32_t values[6] = {1, -2, 3, -4, 5, -6};
  REQUIRE_FALSE(isError(writeNpy(path, DType::I32, {2, 3}, values)));
  auto array = readNpy(path);
  REQUIRE(static_cast<bool>(array));
  CHECK(array->descr == "<i4");
  CHECK(array->shape == std::vector<int64_t>{2, 3});
  REQUIRE(array->data.size() == sizeof(values));
  CHECK(std::memcmp(array->data.data(), values, sizeof(values)) == 0);

  std::string scalarPath = (dir + "/s.npy").str();
  double scalar = 4.5;
  REQUIRE_FALSE(isError(writeNpy(scalarPath, DType::F64, {}, &scalar)));
  auto scalarArray = readNpy(scalarPath);
  REQUIRE(static_cast<bool>(scalarArray));
  CHECK(scalarArray->shape.empty());

  std::string bad = (dir + "/bad.npy").str();
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(bad, ec);
    os << "not numpy";
  }
  auto broken = readNpy(bad);
  REQUIRE_FALSE(static_cast<bool>(broken));
  CHECK(llvm::toString(broken.takeError()).find("not a .npy file") != std::string::npos);
  llvm::sys::fs::remove_directories(dir);
}

static const char *kScale = R"(
import tilelang.language as T

@T.prim_func
def scale(X: T.Tensor((N,), "float32"), factor: T.float32, block: T.const = 8):
    with T.Kernel(T.ceildiv(N, block), threads=32) as bx:
        for i in T.Parallel(block):
            X[bx * block + i] = X[bx * block + i] * factor
)";

TEST_CASE("the JIT compiles source and launches on host tensors", "[jit]") {
  jit::CompileOptions options;
  options.defines = {{"block", "4"}};
  auto kernel = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(kernel));
  CHECK((*kernel)->name() == "scale");
  REQUIRE((*kernel)->params().size() == 2);
  CHECK((*kernel)->params()[0].dimNames == std::vector<std::string>{"N"});

  float data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  cpu::HostTensor x{data, DType::F32, {8}, {}};
  REQUIRE_FALSE(isError(
      (*kernel)->launch({cpu::KernelArg::ofTensor(x), cpu::KernelArg::ofFloat(0.5)})));
  CHECK(data[7] == 4.0f);

  // A ragged size: elements past the end read 0 and are not written, as
  // on the GPU (checked mode warns); the elements past the tensor's six
  // are untouched.
  cpu::HostTensor ragged{data, DType::F32, {6}, {}};
  REQUIRE_FALSE(isError(
      (*kernel)->launch({cpu::KernelArg::ofTensor(ragged), cpu::KernelArg::ofFloat(2.0)})));
  CHECK(data[5] == 6.0f); // 3 (after the first launch) times 2
  CHECK(data[6] == 3.5f);
  CHECK(data[7] == 4.0f);

  // An index that comes from data and lands outside: checked mode stops
  // where it happens.
  auto gather = jit::Kernel::fromSource(R"(
import tilelang.language as T

@T.prim_func
def gather(X: T.Tensor((N,), "float32"), idx: T.Tensor((N,), "int32")):
    with T.Kernel(1, threads=32) as bx:
        for i in T.Parallel(4):
            X[i] = X[idx[i]]
)", jit::CompileOptions(), "gather.tl");
  REQUIRE(static_cast<bool>(gather));
  int32_t indices[4] = {1, 2, 9, 0};
  float values[4] = {1, 2, 3, 4};
  llvm::Error error = (*gather)->launch(
      {cpu::KernelArg::ofTensor(cpu::HostTensor{values, DType::F32, {4}, {}}),
       cpu::KernelArg::ofTensor(cpu::HostTensor{indices, DType::I32, {4}, {}})});
  REQUIRE(static_cast<bool>(error));
  std::string message = llvm::toString(std::move(error));
  INFO(message);
  CHECK(message.find("gather.tl:8:20: error: out-of-bounds read at index [9] of tensor 'X'") !=
        std::string::npos);
  CHECK(message.find("(the index comes from data)") != std::string::npos);
  CHECK(message.find("^") != std::string::npos);

  // Wrong dtype: rejected before running.
  cpu::HostTensor wrong{data, DType::F16, {8}, {}};
  llvm::Error dtypeError =
      (*kernel)->launch({cpu::KernelArg::ofTensor(wrong), cpu::KernelArg::ofFloat(1.0)});
  REQUIRE(static_cast<bool>(dtypeError));
  CHECK(llvm::toString(std::move(dtypeError)).find("must be float32, got float16") !=
        std::string::npos);
}

TEST_CASE("the JIT reports compile errors with locations", "[jit]") {
  auto kernel = jit::Kernel::fromSource("import tilelang.language as T\nx = (\n", {}, "bad.tl");
  REQUIRE_FALSE(static_cast<bool>(kernel));
  CHECK(llvm::toString(kernel.takeError()).find("bad.tl:2:5: error: '(' was never closed") !=
        std::string::npos);
}

/// The files of a cache folder, by extension.
static std::vector<std::string> cacheFiles(const std::string &dir, llvm::StringRef ext) {
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ext)
      files.push_back(it->path());
  return files;
}

TEST_CASE("the JIT compiles for a GPU and caches in memory and on disk", "[jit][cache]") {
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("tilec-cache", dir));
  jit::CompileOptions options;
  options.target = "sm_90a";
  options.cacheDir = std::string(dir);
  jit::KernelCache::clearMemory();

  // A miss compiles and writes the entry; the same request again is a hit.
  auto first = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(first));
  CHECK_FALSE((*first)->fromCache());
  CHECK((*first)->artifact().binary.find(".visible .entry scale(") != std::string::npos);
  CHECK(jit::KernelCache::isValid((*first)->artifact()));
  REQUIRE(cacheFiles(std::string(dir), ".ptx").size() == 1);
  REQUIRE(cacheFiles(std::string(dir), ".json").size() == 1);
  auto second = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(second));
  CHECK((*second)->fromCache());

  // From disk, in a fresh process (memory dropped).
  jit::KernelCache::clearMemory();
  auto third = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(third));
  CHECK((*third)->fromCache());
  CHECK((*third)->artifact().binary == (*first)->artifact().binary);

  // Another -D is another entry.
  options.defines = {{"block", "16"}};
  auto other = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(other));
  CHECK_FALSE((*other)->fromCache());
  options.defines.clear();

  // Leaving code-generation features out is another entry; an unknown one
  // is an error that names the known ones.
  options.disabledFeatures = "tma,warp-specialize";
  auto without = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(without));
  CHECK_FALSE((*without)->fromCache());
  options.disabledFeatures = "tma,warp-specialise";
  auto misspelt = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE_FALSE(static_cast<bool>(misspelt));
  std::string misspeltMessage = llvm::toString(misspelt.takeError());
  CHECK(misspeltMessage.find("unknown code-generation feature 'warp-specialise'") !=
        std::string::npos);
  CHECK(misspeltMessage.find("warp-specialize") != std::string::npos);
  options.disabledFeatures.clear();
  // Opt-in features are another entry too; only those can be enabled.
  options.enabledFeatures = "pingpong";
  auto optedIn = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(optedIn));
  CHECK_FALSE((*optedIn)->fromCache());
  options.enabledFeatures = "tma";
  auto notOptIn = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE_FALSE(static_cast<bool>(notOptIn));
  CHECK(llvm::toString(notOptIn.takeError()).find("'tma' cannot be enabled") !=
        std::string::npos);
  options.enabledFeatures.clear();

  // A corrupted entry is a miss, recompiled and rewritten whole.
  std::string ptxPath = cacheFiles(std::string(dir), ".ptx").front();
  for (const std::string &path : cacheFiles(std::string(dir), ".ptx")) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << "garbage";
  }
  jit::KernelCache::clearMemory();
  auto repaired = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(repaired));
  CHECK_FALSE((*repaired)->fromCache());
  jit::KernelCache::clearMemory();
  auto afterRepair = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(afterRepair));
  CHECK((*afterRepair)->fromCache());

  // No GPU here: launching says so instead of crashing.
  llvm::Error error = (*first)->launchOnGPU({});
  REQUIRE(static_cast<bool>(error));
  std::string message = llvm::toString(std::move(error));
  CHECK((message.find("CUDA driver") != std::string::npos ||
         message.find("no CUDA runtime") != std::string::npos));
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("two processes compiling the same kernel at once leave a valid entry", "[jit][cache]") {
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("tilec-cache-race", dir));
  jit::CompileOptions options;
  options.target = "sm_90a";
  options.cacheDir = std::string(dir);
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      jit::KernelCache::clearMemory();
      auto kernel = jit::Kernel::fromSource(kScale, options, "scale.tl");
      _exit(kernel && jit::KernelCache::isValid((*kernel)->artifact()) ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  // No temporary file is left, and the entry reads back valid.
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    CHECK(it->path().find(".tmp-") == std::string::npos);
  jit::KernelCache::clearMemory();
  auto kernel = jit::Kernel::fromSource(kScale, options, "scale.tl");
  REQUIRE(static_cast<bool>(kernel));
  CHECK((*kernel)->fromCache());
  llvm::sys::fs::remove_directories(dir);
}
