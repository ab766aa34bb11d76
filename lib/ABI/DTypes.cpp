//===- DTypes.cpp - the element types a kernel's tensors can have ---------===//

#include "lib/ABI/DTypes.h"

#include <iterator>
#include <limits>

using namespace tilec;

namespace {
/// One row per dtype, in the order of the enum.
struct DTypeRow {
  DType dtype;
  const char *name;
  size_t bytes;
  bool isFloat;
  int64_t min, max; // integers: the representable range
};
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr DTypeRow kDTypes[] = {
    {DType::F16, "float16", 2, true, 0, 0},
    {DType::BF16, "bfloat16", 2, true, 0, 0},
    {DType::F32, "float32", 4, true, 0, 0},
    {DType::F64, "float64", 8, true, 0, 0},
    {DType::F8E4M3, "float8_e4m3", 1, true, 0, 0},
    {DType::F8E5M2, "float8_e5m2", 1, true, 0, 0},
    {DType::I8, "int8", 1, false, -128, 127},
    {DType::I16, "int16", 2, false, -32768, 32767},
    {DType::I32, "int32", 4, false, -2147483648LL, 2147483647LL},
    {DType::I64, "int64", 8, false, kInt64Min, kInt64Max},
    {DType::U8, "uint8", 1, false, 0, 255},
    {DType::Bool, "bool", 1, false, 0, 1},
};

/// Other spellings the DSL accepts (TileLang's and PyTorch's). The wider
/// unsigned types are held in the signed type of their width; tfloat32
/// (float32 that tensor cores may read with a 10-bit mantissa) is float32,
/// computed at full precision.
struct Alias {
  const char *name;
  DType dtype;
};
constexpr Alias kAliases[] = {
    {"half", DType::F16},         {"fp16", DType::F16},     {"bf16", DType::BF16},
    {"float", DType::F32},        {"fp32", DType::F32},     {"double", DType::F64},
    {"fp64", DType::F64},         {"float8_e4m3fn", DType::F8E4M3},
    {"e4m3", DType::F8E4M3},      {"e5m2", DType::F8E5M2},  {"int", DType::I32},
    {"uint16", DType::I16},       {"uint32", DType::I32},   {"uint64", DType::I64},
    {"tfloat32", DType::F32},     {"long", DType::I64},     {"short", DType::I16},
};

const DTypeRow &row(DType dtype) { return kDTypes[static_cast<size_t>(dtype)]; }
} // namespace

size_t tilec::dtypeSize(DType dtype) { return row(dtype).bytes; }

const char *tilec::dtypeName(DType dtype) { return row(dtype).name; }

bool tilec::isFloatDType(DType dtype) { return row(dtype).isFloat; }

std::optional<DType> tilec::parseDTypeName(std::string_view name) {
  for (const DTypeRow &entry : kDTypes)
    if (name == entry.name)
      return entry.dtype;
  for (const Alias &alias : kAliases)
    if (name == alias.name)
      return alias.dtype;
  return std::nullopt;
}

std::string tilec::dtypeNameList() {
  std::string list;
  for (const DTypeRow &entry : kDTypes)
    list += std::string(list.empty() ? "" : ", ") + entry.name;
  return list;
}

bool tilec::integerFits(DType dtype, int64_t value) {
  const DTypeRow &entry = row(dtype);
  return entry.isFloat || (value >= entry.min && value <= entry.max);
}

/// `row` indexes the table by the enum's value.
static constexpr bool rowsFollowTheEnum() {
  for (size_t i = 0; i < std::size(kDTypes); ++i)
    if (static_cast<size_t>(kDTypes[i].dtype) != i)
      return false;
  return std::size(kDTypes) == static_cast<size_t>(DType::Bool) + 1;
}
static_assert(rowsFollowTheEnum(), "one row per dtype, in the enum's order");
