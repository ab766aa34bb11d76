//===- Values.h - what a name stands for during generation ------*- C++ -*-===//
//
// RValue: the value of an expression or a name while the frontend generates
// tile IR (a constant, an SSA scalar, a buffer, a namespace, a module, a
// kernel or macro, ...). Shared by the module loader, which binds module-level
// names, and the generator. Not a public header.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_VALUES_H
#define TILEC_FRONTEND_VALUES_H

#include "dialects/Tile/TileDialect.h"
#include "frontend/AST.h"

#include "mlir/IR/Value.h"

#include <map>
#include <string>
#include <vector>

namespace tilec::frontend {

struct ModuleInfo;

/// The namespace value of torch.cuda.get_device_properties(): the target's
/// compute capability and SM count, in its elements.
inline constexpr llvm::StringLiteral kDeviceProperties = "torch.cuda.device_properties";

/// What an expression or a name stands for during generation.
struct RValue {
  enum class Kind {
    Error,     ///< already diagnosed; stops cascades
    None,      ///< `None`, or a statement-like call's result
    Const,     ///< a compile-time constant (int, float, bool, string, dtype)
    Scalar,    ///< an SSA scalar value
    Buffer,    ///< a `!tile.buffer` value
    Var,       ///< a `T.alloc_var` (rank-0 local buffer): reads load it
    Macro,     ///< a `@T.macro` function
    Kernel,    ///< a `@T.prim_func` function (not callable)
    Module,    ///< an imported `.tl` module
    Namespace, ///< `T` (and dotted names under it, e.g. `T.GemmWarpPolicy`)
    Builtin,   ///< `range`, `min`, `max`, ...
    Tuple,     ///< a tuple or list of values
    Layout,    ///< a layout attribute made by T.make_swizzled_layout
    Symbol,    ///< `T.dynamic("m")` bound to a name: a dimension set at launch
    /// A module-level `Name = T.Tensor(shape, dtype)`: a parameter
    /// annotation whose names each kernel using it resolves in its own scope.
    TensorAnnotation,
    /// A PyTorch tensor made by a Python file's module-level code
    /// (`A = torch.randn(m, k, dtype=torch.float16)`): its shape
    /// (`elements`, constant integers) and dtype are known, not its data.
    HostTensor,
    /// A module-level name that host code binds in a way tilec does not
    /// evaluate; `str` says where and why, reported where a kernel reads it.
    HostOnly,
    /// While T.block_visibility evaluates a mask over a block: an integer
    /// known to lie in [elements[0], elements[1]] (each a constant or a
    /// scalar; None: unbounded on that side).
    Interval,
    /// While T.block_visibility evaluates a mask over a block: a condition
    /// over a block of pairs, as elements {always, possibly} (each a
    /// constant bool or an i1 scalar): whether it holds for every pair, and
    /// whether it may hold for some.
    Truth,
  };
  enum class ConstKind { Int, Float, Bool, Str, DType };

  Kind kind = Kind::Error;
  ConstKind constKind = ConstKind::Int;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string str;        // Str constants; Namespace and Builtin paths; Symbol names
  mlir::Type dtype;       // DType constants
  mlir::Value value;      // Scalar, Buffer, Var
  /// Scalar: its TileLang dtype where that is not the type it computes in:
  /// an unsigned integer, held in a wider signless one (tile::scalarTypeOf),
  /// whose arithmetic wraps at its own width.
  mlir::Type declared;
  mlir::Attribute attr;   // Layout
  const FunctionDef *function = nullptr; // Macro, Kernel
  const Expr *annotation = nullptr;      // TensorAnnotation: the T.Tensor call
  /// Macro: the names of the kernel factory it was defined in (a Python
  /// closure), visible in its body; null for module-level macros.
  const std::map<std::string, RValue> *closure = nullptr;
  ModuleInfo *module = nullptr;          // Module; Macro's home module
  std::vector<RValue> elements;          // Tuple
  /// Buffer: T.assume_sorted's promise that its values do not decrease
  /// along the last index (what T.block_visibility may rely on).
  bool sortedAlongLast = false;

  static RValue error() { return RValue(); }
  static RValue none() { RValue r; r.kind = Kind::None; return r; }
  static RValue ofInt(int64_t v) {
    RValue r; r.kind = Kind::Const; r.constKind = ConstKind::Int; r.intValue = v; return r;
  }
  static RValue ofFloat(double v) {
    RValue r; r.kind = Kind::Const; r.constKind = ConstKind::Float; r.floatValue = v; return r;
  }
  static RValue ofBool(bool v) {
    RValue r; r.kind = Kind::Const; r.constKind = ConstKind::Bool; r.intValue = v; return r;
  }
  static RValue ofStr(std::string s) {
    RValue r; r.kind = Kind::Const; r.constKind = ConstKind::Str; r.str = std::move(s); return r;
  }
  static RValue ofDType(mlir::Type t) {
    RValue r; r.kind = Kind::Const; r.constKind = ConstKind::DType; r.dtype = t; return r;
  }
  static RValue ofScalar(mlir::Value v) { RValue r; r.kind = Kind::Scalar; r.value = v; return r; }
  /// A scalar of dtype `dtype`: declared where it computes in another type.
  static RValue ofScalar(mlir::Value v, mlir::Type dtype) {
    RValue r = ofScalar(v);
    if (dtype != v.getType())
      r.declared = dtype;
    return r;
  }
  static RValue ofBuffer(mlir::Value v) { RValue r; r.kind = Kind::Buffer; r.value = v; return r; }
  static RValue ofNamespace(std::string path) {
    RValue r; r.kind = Kind::Namespace; r.str = std::move(path); return r;
  }
  static RValue ofSymbol(std::string name) {
    RValue r; r.kind = Kind::Symbol; r.str = std::move(name); return r;
  }
  static RValue ofBuiltin(std::string name) {
    RValue r; r.kind = Kind::Builtin; r.str = std::move(name); return r;
  }

  bool isError() const { return kind == Kind::Error; }
  bool isConst() const { return kind == Kind::Const; }
  bool isConstInt() const {
    return kind == Kind::Const && (constKind == ConstKind::Int || constKind == ConstKind::Bool);
  }
  bool isConstNumber() const {
    return kind == Kind::Const && constKind != ConstKind::Str && constKind != ConstKind::DType;
  }
  bool isBuffer() const { return kind == Kind::Buffer; }
  /// A range or a condition of T.block_visibility's evaluation.
  bool isBlockValue() const { return kind == Kind::Interval || kind == Kind::Truth; }
  tile::BufferType getBufferType() const {
    return llvm::cast<tile::BufferType>(value.getType());
  }
  /// What this is, for messages: "an integer constant", "a buffer", ...
  std::string describe() const;
};

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_VALUES_H
