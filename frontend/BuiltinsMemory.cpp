//===- BuiltinsMemory.cpp - allocating buffers ----------------------------===//
//
// T.alloc_shared, T.alloc_fragment, T.alloc_local, T.alloc_var and
// T.alloc_global.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

/// T.alloc_shared, T.alloc_fragment, T.alloc_local.
RValue KernelGenerator::builtinAlloc(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"shape", "dtype", "scope"}, 2);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  std::string what = (fn == "alloc_shared" ? "a shared buffer"
                      : fn == "alloc_fragment" ? "a fragment"
                                               : "a local buffer");
  std::optional<SmallVector<int64_t>> shape = evalConstShape(*args.get(0), what);
  Type dtype = evalDType(*args.get(1));
  if (!shape || !dtype)
    return RValue::error();
  tile::MemoryScope scope = fn == "alloc_shared"     ? tile::MemoryScope::Shared
                            : fn == "alloc_fragment" ? tile::MemoryScope::Fragment
                                                     : tile::MemoryScope::Local;
  if (args.get(2)) {
    std::optional<std::string> scopeName = evalConstString(*args.get(2), "scope");
    if (!scopeName)
      return RValue::error();
    if (fn == "alloc_shared" && *scopeName != "shared" && *scopeName != "shared.dyn") {
      error(args.get(2)->getLoc()) << "a shared buffer's scope is 'shared' or "
                                      "'shared.dyn', got '"
                                   << *scopeName << "'";
      return RValue::error();
    }
  }
  auto type = tile::BufferType::get(ctx, *shape, dtype, scope, Attribute());
  return RValue::ofBuffer(tile::AllocOp::create(builder, l, type));
}

/// T.alloc_reducer(shape, dtype, op="sum", replication=...): a fragment
/// that `+=` inside T.Parallel loops sums into, whatever iterations share an
/// element (each keeps its own partial sum; the loop adds them up after).
RValue KernelGenerator::builtinAllocReducer(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {"shape", "dtype", "op", "replication"}, 2);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  std::optional<SmallVector<int64_t>> shape = evalConstShape(*args.get(0), "a reducer");
  Type dtype = evalDType(*args.get(1));
  if (!shape || !dtype)
    return RValue::error();
  if (args.get(2)) {
    std::optional<std::string> op = evalConstString(*args.get(2), "op");
    if (!op)
      return RValue::error();
    if (*op != "sum") {
      error(args.get(2)->getLoc()) << name << ": reducers sum (op='sum', `+=` in T.Parallel); "
                                   << "for '" << *op << "' use T.reduce_" << *op;
      return RValue::error();
    }
  }
  // The replication (which threads keep a copy) is the lowering's choice.
  auto type = tile::BufferType::get(ctx, *shape, dtype, tile::MemoryScope::Fragment, Attribute());
  Value reducer = tile::AllocOp::create(builder, loc(where), type);
  reducers.insert(reducer);
  return RValue::ofBuffer(reducer);
}

/// T.finalize_reducer(reducer): the sums are complete after each T.Parallel
/// loop that adds into the reducer, so there is nothing left to combine.
RValue KernelGenerator::builtinFinalizeReducer(StringRef name, StringRef fn,
                                               const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"reducer"}, 1);
  if (!args.ok)
    return RValue::error();
  RValue reducer = eval(*args.get(0));
  if (reducer.isError())
    return RValue::error();
  if (!reducer.isBuffer() || !reducers.contains(reducer.value)) {
    error(args.get(0)->getLoc()) << name << " takes a buffer of T.alloc_reducer, got "
                                 << reducer.describe();
    return RValue::error();
  }
  return RValue::none();
}

/// T.alloc_var.
RValue KernelGenerator::builtinAllocVar(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"dtype", "init", "scope"}, 1);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  Type dtype = evalDType(*args.get(0));
  if (!dtype)
    return RValue::error();
  auto type = tile::BufferType::get(ctx, {}, dtype, tile::MemoryScope::Local,
                                    Attribute());
  Value var = tile::AllocOp::create(builder, l, type);
  if (args.get(1)) {
    Value init = materialize(eval(*args.get(1)), args.get(1)->getLoc(), dtype);
    if (!init)
      return RValue::error();
    tile::StoreOp::create(builder, l, castTo(init, dtype, where), var, ValueRange{});
  }
  RValue result;
  result.kind = RValue::Kind::Var;
  result.value = var;
  return result;
}

/// T.alloc_global: a workspace in global memory that the kernel's launches
/// share, allocated by the runtime for each call (zero-filled unless
/// `zero_fill=False`).
RValue KernelGenerator::builtinAllocGlobal(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {"shape", "dtype", "zero_fill"}, 2);
  if (!args.ok)
    return RValue::error();
  if (inLaunch) {
    error(where) << name << " allocates a workspace that the kernel's launches share: "
                 << "call it before 'with T.Kernel(...)', at the kernel function's level";
    return RValue::error();
  }
  if (!isa<func::FuncOp>(builder.getInsertionBlock()->getParentOp())) {
    error(where) << name << " must be at the top level of the kernel function, not inside "
                 << "a loop or a condition (the runtime allocates it once per call)";
    return RValue::error();
  }
  SmallVector<Value> launchExtents;
  std::optional<SmallVector<int64_t>> shape =
      evalConstShape(*args.get(0), "a global workspace", &launchExtents);
  Type dtype = evalDType(*args.get(1));
  std::optional<bool> zeroFill = true;
  if (args.get(2))
    zeroFill = evalConstBool(*args.get(2), "zero_fill");
  if (!shape || !dtype || !zeroFill)
    return RValue::error();
  auto type = tile::BufferType::get(ctx, *shape, dtype, tile::MemoryScope::Global, Attribute());
  auto kernel = cast<func::FuncOp>(builder.getInsertionBlock()->getParentOp());
  int64_t index = 0;
  kernel.walk([&](tile::AllocGlobalOp) { ++index; });
  return RValue::ofBuffer(tile::AllocGlobalOp::create(builder, loc(where), type, launchExtents,
                                                      "workspace" + std::to_string(index),
                                                      /*uninitialized=*/!*zeroFill));
}
