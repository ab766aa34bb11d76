//===- LaunchPlanTest.cpp - GPU launch argument checking (no GPU) ---------===//

#include "runtime/launch/LaunchPlan.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace tilec::gpu;

static const char *kMeta = R"({
  "kernel": "gemm", "target": "sm_90a",
  "launches": [{"symbol": "gemm", "threads": 128, "shared_bytes": 81920,
    "grid": [["ceildiv", {"dim": "N"}, 128], ["ceildiv", {"dim": "M"}, 64], ["add", {"param": "extra"}, 1]]}],
  "params": [
    {"name": "A", "kind": "tensor", "dtype": "float16", "shape": ["M", "K"]},
    {"name": "B", "kind": "tensor", "dtype": "float16", "shape": ["K", 64]},
    {"name": "C", "kind": "tensor", "dtype": "float16", "shape": ["M", "N"]},
    {"name": "extra", "kind": "scalar", "dtype": "int32"},
    {"name": "scale", "kind": "scalar", "dtype": "float32"}
  ]
})";

static Argument tensor(uint64_t ptr, const char *dtype, std::vector<int64_t> shape,
                       std::vector<int64_t> strides = {}) {
  Argument a;
  a.isTensor = true;
  a.pointer = ptr;
  a.dtype = *tilec::parseDTypeName(dtype);
  a.shape = std::move(shape);
  a.strides = std::move(strides);
  return a;
}
static Argument integer(int64_t v) { Argument a; a.intValue = v; return a; }
static Argument real(double v) { Argument a; a.scalarIsFloat = true; a.floatValue = v; return a; }

TEST_CASE("a launch plan binds symbols, evaluates the grid and lays out parameters", "[launch]") {
  std::string error;
  auto spec = KernelSpec::parse(kMeta, error);
  REQUIRE(spec);
  KernelPlan kernelPlan;
  bool ok = planKernel(*spec,
                       {tensor(0x1000, "float16", {100, 64}), tensor(0x2000, "float16", {64, 64}),
                        tensor(0x3000, "float16", {100, 300}), integer(2), real(0.5)},
                       kernelPlan, error);
  INFO(error);
  REQUIRE(ok);
  REQUIRE(kernelPlan.launches.size() == 1);
  const LaunchPlan &plan = kernelPlan.launches[0];
  CHECK(plan.grid == std::array<uint32_t, 3>{3, 2, 3});
  CHECK(plan.threads == 128);
  CHECK(plan.sharedBytes == 81920);
  CHECK(kernelPlan.symbols.at("M") == 100);
  // A: ptr, M, K; B: ptr, K (64 is constant); C: ptr, M, N; extra; scale.
  REQUIRE(plan.offsets.size() == 10);
  CHECK(plan.storage[plan.offsets[0]] == 0x1000);
  CHECK(plan.storage[plan.offsets[1]] == 100);
  CHECK(plan.storage[plan.offsets[2]] == 64);
  CHECK(plan.storage[plan.offsets[8]] == 2);
  float scale;
  std::memcpy(&scale, &plan.storage[plan.offsets[9]], 4);
  CHECK(scale == 0.5f);
}

