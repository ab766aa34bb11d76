//===- DTypes.h - the element types a kernel's tensors can have -*- C++ -*-===//
//
// The one table of dtypes: their DSL names (and the aliases the DSL
// accepts), sizes, kinds and integer ranges. Plain C++17 with no LLVM or
// MLIR, so that the runtimes that build on GPU machines (runtime/cuda,
// runtime/hip, runtime/launch) read dtypes exactly as the compiler writes
// them. Conversions of element values live in lib/Support/DType.h.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_ABI_DTYPES_H
#define TILEC_LIB_ABI_DTYPES_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tilec {

enum class DType { F16, BF16, F32, F64, F8E4M3, F8E5M2, I8, I16, I32, I64, U8, Bool };

/// Bytes per element.
size_t dtypeSize(DType dtype);
/// The DSL name ("float16", "bfloat16", ...), as the metadata writes it.
const char *dtypeName(DType dtype);
/// Parses a DSL dtype name or one of its aliases ("fp16", "half", "bf16",
/// "float", "e4m3", "int", PyTorch's "long" and "short", ...).
std::optional<DType> parseDTypeName(std::string_view name);
/// The canonical names, comma-separated, for messages.
std::string dtypeNameList();
bool isFloatDType(DType dtype);
/// Whether `value` is representable in the integer (or bool) dtype
/// `dtype`; always true for float dtypes.
bool integerFits(DType dtype, int64_t value);

} // namespace tilec

#endif // TILEC_LIB_ABI_DTYPES_H
