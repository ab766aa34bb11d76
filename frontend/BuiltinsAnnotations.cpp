//===- BuiltinsAnnotations.cpp - scheduling hints, debugging --------------===//
//
// T.use_swizzle, T.make_swizzled_layout, T.annotate_layout,
// T.no_set_max_nreg, T.print and T.device_assert.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

/// T.use_swizzle.
RValue KernelGenerator::builtinUseSwizzle(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"panel_size", "order", "enable"}, 1);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  std::optional<int64_t> panel = evalConstInt(*args.get(0), "panel_size");
  if (!panel)
    return RValue::error();
  if (*panel <= 0) {
    error(args.get(0)->getLoc()) << "panel_size must be positive, got " << *panel;
    return RValue::error();
  }
  if (args.get(1)) {
    std::optional<std::string> order = evalConstString(*args.get(1), "order");
    if (!order)
      return RValue::error();
    if (*order != "row" && *order != "col") {
      error(args.get(1)->getLoc()) << "order must be 'row' or 'col'";
      return RValue::error();
    }
  }
  bool enable = true;
  if (args.get(2)) {
    std::optional<bool> value = evalConstBool(*args.get(2), "enable");
    if (!value)
      return RValue::error();
    enable = *value;
  }
  if (enable)
    verifyNow(tile::UseSwizzleOp::create(builder, l, builder.getI64IntegerAttr(*panel)));
  return RValue::none();
}

/// T.make_swizzled_layout.
/// T.Layout(shape, lambda ...) and T.Fragment(shape, forward_thread_fn=...,
/// ...): a layout of TileLang's own choosing. tilec chooses fragment and
/// shared layouts itself (tile-infer-layouts); what a program computes does
/// not depend on them, so such a layout is checked for its shape and
/// otherwise not applied.
RValue KernelGenerator::builtinCustomLayout(StringRef name, StringRef fn,
                                            const CallExpr &call) {
  if (call.args.empty()) {
    error(call.getLoc()) << name << " takes the shape it lays out first";
    return RValue::error();
  }
  RValue shape = eval(*call.args[0]);
  if (shape.isError())
    return shape;
  if (shape.kind != RValue::Kind::Tuple && !shape.isConstInt()) {
    error(call.args[0]->getLoc()) << name << " takes a shape first (a tuple or list), got "
                                  << shape.describe();
    return RValue::error();
  }
  RValue layout;
  layout.kind = RValue::Kind::Layout; // attr null: not applied
  return layout;
}

RValue KernelGenerator::builtinMakeSwizzledLayout(StringRef name, StringRef fn,
                                                  const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"buffer", "bytes"}, 1);
  if (!args.ok)
    return RValue::error();
  RValue buffer = eval(*args.get(0));
  if (buffer.isError())
    return buffer;
  if (!buffer.isBuffer()) {
    error(args.get(0)->getLoc()) << "expected a buffer, got " << buffer.describe();
    return RValue::error();
  }
  int64_t bytes = 0;
  if (args.get(1)) {
    std::optional<int64_t> value = evalConstInt(*args.get(1), "bytes");
    if (!value)
      return RValue::error();
    bytes = *value;
  }
  if (bytes != 0 && bytes != 32 && bytes != 64 && bytes != 128) {
    error(args.get(1)->getLoc()) << "swizzle bytes must be 32, 64 or 128, got " << bytes;
    return RValue::error();
  }
  RValue layout;
  layout.kind = RValue::Kind::Layout;
  layout.attr = tile::SwizzleLayoutAttr::get(ctx, bytes);
  return layout;
}

/// T.annotate_layout.
RValue KernelGenerator::builtinAnnotateLayout(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  if (call.args.size() != 1 || !call.keywords.empty() ||
      !isa<DictExpr>(call.args[0].get())) {
    error(where) << "T.annotate_layout takes one dictionary {buffer: layout}";
    return RValue::error();
  }
  if (!checkInLaunch(where, name))
    return RValue::error();
  auto &dict = cast<DictExpr>(*call.args[0]);
  for (auto [keyExpr, valueExpr] : llvm::zip(dict.keys, dict.values)) {
    RValue key = eval(*keyExpr);
    RValue layout = eval(*valueExpr);
    if (key.isError() || layout.isError())
      continue;
    if (!key.isBuffer()) {
      error(keyExpr->getLoc()) << "a layout annotation's key must be a buffer, got "
                               << key.describe();
      continue;
    }
    if (layout.kind != RValue::Kind::Layout) {
      error(valueExpr->getLoc()) << "expected a layout (e.g. "
                                    "T.make_swizzled_layout(buf)), got "
                                 << layout.describe();
      continue;
    }
    if (!layout.attr)
      continue; // T.Layout / T.Fragment: tilec lays the buffer out itself
    if (key.getBufferType().getScope() != tile::MemoryScope::Shared) {
      error(keyExpr->getLoc()) << "a swizzled layout applies to shared buffers, not to "
                               << key.describe();
      continue;
    }
    verifyNow(tile::AnnotateLayoutOp::create(builder, loc(keyExpr->getLoc()),
                                             key.value, layout.attr));
  }
  return RValue::none();
}