TEST_CASE("TMA tensor maps follow the parameters, with a flag for TMA's rules", "[launch][tma]") {
  std::string error;
  auto spec = KernelSpec::parse(R"({
    "kernel": "gemm",
    "params": [
      {"name": "A", "kind": "tensor", "dtype": "float16", "shape": ["M", "K"]},
      {"name": "B", "kind": "tensor", "dtype": "float16", "shape": ["K", "N"]}
    ],
    "launches": [{"symbol": "gemm", "threads": 128, "grid": [1],
      "tensor_maps": [{"param": 0, "box": [128, 64], "swizzle": 128},
                      {"param": 1, "box": [64, 64], "swizzle": 128}]}]
  })", error);
  INFO(error);
  REQUIRE(spec);
  const std::vector<TensorMapSpec> &maps = spec->launches.at(0).tensorMaps;
  REQUIRE(maps.size() == 2);
  CHECK(maps[1].param == 1);
  CHECK(maps[0].box == std::vector<int64_t>{128, 64});
  LaunchPlan plan;
  auto planOne = [&](std::vector<Argument> args) {
    KernelPlan kernelPlan;
    if (!planKernel(*spec, args, kernelPlan, error) || kernelPlan.launches.size() != 1)
      return false;
    plan = kernelPlan.launches[0];
    return true;
  };
  // Rows of 1000 halves (2000 bytes): strides are multiples of 16.
  REQUIRE(planOne({tensor(0x1000, "float16", {300, 1000}), tensor(0x2000, "float16", {1000, 8192})}));
  // A: ptr, M, K; B: ptr, K, N; the flag; two maps of 16 words each.
  REQUIRE(plan.offsets.size() == 9);
  CHECK(plan.tensorMapsUsable);
  CHECK(plan.tensorMapFlagOffset == plan.offsets[6]);
  CHECK(plan.storage[plan.tensorMapFlagOffset] == 0b11); // a bit a map
  REQUIRE(plan.tensorMaps.size() == 2);
  CHECK(plan.tensorMaps[0].offset == plan.offsets[7]);
  CHECK(plan.tensorMaps[1].offset == plan.offsets[8]);
  CHECK(plan.offsets[8] - plan.offsets[7] == 16);
  CHECK(plan.tensorMaps[1].shape == std::vector<int64_t>{1000, 8192});
  CHECK(plan.storage.size() == plan.offsets[8] + 16);
  // 8193 halves a row is not a multiple of 16 bytes: no TMA for B, the
  // flags say so (A's map stays).
  REQUIRE(planOne({tensor(0x1000, "float16", {300, 1000}), tensor(0x2000, "float16", {1000, 8193})}));
  CHECK_FALSE(plan.tensorMapsUsable);
  CHECK(plan.storage[plan.tensorMapFlagOffset] == 0b01);
  CHECK(plan.tensorMaps[0].usable);
  CHECK_FALSE(plan.tensorMaps[1].usable);
  // Nor a base that is not 16-byte aligned (A's this time).
  REQUIRE(planOne({tensor(0x1008, "float16", {300, 1000}), tensor(0x2000, "float16", {1000, 8192})}));
  CHECK_FALSE(plan.tensorMapsUsable);
  CHECK(plan.storage[plan.tensorMapFlagOffset] == 0b10);
  // A map naming a scalar or a parameter that does not exist is bad metadata.
  CHECK_FALSE(KernelSpec::parse(R"({"kernel": "k",
    "params": [{"name": "x", "kind": "scalar", "dtype": "int32"}],
    "launches": [{"symbol": "k", "threads": 64, "grid": [1],
                  "tensor_maps": [{"param": 0, "box": [1], "swizzle": 128}]}]})", error));
  CHECK(error.find("not a tensor") != std::string::npos);
}

