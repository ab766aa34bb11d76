//===- DType.h - element types of host tensors ------------------*- C++ -*-===//
//
// Exact conversions between a dtype's stored bits and double/int64 values
// (round to nearest even when narrowing). The dtypes themselves (names,
// sizes, ranges) are lib/ABI/DTypes.h. Shared by the CPU runtime, .npy I/O
// and tests.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_SUPPORT_DTYPE_H
#define TILEC_LIB_SUPPORT_DTYPE_H

#include "lib/ABI/DTypes.h"

#include <cstdint>

namespace tilec {

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
