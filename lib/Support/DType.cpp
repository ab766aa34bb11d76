//===- DType.cpp - element types of host tensors --------------------------===//

#include "lib/Support/DType.h"

#include "llvm/ADT/APFloat.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace tilec;

//===----------------------------------------------------------------------===//
// Bit conversions
//===----------------------------------------------------------------------===//

static float bitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// IEEE binary16 from a double, rounding to nearest even (via APFloat's exact
/// rounding from double, so there is no double rounding through float).
static uint16_t toHalfBits(double value) {
  llvm::APFloat f(value);
  bool losesInfo;
  f.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

static double fromHalfBits(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<double>(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = std::ldexp(static_cast<double>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  return sign ? -magnitude : magnitude;
}

static uint16_t toBF16Bits(double value) {
  llvm::APFloat f(value);
  bool losesInfo;
  f.convert(llvm::APFloat::BFloat(), llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

static double fromBF16Bits(uint16_t bits) {
  return bitsFloat(static_cast<uint32_t>(bits) << 16);
}

/// Rounds to nearest even and saturates: values past the largest finite
/// one (infinities too) become it, with their sign, as the GPUs'
/// `satfinite` conversions do; NaN stays NaN.
static uint8_t toF8Bits(double value, const llvm::fltSemantics &sem) {
  if (!std::isnan(value)) {
    double largest = llvm::APFloat::getLargest(sem).convertToDouble();
    value = std::clamp(value, -largest, largest);
  }
  llvm::APFloat f(value);
  bool losesInfo;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return static_cast<uint8_t>(f.bitcastToAPInt().getZExtValue());
}

static double fromF8Bits(uint8_t bits, const llvm::fltSemantics &sem) {
  llvm::APFloat f(sem, llvm::APInt(8, bits));
  return f.convertToDouble();
}

double tilec::roundToF16(double value) { return fromHalfBits(toHalfBits(value)); }
double tilec::roundToBF16(double value) { return fromBF16Bits(toBF16Bits(value)); }
double tilec::roundToF32(double value) { return static_cast<float>(value); }
double tilec::roundToF8E4M3(double value) {
  return fromF8Bits(toF8Bits(value, llvm::APFloat::Float8E4M3FN()),
                    llvm::APFloat::Float8E4M3FN());
}
double tilec::roundToF8E5M2(double value) {
  return fromF8Bits(toF8Bits(value, llvm::APFloat::Float8E5M2()),
                    llvm::APFloat::Float8E5M2());
}

double tilec::loadFloat(const void *element, DType dtype) {
  switch (dtype) {
  case DType::F16: {
    uint16_t h;
    std::memcpy(&h, element, 2);
    return fromHalfBits(h);
  }
  case DType::BF16: {
    uint16_t b;
    std::memcpy(&b, element, 2);
    return fromBF16Bits(b);
  }
  case DType::F32: {
    float f;
    std::memcpy(&f, element, 4);
    return f;
  }
  case DType::F64: {
    double d;
    std::memcpy(&d, element, 8);
    return d;
  }
  case DType::F8E4M3:
    return fromF8Bits(*static_cast<const uint8_t *>(element), llvm::APFloat::Float8E4M3FN());
  case DType::F8E5M2:
    return fromF8Bits(*static_cast<const uint8_t *>(element), llvm::APFloat::Float8E5M2());
  default:
    return static_cast<double>(loadInt(element, dtype));
  }
}

int64_t tilec::loadInt(const void *element, DType dtype) {
  switch (dtype) {
  case DType::I8: return *static_cast<const int8_t *>(element);
  case DType::U8: return *static_cast<const uint8_t *>(element);
  case DType::Bool: return *static_cast<const uint8_t *>(element) != 0;
  case DType::I16: { int16_t v; std::memcpy(&v, element, 2); return v; }
  case DType::I32: { int32_t v; std::memcpy(&v, element, 4); return v; }
  case DType::I64: { int64_t v; std::memcpy(&v, element, 8); return v; }
  default: return static_cast<int64_t>(loadFloat(element, dtype));
  }
}

void tilec::storeFloat(void *element, DType dtype, double value) {
  switch (dtype) {
  case DType::F16: { uint16_t h = toHalfBits(value); std::memcpy(element, &h, 2); return; }
  case DType::BF16: { uint16_t b = toBF16Bits(value); std::memcpy(element, &b, 2); return; }
  case DType::F32: { float f = static_cast<float>(value); std::memcpy(element, &f, 4); return; }
  case DType::F64: std::memcpy(element, &value, 8); return;
  case DType::F8E4M3:
    *static_cast<uint8_t *>(element) = toF8Bits(value, llvm::APFloat::Float8E4M3FN());
    return;
  case DType::F8E5M2:
    *static_cast<uint8_t *>(element) = toF8Bits(value, llvm::APFloat::Float8E5M2());
    return;
  default:
    storeInt(element, dtype, static_cast<int64_t>(value));
  }
}

void tilec::storeInt(void *element, DType dtype, int64_t value) {
  switch (dtype) {
  case DType::I8: case DType::U8: *static_cast<uint8_t *>(element) = static_cast<uint8_t>(value); return;
  case DType::Bool: *static_cast<uint8_t *>(element) = value != 0; return;
  case DType::I16: { int16_t v = static_cast<int16_t>(value); std::memcpy(element, &v, 2); return; }
  case DType::I32: { int32_t v = static_cast<int32_t>(value); std::memcpy(element, &v, 4); return; }
  case DType::I64: std::memcpy(element, &value, 8); return;
  default: storeFloat(element, dtype, static_cast<double>(value));
  }
}