TEST_CASE("a read-only tensor whose rows TMA cannot address is read through an aligned copy",
          "[launch][tma]") {
  std::string error;
  // A is read-only, C is written: both have a map, both are misaligned.
  auto spec = KernelSpec::parse(R"({
    "kernel": "gemm",
    "params": [
      {"name": "A", "kind": "tensor", "dtype": "bfloat16", "shape": ["M", "K"], "read_only": true},
      {"name": "C", "kind": "tensor", "dtype": "bfloat16", "shape": ["M", "K"]}
    ],
    "launches": [{"symbol": "first", "threads": 128, "grid": [1],
                  "tensor_maps": [{"param": 0, "box": [64, 64], "swizzle": 128},
                                  {"param": 1, "box": [64, 64], "swizzle": 128}]},
                 {"symbol": "second", "threads": 128, "grid": [1],
                  "tensor_maps": [{"param": 0, "box": [128, 64], "swizzle": 128}]}]
  })", error);
  INFO(error);
  REQUIRE(spec);
  CHECK(spec->params[0].readOnly);
  CHECK_FALSE(spec->params[1].readOnly);
  CHECK(KernelSpec::parse(spec->toJSON(), error)->params[0].readOnly);
  KernelPlan kernelPlan;
  // Rows of 6146 bf16 (12292 bytes) are 4 bytes off 16.
  REQUIRE(planKernel(*spec, {tensor(0x1000, "bfloat16", {3, 5, 6146}),
                             tensor(0x100000, "bfloat16", {3, 5, 6146})},
                     kernelPlan, error) == false);
  CHECK(error.find("rank") != std::string::npos);
  REQUIRE(planKernel(*spec, {tensor(0x1000, "bfloat16", {15, 6146}),
                             tensor(0x100000, "bfloat16", {15, 6146})},
                     kernelPlan, error));
  // One copy of A for both launches: 15 rows padded to 12304 bytes.
  REQUIRE(kernelPlan.alignedCopies.size() == 1);
  const AlignedCopy &copy = kernelPlan.alignedCopies[0];
  CHECK(copy.param == 0);
  CHECK(copy.source == 0x1000);
  CHECK(copy.rowBytes == 12292);
  CHECK(copy.pitch == 12304);
  CHECK(copy.rows == 15);
  REQUIRE(kernelPlan.launches.size() == 2);
  for (const LaunchPlan &plan : kernelPlan.launches) {
    const TensorMapRequest &map = plan.tensorMaps[0];
    CHECK(map.usable);
    CHECK(map.alignedCopy == 0);
    CHECK(map.rowPitch == 12304);
    CHECK(map.pointer == 0); // set at launch
  }
  // C is written: its map stays off and its stores go another way.
  const LaunchPlan &first = kernelPlan.launches[0];
  CHECK_FALSE(first.tensorMaps[1].usable);
  CHECK(first.tensorMaps[1].alignedCopy == -1);
  CHECK(first.storage[first.tensorMapFlagOffset] == 0b01);
  // A tensor that shares memory with one the kernel writes is not copied
  // (a launch may write what a later one reads).
  REQUIRE(planKernel(*spec, {tensor(0x1000, "bfloat16", {15, 6146}),
                             tensor(0x1000 + 2 * 6146 * 14, "bfloat16", {15, 6146})},
                     kernelPlan, error));
  CHECK(kernelPlan.alignedCopies.empty());
  CHECK_FALSE(kernelPlan.launches[0].tensorMaps[0].usable);
  // Rows TMA can address need no copy.
  REQUIRE(planKernel(*spec, {tensor(0x1000, "bfloat16", {15, 6144}),
                             tensor(0x100000, "bfloat16", {15, 6144})},
                     kernelPlan, error));
  CHECK(kernelPlan.alignedCopies.empty());
  CHECK(kernelPlan.launches[0].storage[kernelPlan.launches[0].tensorMapFlagOffset] == 0b11);
}

TEST_CASE("launch arguments that do not match the metadata are refused", "[launch]") {
  std::string error;
  auto spec = KernelSpec::parse(kMeta, error);
  REQUIRE(spec);
  KernelPlan plan;
  auto refuse = [&](std::vector<Argument> args, const std::string &expected) {
    error.clear();
    CHECK_FALSE(planKernel(*spec, args, plan, error));
    INFO(error);
    CHECK(error.find(expected) != std::string::npos);
  };
  Argument a = tensor(0x1000, "float16", {100, 64}), b = tensor(0x2000, "float16", {64, 64}),
           c = tensor(0x3000, "float16", {100, 300});
  refuse({a, b, c, integer(1)}, "takes 5 arguments, got 4");
  refuse({tensor(0x1000, "bfloat16", {100, 64}), b, c, integer(1), real(1)},
         "argument 0 ('A') must be float16, got bfloat16");
  refuse({tensor(0x1000, "float16", {100}), b, c, integer(1), real(1)}, "must have rank 2, got 1");
  refuse({a, tensor(0x2000, "float16", {64, 32}), c, integer(1), real(1)},
         "argument 1 ('B') dimension 1 must be 64, got 32");
  refuse({a, b, tensor(0x3000, "float16", {99, 300}), integer(1), real(1)},
         "dimension 'M' is 100 in 'A' but 99 in 'C'");
  refuse({a, b, tensor(0x3000, "float16", {100, 300}, {1, 100}), integer(1), real(1)},
         "must be contiguous (C order)");
  refuse({tensor(0x1001, "float16", {100, 64}), b, c, integer(1), real(1)},
         "not aligned to its element size");
  refuse({a, b, c, real(1.5), real(1)}, "argument 3 ('extra') is an integer (int32), got a float");
  refuse({a, b, c, a, real(1)}, "argument 3 ('extra') must be a scalar");
  refuse({a, b, c, integer(int64_t(1) << 40), real(1)},
         "argument 3 ('extra') is 1099511627776, outside the range of int32");
}

