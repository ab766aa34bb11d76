//===- ABITest.cpp - the dtype table and the launch ABI -------------------===//

#include "lib/ABI/KernelSignature.h"

#include <catch2/catch.hpp>

using namespace tilec;
using namespace tilec::abi;

TEST_CASE("the dtype table names, sizes and ranges every dtype", "[abi]") {
  for (int i = 0; i <= static_cast<int>(DType::Bool); ++i) {
    auto dtype = static_cast<DType>(i);
    CHECK(parseDTypeName(dtypeName(dtype)) == dtype);
  }
  CHECK(dtypeSize(DType::BF16) == 2);
  CHECK(dtypeSize(DType::F8E5M2) == 1);
  CHECK(parseDTypeName("fp16") == DType::F16);
  CHECK(parseDTypeName("float8_e4m3fn") == DType::F8E4M3);
  CHECK(parseDTypeName("int") == DType::I32);
  CHECK_FALSE(parseDTypeName("float17"));
  CHECK(integerFits(DType::U8, 255));
  CHECK_FALSE(integerFits(DType::U8, -1));
  CHECK_FALSE(integerFits(DType::I32, int64_t(1) << 31));
  CHECK(integerFits(DType::I32, -(int64_t(1) << 31)));
  CHECK_FALSE(integerFits(DType::Bool, 2));
  CHECK(integerFits(DType::F32, int64_t(1) << 40));
  CHECK(dtypeNameList().rfind("float16, bfloat16, float32", 0) == 0);
}

TEST_CASE("parameter slots: pointer and symbolic dims per tensor, scalars, then maps",
          "[abi]") {
  ParamSpec a{"A", true, DType::F16, {-1, 64, -1}, {"M", "", "K"}};
  ParamSpec n{"n", false, DType::I32, {}, {}};
  ParamSpec b{"B", true, DType::F32, {8}, {""}};
  std::vector<ParameterSlot> slots = kernelParameterSlots({a, n, b}, 0, 2);
  REQUIRE(slots.size() == 8);
  CHECK(slots[0].kind == SlotKind::TensorPointer);
  CHECK((slots[1].kind == SlotKind::DimExtent && slots[1].index == 0 && slots[1].dim == 0));
  CHECK((slots[2].kind == SlotKind::DimExtent && slots[2].dim == 2));
  CHECK((slots[3].kind == SlotKind::Scalar && slots[3].index == 1));
  CHECK((slots[4].kind == SlotKind::TensorPointer && slots[4].index == 2));
  CHECK(slots[5].kind == SlotKind::TensorMapFlags);
  CHECK((slots[6].kind == SlotKind::TensorMap && slots[6].index == 0));
  CHECK((slots[7].kind == SlotKind::TensorMap && slots[7].index == 1));
  CHECK(kernelParameterSlots({n}, 0, 0).size() == 1);
}

TEST_CASE("the metadata reads back as it was written", "[abi]") {
  KernelSpec spec;
  spec.kernel = "k";
  spec.target = "sm_90a";
  spec.compiler = "tilec 0.0.0";
  spec.hash = "00ff";
  spec.params = {{"A", true, DType::BF16, {-1, 128}, {"M", ""}},
                 {"s", false, DType::F32, {}, {}}};
  spec.constants = R"({"block_M":64})";
  LaunchSpec launch;
  launch.symbol = "k_launch0";
  launch.threads = 384;
  launch.sharedBytes = 1024;
  launch.grid = {R"(["ceildiv",{"dim":"M"},64])", "1", "1"};
  launch.when = {R"(["gt",{"dim":"M"},0])"};
  launch.tensorMaps = {{0, {64, 64}, 128}};
  spec.launches = {launch};
  std::string error;
  std::unique_ptr<KernelSpec> read = KernelSpec::parse(spec.toJSON(), error);
  REQUIRE(read);
  CHECK(read->toJSON() == spec.toJSON());
  CHECK(read->params[0].dimNames == std::vector<std::string>{"M", ""});
  CHECK(read->params[1].isFloatScalar());
  CHECK(read->launches[0].tensorMaps[0].swizzle == 128);
  CHECK(read->constants == R"({"block_M":64})");

  // The expressions evaluate as the kernel computes them.
  int64_t value = 0;
  CHECK(evaluateExpression(read->launches[0].grid[0], {{"M", 130}}, {}, value, error));
  CHECK(value == 3);
  CHECK_FALSE(evaluateExpression(read->launches[0].grid[0], {}, {}, value, error));
  CHECK(error.find("'M'") != std::string::npos);
  CHECK_FALSE(evaluateExpression("null", {}, {}, value, error));
  CHECK_FALSE(evaluateExpression("[\"div\", 1, 0]", {}, {}, value, error));

  // Dtypes are the table's canonical names: aliases belong to the DSL.
  std::string json = spec.toJSON();
  json.replace(json.find("\"bfloat16\""), 10, "\"bf16\"");
  CHECK_FALSE(KernelSpec::parse(json, error));
  CHECK(error == "parameter 'A' has an unknown dtype 'bf16'");
}

TEST_CASE("workspaces: slots after the parameters, sizes from host expressions", "[abi]") {
  ParamSpec a{"A", true, DType::F32, {-1}, {"M"}};
  std::vector<ParameterSlot> slots = kernelParameterSlots({a}, 2, 1);
  REQUIRE(slots.size() == 6);
  CHECK((slots[2].kind == SlotKind::Workspace && slots[2].index == 0));
  CHECK((slots[3].kind == SlotKind::Workspace && slots[3].index == 1));
  CHECK(slots[4].kind == SlotKind::TensorMapFlags);

  KernelSpec spec;
  spec.kernel = "k";
  spec.params = {a};
  spec.workspaces = {{"w0", DType::F32, {R"({"dim":"M"})", "5"}},
                     {"w1", DType::BF16, {R"(["mul",{"dim":"M"},2])"}}};
  LaunchSpec launch;
  launch.threads = 32;
  spec.launches = {launch};
  std::string error;
  std::unique_ptr<KernelSpec> read = KernelSpec::parse(spec.toJSON(), error);
  REQUIRE(read);
  CHECK(read->toJSON() == spec.toJSON());
  REQUIRE(read->workspaces.size() == 2);
  std::vector<uint64_t> bytes;
  REQUIRE(workspaceBytes(*read, {{"M", 7}}, {}, bytes, error));
  CHECK(bytes == std::vector<uint64_t>{7 * 5 * 4, 7 * 2 * 2});
  CHECK_FALSE(workspaceBytes(*read, {{"M", -1}}, {}, bytes, error));
  CHECK(error == "workspace 'w0' has a negative extent -1");
  CHECK_FALSE(workspaceBytes(*read, {{"M", int64_t(1) << 62}}, {}, bytes, error));
  CHECK(error == "workspace 'w0' is larger than 2^48 bytes");
  CHECK_FALSE(workspaceBytes(*read, {}, {}, bytes, error));
}