/// T.no_set_max_nreg() (also T.disable_warp_group_reg_alloc()): the
/// launch's warpgroups keep their registers.
/// TileLang's explicit warp specialization: T.alloc_barrier,
/// T.barrier_wait / T.barrier_arrive, T.mbarrier_wait_parity /
/// T.mbarrier_arrive and T.fence_proxy_async. In a tile program every
/// statement sees the effects of the ones before it, so the producer and
/// consumer regions (`with T.ws(i)`) run as the program's own code and their
/// barriers order nothing more: tilec assigns warp roles and places barriers
/// itself (tile-software-pipeline, warp specialization). The arguments (the
/// barriers and their phases) are not evaluated; T.alloc_barrier gives a
/// placeholder that only these calls take.
RValue KernelGenerator::builtinWarpRoleSync(StringRef name, StringRef fn, const CallExpr &call) {
  if (!checkInLaunch(call.getLoc(), name))
    return RValue::error();
  return fn == "alloc_barrier" ? RValue::ofInt(0) : RValue::none();
}

/// Schedules TileLang leaves to the program and tilec decides itself:
/// T.wait_wgmma(n) (tilec waits for a wgmma where its accumulator is read,
/// keeping the others in flight) and T.set_max_nreg(count, is_inc),
/// T.inc_max_nreg(count), T.dec_max_nreg(count) (a warp-specialized
/// kernel's warpgroups trade registers by tilec's count, or keep them with
/// T.no_set_max_nreg()). Their arguments are checked to be constants.
RValue KernelGenerator::builtinScheduleHint(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  SmallVector<StringRef> params;
  if (fn == "wait_wgmma")
    params = {"id"};
  else if (fn == "set_max_nreg")
    params = {"reg_count", "is_inc"};
  else
    params = {"reg_count"};
  BoundArgs args = bindArgs(*this, call, name, params, params.size());
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  for (auto [param, arg] : llvm::zip(params, args.values))
    if (!evalConstInt(*arg, param))
      return RValue::error();
  return RValue::none();
}

/// T.sync_grid() where genWith does not take it (inside a loop, branch or
/// macro): tilec splits a kernel into launches at a grid-wide barrier, which
/// only the kernel body's top level can be.
RValue KernelGenerator::builtinSyncGrid(StringRef name, StringRef fn, const CallExpr &call) {
  if (!checkInLaunch(call.getLoc(), name))
    return RValue::error();
  error(call.getLoc()) << name
                       << " must be a statement of the T.Kernel body itself (not in a loop, "
                          "branch or macro): the kernel splits there into launches";
  return RValue::error();
}

RValue KernelGenerator::builtinNoSetMaxNReg(StringRef name, StringRef fn,
                                            const CallExpr &call) {
  SMLoc where = call.getLoc();
  BoundArgs args = bindArgs(*this, call, name, {}, 0);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  Operation *parent = builder.getInsertionBlock()->getParentOp();
  auto launch = isa<tile::LaunchOp>(parent) ? cast<tile::LaunchOp>(parent)
                                            : parent->getParentOfType<tile::LaunchOp>();
  launch.setNoSetmaxnreg(true);
  return RValue::none();
}

/// The optional `msg` string of T.print and T.device_assert ("" when not
/// given); none after an error.
std::optional<std::string> KernelGenerator::evalMessage(const Expr *msg) {
  if (!msg)
    return std::string();
  return evalConstString(*msg, "msg");
}

/// T.print.
RValue KernelGenerator::builtinPrint(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"value", "msg"}, 1);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue value = eval(*args.get(0));
  if (value.isError())
    return value;
  std::optional<std::string> message = evalMessage(args.get(1));
  if (!message)
    return RValue::error();
  Value v = value.isBuffer() ? value.value : materialize(value, args.get(0)->getLoc());
  if (!v)
    return RValue::error();
  tile::PrintOp::create(builder, l, v, builder.getStringAttr(*message));
  return RValue::none();
}

/// T.device_assert.
RValue KernelGenerator::builtinDeviceAssert(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"cond", "msg"}, 1);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  Value cond = toBool(eval(*args.get(0)), args.get(0)->getLoc());
  if (!cond)
    return RValue::error();
  std::optional<std::string> message = evalMessage(args.get(1));
  if (!message)
    return RValue::error();
  tile::AssertOp::create(builder, l, cond, builder.getStringAttr(*message));
  return RValue::none();
}

RValue KernelGenerator::builtinCSource(StringRef name, StringRef fn, const CallExpr &call) {
  if (fn == "import_source" && call.args.size() == 1 && call.keywords.empty()) {
    RValue source = eval(*call.args[0]);
    if (source.isError())
      return source;
    if (source.kind == RValue::Kind::None) // a factory that chose not to import any
      return RValue::none();
  }
  error(call.getLoc()) << name << " takes CUDA C source code; tilec compiles tile programs "
                          "through MLIR to PTX and AMD code objects, with no C compiler: "
                          "write the function in the tile language (a @T.macro)";
  return RValue::error();
}