TEST_CASE("a kernel's launches run in order, each under its conditions", "[launch]") {
  // Two launches of one kernel (a split step, then a combine step), the
  // second only when n > 0 and not (n == 3); a third whose grid is empty
  // for n < 64.
  std::string error;
  auto spec = KernelSpec::parse(R"({"kernel": "k",
    "params": [{"name": "X", "kind": "tensor", "dtype": "float32", "shape": ["M"]},
               {"name": "n", "kind": "scalar", "dtype": "int32"}],
    "launches": [
      {"symbol": "k_launch0", "threads": 128, "grid": [{"dim": "M"}], "when": []},
      {"symbol": "k_launch1", "threads": 64, "shared_bytes": 1024, "grid": [2],
       "when": [["gt", {"param": "n"}, 0], ["eq", ["eq", {"param": "n"}, 3], 0]]},
      {"symbol": "k_launch2", "threads": 32, "grid": [["floordiv", {"param": "n"}, 64]]}]})",
                                error);
  INFO(error);
  REQUIRE(spec);
  REQUIRE(spec->launches.size() == 3);
  CHECK(spec->launches[1].symbol == "k_launch1");
  CHECK(spec->launches[1].when.size() == 2);
  auto launched = [&](int64_t n) {
    KernelPlan plan;
    Argument x;
    x.isTensor = true;
    x.pointer = 0x1000;
    x.dtype = tilec::DType::F32;
    x.shape = {10};
    REQUIRE(planKernel(*spec, {x, integer(n)}, plan, error));
    std::vector<size_t> order;
    for (const LaunchPlan &launch : plan.launches) {
      order.push_back(launch.launch);
      // Every launch takes the kernel's parameters: pointer, M, n.
      CHECK(launch.offsets.size() == 3);
      CHECK(launch.threads == spec->launches[launch.launch].threads);
    }
    return order;
  };
  CHECK(launched(0) == std::vector<size_t>{0});
  CHECK(launched(3) == std::vector<size_t>{0});
  CHECK(launched(5) == std::vector<size_t>{0, 1});
  CHECK(launched(200) == std::vector<size_t>{0, 1, 2});
  CHECK_FALSE(KernelSpec::parse(R"({"kernel": "k", "params": [], "launches": []})", error));
  CHECK(error.find("no launches") != std::string::npos);
}

TEST_CASE("a kernel's requirements are checked before any launch", "[launch]") {
  // heads == 4 * kv_heads (an assert outside T.Kernel), and n > 0 where M > 8.
  std::string error;
  auto spec = KernelSpec::parse(R"({"kernel": "decode",
    "params": [{"name": "Q", "kind": "tensor", "dtype": "float32", "shape": ["M", "heads"]},
               {"name": "K", "kind": "tensor", "dtype": "float32", "shape": ["M", "kv_heads"]},
               {"name": "n", "kind": "scalar", "dtype": "int32"}],
    "requires": [
      {"holds": ["eq", {"dim": "heads"}, ["mul", {"dim": "kv_heads"}, 4]],
       "message": "the query heads must be 4 (groups) x K's heads", "location": "d.tl:7:5"},
      {"when": [["gt", {"dim": "M"}, 8]], "holds": ["gt", {"param": "n"}, 0],
       "message": "n must be positive"}],
    "launches": [{"symbol": "decode", "threads": 128, "grid": [{"dim": "M"}]}]})",
                                error);
  INFO(error);
  REQUIRE(spec);
  REQUIRE(spec->requirements.size() == 2);
  // The metadata written back keeps them.
  auto reparsed = KernelSpec::parse(spec->toJSON(), error);
  REQUIRE(reparsed);
  CHECK(reparsed->requirements[0].location == "d.tl:7:5");
  CHECK(reparsed->requirements[1].when.size() == 1);
  auto plan = [&](int64_t m, int64_t heads, int64_t kvHeads, int64_t n) {
    KernelPlan kernelPlan;
    Argument q = tensor(0x1000, "float32", {m, heads});
    Argument k = tensor(0x2000, "float32", {m, kvHeads});
    error.clear();
    return planKernel(*spec, {q, k, integer(n)}, kernelPlan, error) &&
           kernelPlan.launches.size() == 1;
  };
  CHECK(plan(4, 32, 8, 1));
  CHECK_FALSE(plan(4, 16, 16, 1));
  CHECK(error == "kernel 'decode': the query heads must be 4 (groups) x K's heads (the assert "
                 "at d.tl:7:5); the arguments give M=4, heads=16, kv_heads=16, n=1");
  CHECK(plan(4, 32, 8, -1)); // n > 0 is asked only where M > 8
  CHECK_FALSE(plan(16, 32, 8, -1));
  CHECK(error.find("kernel 'decode': n must be positive;") == 0);
}

