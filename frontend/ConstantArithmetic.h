//===- ConstantArithmetic.h - Python's integer rules in int64 ---*- C++ -*-===//
//
// Compile-time integers follow Python's rules (floor division, modulo with
// the divisor's sign, `**`) but live in 64 bits: a result that Python would
// compute and int64 cannot hold is reported, never wrapped.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_CONSTANTARITHMETIC_H
#define TILEC_FRONTEND_CONSTANTARITHMETIC_H

#include "frontend/AST.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace tilec::frontend {

/// Python's `a // b` for b != 0, or nothing where it leaves int64.
inline std::optional<int64_t> floorDivide(int64_t a, int64_t b) {
  if (a == std::numeric_limits<int64_t>::min() && b == -1)
    return std::nullopt;
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// Python's `a % b` for b != 0 (the sign of b).
inline int64_t floorModulo(int64_t a, int64_t b) {
  if (b == -1)
    return 0;
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/// `a op b` on compile-time integers; nothing when the result does not fit
/// in int64 (or for an operator that is not integer arithmetic). Division
/// by zero and negative or oversized shift amounts are the caller's checks.
inline std::optional<int64_t> foldInteger(BinaryOp op, int64_t a, int64_t b) {
  int64_t result = 0;
  switch (op) {
  case BinaryOp::Add:
    return __builtin_add_overflow(a, b, &result) ? std::nullopt : std::optional(result);
  case BinaryOp::Sub:
    return __builtin_sub_overflow(a, b, &result) ? std::nullopt : std::optional(result);
  case BinaryOp::Mul:
    return __builtin_mul_overflow(a, b, &result) ? std::nullopt : std::optional(result);
  case BinaryOp::FloorDiv:
    return floorDivide(a, b);
  case BinaryOp::Mod:
    return floorModulo(a, b);
  case BinaryOp::Pow: // b >= 0 (a negative exponent gives a float)
    if (a == 0 || a == 1)
      return b == 0 ? 1 : a;
    if (a == -1)
      return b % 2 == 0 ? 1 : -1;
    if (b >= 64)
      return std::nullopt;
    result = 1;
    for (int64_t i = 0; i < b; ++i)
      if (__builtin_mul_overflow(result, a, &result))
        return std::nullopt;
    return result;
  case BinaryOp::BitAnd: return a & b;
  case BinaryOp::BitOr: return a | b;
  case BinaryOp::BitXor: return a ^ b;
  case BinaryOp::Shl: {
    if (a == 0 && b >= 0)
      return 0;
    if (b < 0 || b >= 64)
      return std::nullopt;
    int64_t shifted = static_cast<int64_t>(static_cast<uint64_t>(a) << b);
    return (shifted >> b) == a ? std::optional(shifted) : std::nullopt;
  }
  case BinaryOp::Shr:
    return b < 0 ? std::nullopt : std::optional(b >= 64 ? (a < 0 ? -1 : 0) : a >> b);
  default:
    return std::nullopt;
  }
}

/// `-a` on a compile-time integer; nothing for -INT64_MIN.
inline std::optional<int64_t> negateInteger(int64_t a) {
  if (a == std::numeric_limits<int64_t>::min())
    return std::nullopt;
  return -a;
}

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_CONSTANTARITHMETIC_H
