//===- DType.h - element types of host tensors ------------------*- C++ -*-===//
//
// The dtypes a kernel's tensors can have, their sizes and names, and exact
// conversions between stored bits and double/int64 values (round to nearest
// even when narrowing). Shared by the CPU runtime, .npy I/O and tests.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_SUPPORT_DTYPE_H
#define TILEC_LIB_SUPPORT_DTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tilec {

enum class DType { F16, BF16, F32, F64, F8E4M3, F8E5M2, I8, I16, I32, I64, U8, Bool };

/// Bytes per element.
size_t dtypeSize(DType dtype);
/// The DSL name ("float16", "bfloat16", ...).
const char *dtypeName(DType dtype);
/// Parses a DSL dtype name.
std::optional<DType> parseDTypeName(llvm::StringRef name);
bool isFloatDType(DType dtype);

/// Reads one element as a double (floats) or as an integer value (ints).
double loadFloat(const void *element, DType dtype);
int64_t loadInt(const void *element, DType dtype);
/// Writes one element, rounding to nearest even / wrapping integers.
void storeFloat(void *element, DType dtype, double value);
void storeInt(void *element, DType dtype, int64_t value);

/// `value` rounded to a narrower float format and back (what storing it in
/// that format keeps).
double roundToF16(double value);
double roundToBF16(double value);
double roundToF32(double value);
double roundToF8E4M3(double value);
double roundToF8E5M2(double value);

} // namespace tilec

#endif // TILEC_LIB_SUPPORT_DTYPE_H