TEST_CASE("bad metadata is reported", "[launch]") {
  std::string error;
  CHECK_FALSE(KernelSpec::parse("{", error));
  CHECK(error.find("bad kernel metadata") != std::string::npos);
  CHECK_FALSE(KernelSpec::parse(R"({"kernel": "k",
      "launches": [{"symbol": "k", "threads": 64, "grid": [1]}],
      "params": [{"name": "x", "kind": "scalar", "dtype": "complex"}]})", error));
  CHECK(error.find("unknown dtype 'complex'") != std::string::npos);
}

#include "runtime/cuda/DLPack.h"
#include "runtime/hip/HipKernel.h"

TEST_CASE("DLPack tensors become launch arguments", "[launch][dlpack]") {
  int64_t shape[2] = {100, 64};
  int64_t strides[2] = {64, 1};
  DLTensor t{};
  t.data = reinterpret_cast<void *>(0x10000);
  t.byte_offset = 128;
  t.device = {kDLCUDA, 0};
  t.ndim = 2;
  t.dtype = {kDLBfloat, 16, 1};
  t.shape = shape;
  t.strides = strides;
  Argument arg;
  std::string error;
  REQUIRE(argumentFromDLTensor(t, arg, error));
  CHECK(arg.pointer == 0x10000 + 128);
  CHECK(arg.dtype == tilec::DType::BF16);
  CHECK(arg.shape == std::vector<int64_t>{100, 64});
  CHECK(arg.strides == std::vector<int64_t>{64, 1});
  t.device = {kDLCPU, 0};
  CHECK_FALSE(argumentFromDLTensor(t, arg, error));
  CHECK(error.find("not in GPU memory") != std::string::npos);
  t.device = {kDLCUDA, 0};
  t.dtype = {kDLFloat, 32, 4};
  CHECK_FALSE(argumentFromDLTensor(t, arg, error));
  CHECK(error.find("lanes") != std::string::npos);
}

TEST_CASE("the HIP runtime reports a missing AMD GPU instead of crashing", "[launch][hip]") {
  std::string error;
  auto kernel = HipKernel::load("not a code object", kMeta, error);
  CHECK_FALSE(kernel);
  CHECK_FALSE(error.empty());
  auto bad = HipKernel::load("", "{", error);
  CHECK_FALSE(bad);
  CHECK(error.find("bad kernel metadata") != std::string::npos);
}

TEST_CASE("a launch plan leaves a slot per workspace, filled at launch", "[launch]") {
  static const char *meta = R"({
    "kernel": "split", "target": "sm_90a",
    "params": [{"name": "X", "kind": "tensor", "dtype": "float32", "shape": ["rows", "n"]}],
    "workspaces": [{"name": "workspace0", "dtype": "float32", "shape": [{"dim": "rows"}, 4]}],
    "launches": [{"symbol": "split_launch0", "threads": 32, "grid": [4, {"dim": "rows"}]},
                 {"symbol": "split_launch1", "threads": 32, "grid": [1]}]
  })";
  std::string error;
  auto spec = KernelSpec::parse(meta, error);
  REQUIRE(spec);
  KernelPlan plan;
  REQUIRE(planKernel(*spec, {tensor(0x1000, "float32", {10, 3})}, plan, error));
  CHECK(plan.workspaceBytes == std::vector<uint64_t>{10 * 4 * 4});
  REQUIRE(plan.launches.size() == 2);
  // X: ptr, rows, n; then the workspace's address.
  REQUIRE(plan.launches[0].offsets.size() == 4);
  REQUIRE(plan.launches[0].workspaceOffsets == std::vector<size_t>{plan.launches[0].offsets[3]});
  std::vector<LaunchPlan> launches = withWorkspaces(plan, {0xABC000});
  for (const LaunchPlan &launch : launches)
    CHECK(launch.storage[launch.workspaceOffsets[0]] == 0xABC000);
  CHECK(plan.launches[1].storage[plan.launches[1].workspaceOffsets[0]] == 0);
}

TEST_CASE("a workspace the kernel writes first is allocated without the zero fill",
          "[launch]") {
  static const char *meta = R"({
    "kernel": "split", "target": "sm_90a",
    "params": [{"name": "X", "kind": "tensor", "dtype": "float32", "shape": ["rows"]}],
    "workspaces": [{"name": "workspace0", "dtype": "float32", "shape": [4]},
                   {"name": "workspace1", "dtype": "bfloat16", "shape": [{"dim": "rows"}],
                    "zero_fill": false}],
    "launches": [{"symbol": "split_launch0", "threads": 32, "grid": [1]}]
  })";
  std::string error;
  auto spec = KernelSpec::parse(meta, error);
  REQUIRE(spec);
  REQUIRE(spec->workspaces.size() == 2);
  CHECK(spec->workspaces[0].zeroFill);
  CHECK_FALSE(spec->workspaces[1].zeroFill);
  // Written back as read: only the exception is spelled out.
  std::string written = spec->toJSON();
  CHECK(written.find("\"zero_fill\": false") != std::string::npos);
  CHECK(written.find("\"zero_fill\": true") == std::string::npos);
  KernelPlan plan;
  REQUIRE(planKernel(*spec, {tensor(0x1000, "float32", {10})}, plan, error));
  CHECK(plan.workspaceZeroFill == std::vector<bool>{true, false});
  std::vector<uint64_t> allocated, released;
  std::vector<std::pair<uint64_t, uint64_t>> zeroed;
  std::vector<uint64_t> launchedWith;
  auto run = [&](const KernelPlan &kernelPlan) {
    allocated.clear();
    released.clear();
    zeroed.clear();
    launchedWith.clear();
    return runWithWorkspaces(
        kernelPlan,
        [&](uint64_t bytes, uint64_t &address, std::string &) {
          allocated.push_back(bytes);
          address = 0x10000;
          return true;
        },
        [&](uint64_t address, uint64_t bytes, std::string &) {
          zeroed.push_back({address, bytes});
          return true;
        },
        [&](const std::vector<LaunchPlan> &launches, std::string &) {
          for (size_t w = 0; w < launches[0].workspaceOffsets.size(); ++w)
            launchedWith.push_back(launches[0].storage[launches[0].workspaceOffsets[w]]);
          return true;
        },
        [&](uint64_t address) { released.push_back(address); }, error);
  };
  // One allocation for both (the second at the next 256-byte boundary);
  // only the first is cleared.
  CHECK(run(plan));
  CHECK(allocated == std::vector<uint64_t>{256 + 20});
  CHECK(zeroed == std::vector<std::pair<uint64_t, uint64_t>>{{0x10000, 16}});
  CHECK(launchedWith == std::vector<uint64_t>{0x10000, 0x10100});
  CHECK(released == std::vector<uint64_t>{0x10000});
  // Consecutive workspaces that need the zero fill are cleared in one call.
  KernelPlan three = plan;
  three.workspaceBytes = {16, 300, 8, 40};
  three.workspaceZeroFill = {true, true, false, true};
  CHECK(run(three));
  // At 0, 256, 768 (past 556) and 1024.
  CHECK(allocated == std::vector<uint64_t>{1024 + 40});
  CHECK(zeroed ==
        std::vector<std::pair<uint64_t, uint64_t>>{{0x10000, 256 + 300}, {0x10000 + 1024, 40}});
  // A failed allocation launches nothing.
  CHECK_FALSE(runWithWorkspaces(
      plan, [&](uint64_t, uint64_t &, std::string &message) {
        message = "out of memory";
        return false;
      },
      [&](uint64_t, uint64_t, std::string &) { return true; },
      [&](const std::vector<LaunchPlan> &, std::string &) {
        FAIL("launched");
        return true;
      },
      [&](uint64_t) {}, error));
  CHECK(error == "out of memory");
}
