//===- BuiltinsTileOps.cpp - the whole-tile operations --------------------===//
//
// T.copy, T.gemm, T.fill/T.clear, T.reduce_*, T.cumsum and T.atomic_add:
// each checks its operands and reports errors at the argument that is wrong.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

/// T.copy.
RValue KernelGenerator::builtinCopy(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  // T.tma_copy(src, dst, barrier=...): a copy; the barrier of explicit warp
  // specialization is implied by the tile program's order (see
  // builtinWarpRoleSync).
  BoundArgs args =
      fn == "tma_copy"
          ? bindArgs(*this, call, name, {"src", "dst", "barrier"}, 2)
          : bindArgs(*this, call, name, {"src", "dst", "coalesced_width", "disable_tma"}, 2);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  const Expr &srcExpr = *args.get(0), &dstExpr = *args.get(1);
  bool srcStart = isStartOnlySubscript(srcExpr);
  bool dstStart = isStartOnlySubscript(dstExpr);
  if (srcStart && dstStart) {
    error(where) << "cannot infer the extent of this copy: give one side as a "
                    "whole buffer or with slices";
    return RValue::error();
  }
  RValue src, dst;
  if (srcStart) {
    dst = evalTileOperand(dstExpr, std::nullopt);
    if (dst.isError())
      return dst;
    src = evalTileOperand(srcExpr, dst.getBufferType().getShape());
  } else {
    src = evalTileOperand(srcExpr, std::nullopt);
    if (src.isError())
      return src;
    dst = evalTileOperand(dstExpr, dstStart ? std::optional<ArrayRef<int64_t>>(
                                                  src.getBufferType().getShape())
                                            : std::nullopt);
  }
  if (src.isError() || dst.isError())
    return RValue::error();
  tile::BufferType srcType = src.getBufferType(), dstType = dst.getBufferType();
  if (!srcType.hasStaticShape() || !dstType.hasStaticShape()) {
    const Expr &dynamicSide = srcType.hasStaticShape() ? dstExpr : srcExpr;
    error(dynamicSide.getLoc())
        << "T.copy needs a tile of constant shape; this buffer's shape is "
           "bound at launch, so copy a region of it (e.g. A[i * 64, 0])";
    return RValue::error();
  }
  if (tile::withoutUnitDims(srcType.getShape()) != tile::withoutUnitDims(dstType.getShape())) {
    error(where) << "T.copy shapes do not match: source is "
                 << shapeText(srcType.getShape()) << ", destination is "
                 << shapeText(dstType.getShape());
    return RValue::error();
  }
  auto op = tile::CopyOp::create(builder, l, src.value, dst.value);
  verifyNow(op);
  return RValue::none();
}

/// T.gemm, and T.wgmma_gemm: the same product on Hopper's wgmma only (the
/// gemm is marked, and compiling it for a GPU fails where it would take
/// another path). TileLang leaves T.wgmma_gemm's wait to the program
/// (T.wait_wgmma); tilec waits where the accumulator is read, as for T.gemm.
/// Its `annotations` are TileLang's lowering hints, not used.
RValue KernelGenerator::builtinGemm(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  bool wgmma = fn == "wgmma_gemm";
  SmallVector<StringRef> params{"A", "B", "C", "transpose_A", "transpose_B", "policy",
                                "clear_accum"};
  if (wgmma)
    params.push_back("annotations");
  else
    params.append({"k_pack", "wg_wait"});
  BoundArgs args = bindArgs(*this, call, name, params, 3);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue a = evalTileOperand(*args.get(0), std::nullopt);
  RValue b = evalTileOperand(*args.get(1), std::nullopt);
  RValue c = evalTileOperand(*args.get(2), std::nullopt);
  if (a.isError() || b.isError() || c.isError())
    return RValue::error();
  bool transA = false, transB = false, clear = false;
  // clear_accum may be a value of the kernel (TileLang's `clear_accum=(j ==
  // 0)` in an unrolled loop): C is zeroed where it holds, then accumulated.
  Value clearAtRun;
  SmallVector<std::pair<size_t, bool *>> flags{{3, &transA}, {4, &transB}};
  if (const Expr *clearExpr = args.get(6)) {
    RValue value = eval(*clearExpr);
    if (value.isError())
      return RValue::error();
    if (value.kind == RValue::Kind::Scalar && value.value.getType().isInteger(1)) {
      clearAtRun = value.value;
    } else {
      flags.push_back({6, &clear});
    }
  }
  std::optional<tile::GemmPolicy> policy =
      readGemmOptions(args, flags, /*policyIndex=*/5,
                      /*hintsIndex=*/wgmma ? std::nullopt : std::optional<size_t>(7));
  if (!policy)
    return RValue::error();
  return createGemm(a, b, c, {args.get(0), args.get(1), args.get(2)}, transA, transB, *policy,
                    clear, where, wgmma, clearAtRun);
}

/// The options of a T.gemm or T.gemm_sp: its constant flags (argument index
/// and where the value goes; an absent one keeps its default), its warp
/// policy (Square when not given) and the hints k_pack and wg_wait (at
/// `hintsIndex` and after it, where it takes them), which are checked and
/// not used.
std::optional<tile::GemmPolicy>
KernelGenerator::readGemmOptions(const BoundArgs &args,
                                 ArrayRef<std::pair<size_t, bool *>> flags,
                                 size_t policyIndex, std::optional<size_t> hintsIndex) {
  for (auto [i, flag] : flags) {
    if (!args.get(i))
      continue;
    std::optional<bool> value = evalConstBool(*args.get(i), "a gemm flag");
    if (!value)
      return std::nullopt;
    *flag = *value;
  }
  if (hintsIndex)
    for (size_t i : {*hintsIndex, *hintsIndex + 1})
      if (args.get(i) && !evalConstInt(*args.get(i), i == *hintsIndex ? "k_pack" : "wg_wait"))
        return std::nullopt;
  const Expr *policyExpr = args.get(policyIndex);
  if (!policyExpr)
    return tile::GemmPolicy::Square;
  RValue value = eval(*policyExpr);
  if (value.isError())
    return std::nullopt;
  StringRef path = value.kind == RValue::Kind::Namespace ? StringRef(value.str) : StringRef();
  // Given from outside as text: -D policy=T.GemmWarpPolicy.FullRow, or the
  // bare name a kernel factory's argument becomes (-D policy=FullRow).
  std::string spelled;
  if (value.isConst() && value.constKind == RValue::ConstKind::Str) {
    spelled = StringRef(value.str).contains('.') ? value.str : "T.GemmWarpPolicy." + value.str;
    path = spelled;
  }
  if (path == "T.GemmWarpPolicy.Square")
    return tile::GemmPolicy::Square;
  if (path == "T.GemmWarpPolicy.FullRow")
    return tile::GemmPolicy::FullRow;
  if (path == "T.GemmWarpPolicy.FullCol")
    return tile::GemmPolicy::FullCol;
  error(policyExpr->getLoc()) << "policy must be T.GemmWarpPolicy.Square, FullRow or FullCol";
  return std::nullopt;
}

/// Checks a T.gemm's operands (`exprs`: where A, B and C are written) and
/// creates its tile.gemm; with `clearAtRun` (an i1 of the kernel), C is
/// zeroed first where it holds.
RValue KernelGenerator::createGemm(const RValue &a, const RValue &b, const RValue &c,
                                   std::array<const Expr *, 3> exprs, bool transA, bool transB,
                                   tile::GemmPolicy policy, bool clear, SMLoc where,
                                   bool wgmma, Value clearAtRun) {
  Location l = loc(where);
  tile::BufferType at = a.getBufferType(), bt = b.getBufferType(),
                   ct = c.getBufferType();
  for (auto [operand, type, expr] :
       {std::make_tuple("A", at, exprs[0]), std::make_tuple("B", bt, exprs[1]),
        std::make_tuple("C", ct, exprs[2])})
    if (type.getShape().size() != 2) {
      error(expr->getLoc()) << "T.gemm operand " << operand
                            << " must be a 2-D tile, got " << shapeText(type.getShape());
      return RValue::error();
    }
  if (at.getScope() == tile::MemoryScope::Global ||
      bt.getScope() == tile::MemoryScope::Global) {
    const Expr *expr = at.getScope() == tile::MemoryScope::Global ? exprs[0] : exprs[1];
    error(expr->getLoc()) << "T.gemm operands must be in shared memory or "
                             "fragments; copy the tile out of global memory first";
    return RValue::error();
  }
  if (ct.getScope() != tile::MemoryScope::Fragment &&
      ct.getScope() != tile::MemoryScope::Local) {
    error(exprs[2]->getLoc()) << "the T.gemm accumulator C must be a fragment "
                                    "(T.alloc_fragment), got "
                                 << c.describe();
    return RValue::error();
  }
  int64_t m = transA ? at.getShape()[1] : at.getShape()[0];
  int64_t kA = transA ? at.getShape()[0] : at.getShape()[1];
  int64_t kB = transB ? bt.getShape()[1] : bt.getShape()[0];
  int64_t n = transB ? bt.getShape()[0] : bt.getShape()[1];
  if (kA != kB) {
    error(where) << "T.gemm K extents differ: A is " << shapeText(at.getShape())
                 << (transA ? " (transposed)" : "") << " with K = " << kA
                 << ", B is " << shapeText(bt.getShape())
                 << (transB ? " (transposed)" : "") << " with K = " << kB;
    return RValue::error();
  }
  if (ct.getShape()[0] != m || ct.getShape()[1] != n) {
    error(exprs[2]->getLoc()) << "T.gemm accumulator is " << shapeText(ct.getShape())
                                 << " but A x B is " << m << "x" << n;
    return RValue::error();
  }
  if (clearAtRun) {
    auto ifOp = scf::IfOp::create(builder, l, clearAtRun, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(ifOp.thenBlock());
    Value zero = arith::ConstantOp::create(builder, l, builder.getZeroAttr(ct.getElementType()));
    verifyNow(tile::FillOp::create(builder, l, c.value, zero));
  }
  auto op = tile::GemmOp::create(
      builder, l, a.value, b.value, c.value,
      transA ? builder.getUnitAttr() : UnitAttr(),
      transB ? builder.getUnitAttr() : UnitAttr(),
      tile::GemmPolicyAttr::get(ctx, policy),
      clear ? builder.getUnitAttr() : UnitAttr(), wgmma ? builder.getUnitAttr() : UnitAttr());
  verifyNow(op);
  return RValue::none();
}

/// The 2:4 sparsity groups of a dtype: (nonzeros kept, group size) — two of
/// four for 8- and 16-bit elements, one of two for 32-bit ones.
static std::pair<int64_t, int64_t> sparseGroup(Type element) {
  return element.getIntOrFloatBitWidth() == 32 ? std::make_pair<int64_t, int64_t>(1, 2)
                                               : std::make_pair<int64_t, int64_t>(2, 4);
}

/// TileLang's get_e_factor(a_dtype, meta_dtype): how many elements of A one
/// metadata element describes (4 bits per group).
RValue KernelGenerator::builtinSparseEFactor(StringRef name, const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"a_dtype", "meta_dtype"}, 2);
  if (!args.ok)
    return RValue::error();
  Type element = evalDType(*args.get(0));
  Type meta = evalDType(*args.get(1));
  if (!element || !meta)
    return RValue::error();
  Type scalar = tile::scalarTypeOf(element), metaScalar = tile::scalarTypeOf(meta);
  if (!scalar.isIntOrFloat() || scalar.getIntOrFloatBitWidth() > 32 ||
      !isa<IntegerType>(metaScalar)) {
    error(call.getLoc()) << name << " takes A's dtype (8 to 32 bits) and an integer metadata "
                                    "dtype";
    return RValue::error();
  }
  return RValue::ofInt(metaScalar.getIntOrFloatBitWidth() / 4 * sparseGroup(scalar).second);
}

/// T.gemm_sp(A_sparse, E, B, C, ...): C += A B where A is 2:4 sparse along
/// K, given by its kept values A_sparse (K/2 columns) and metadata E: in
/// each group of four elements along K (two for 32-bit dtypes), 4 bits of
/// E (bits 1:0 and 3:2, little-endian within an E element) give the
/// positions of the two kept values (of the one, in bits 1:0, position
/// divided by 2). A is expanded into a dense shared tile, which a T.gemm
/// then multiplies on the tensor cores: the result is exact, the zeros are
/// multiplied too (the sparse tensor-core instructions are not used).
RValue KernelGenerator::builtinGemmSp(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name,
                            {"A_sparse", "E", "B", "C", "transpose_A", "transpose_E",
                             "transpose_B", "policy", "clear_accum", "k_pack", "wg_wait"},
                            4);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue a = evalTileOperand(*args.get(0), std::nullopt);
  RValue e = evalTileOperand(*args.get(1), std::nullopt);
  RValue b = evalTileOperand(*args.get(2), std::nullopt);
  RValue c = evalTileOperand(*args.get(3), std::nullopt);
  if (a.isError() || e.isError() || b.isError() || c.isError())
    return RValue::error();
  bool transA = false, transE = false, transB = false, clear = false;
  std::optional<tile::GemmPolicy> policy =
      readGemmOptions(args, {{4, &transA}, {5, &transE}, {6, &transB}, {8, &clear}},
                      /*policyIndex=*/7, /*hintsIndex=*/9);
  if (!policy)
    return RValue::error();

  tile::BufferType at = a.getBufferType(), et = e.getBufferType();
  for (auto [operand, type, expr] : {std::make_tuple("A_sparse", at, args.get(0)),
                                     std::make_tuple("E", et, args.get(1))}) {
    if (type.getShape().size() != 2 || !type.hasStaticShape()) {
      error(expr->getLoc()) << name << " operand " << operand << " must be a 2-D tile, got "
                            << shapeText(type.getShape());
      return RValue::error();
    }
    if (type.getScope() == tile::MemoryScope::Global) {
      error(expr->getLoc()) << name << " operands must be in shared memory or fragments; "
                                       "copy the tile out of global memory first";
      return RValue::error();
    }
  }
  Type element = tile::scalarTypeOf(at.getElementType());
  Type meta = tile::scalarTypeOf(et.getElementType());
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() > 32) {
    error(args.get(0)->getLoc()) << name << " takes A of 8-, 16- or 32-bit elements";
    return RValue::error();
  }
  if (!isa<IntegerType>(meta) || meta.getIntOrFloatBitWidth() < 8) {
    error(args.get(1)->getLoc()) << name << " takes metadata E of int8, int16 or int32, got "
                                 << e.describe();
    return RValue::error();
  }
  auto [kept, group] = sparseGroup(element);
  int64_t eFactor = meta.getIntOrFloatBitWidth() / 4 * group;
  int64_t rows = transA ? at.getShape()[1] : at.getShape()[0];
  int64_t depth = 2 * (transA ? at.getShape()[0] : at.getShape()[1]); // K
  SmallVector<int64_t, 2> expectedE = {rows, depth / eFactor};
  if (transE)
    std::swap(expectedE[0], expectedE[1]);
  if (depth % eFactor != 0 || ArrayRef<int64_t>(expectedE) != et.getShape()) {
    error(args.get(1)->getLoc())
        << name << " metadata for a " << rows << "x" << depth << " A (" << eFactor
        << " elements per metadata element)" << (transE ? ", transposed," : "") << " is "
        << shapeText(expectedE) << ", got " << shapeText(et.getShape());
    return RValue::error();
  }

  // The dense A, in shared memory for the whole launch.
  Operation *parent = builder.getInsertionBlock()->getParentOp();
  auto launch = isa<tile::LaunchOp>(parent) ? cast<tile::LaunchOp>(parent)
                                            : parent->getParentOfType<tile::LaunchOp>();
  auto denseType = tile::BufferType::get(ctx, {rows, depth}, at.getElementType(),
                                         tile::MemoryScope::Shared, Attribute());
  Value dense;
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&launch.getBody().front());
    dense = tile::AllocOp::create(builder, l, denseType);
  }

  auto parallel = tile::ParallelOp::create(builder, l, builder.getDenseI64ArrayAttr({rows, depth}));
  {
    OpBuilder::InsertionGuard guard(builder);
    Block *body = builder.createBlock(&parallel.getBody(), {},
                                      {builder.getIndexType(), builder.getIndexType()}, {l, l});
    Value i = body->getArgument(0), k = body->getArgument(1);
    auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(builder, l, v); };
    Type i32 = builder.getI32Type();
    auto int32 = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(builder, l, builder.getI32IntegerAttr(v));
    };
    // The 4 bits of k's group.
    Value metaColumn = arith::DivUIOp::create(builder, l, k, index(eFactor));
    Value metaElement = tile::LoadOp::create(
        builder, l, meta, e.value,
        transE ? ValueRange{metaColumn, i} : ValueRange{i, metaColumn});
    Value metaBits = meta.getIntOrFloatBitWidth() < 32
                         ? Value(arith::ExtUIOp::create(builder, l, i32, metaElement))
                         : metaElement;
    Value chunk = arith::DivUIOp::create(
        builder, l, arith::RemUIOp::create(builder, l, k, index(eFactor)), index(group));
    Value shift = arith::IndexCastOp::create(
        builder, l, i32, arith::MulIOp::create(builder, l, chunk, index(4)));
    Value bits = arith::AndIOp::create(
        builder, l, arith::ShRUIOp::create(builder, l, metaBits, shift), int32(15));
    Value position = arith::IndexCastOp::create(
        builder, l, i32, arith::RemUIOp::create(builder, l, k, index(group)));
    Value groupFirst = arith::MulIOp::create(
        builder, l, arith::DivUIOp::create(builder, l, k, index(group)), index(kept));
    Value value = constantOf(element, 0, where);
    // Later kept values first, so that the first one wins a tie.
    for (int64_t j = kept - 1; j >= 0; --j) {
      Value slot = arith::ShRUIOp::create(
          builder, l, arith::AndIOp::create(builder, l, bits, int32(3 << (2 * j))),
          int32(2 * j));
      if (kept == 1)
        slot = arith::ShRUIOp::create(builder, l, slot, int32(1)); // of a pair
      Value column = arith::AddIOp::create(builder, l, groupFirst, index(j));
      Value keptValue = tile::LoadOp::create(builder, l, element, a.value,
                                             transA ? ValueRange{column, i} : ValueRange{i, column});
      Value here =
          arith::CmpIOp::create(builder, l, arith::CmpIPredicate::eq, slot, position);
      value = arith::SelectOp::create(builder, l, here, keptValue, value);
    }
    tile::StoreOp::create(builder, l, value, dense, ValueRange{i, k});
  }
  verifyNow(parallel);
  RValue denseA = RValue::ofBuffer(dense);
  return createGemm(denseA, b, c, {args.get(0), args.get(2), args.get(3)}, false, transB,
                    *policy, clear, where);
}

/// T.fill, T.clear.
RValue KernelGenerator::builtinFill(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  bool isFill = fn == "fill";
  BoundArgs args = isFill ? bindArgs(*this, call, name, {"buffer", "value"}, 2)
                          : bindArgs(*this, call, name, {"buffer"}, 1);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  // Of a T.alloc_var (TileLang clears accumulators held in one): a store.
  if (auto *var = dyn_cast<NameExpr>(args.get(0))) {
    const RValue *bound = lookup(var->name);
    if (bound && bound->kind == RValue::Kind::Var) {
      RValue value = isFill ? eval(*args.get(1)) : RValue::ofInt(0);
      if (value.isError())
        return value;
      if (value.isBuffer()) {
        error(args.get(1)->getLoc()) << "T.fill takes a scalar value";
        return RValue::error();
      }
      assignName(var->name, std::move(value), isFill ? args.get(1)->getLoc() : where);
      return RValue::none();
    }
  }
  RValue buffer = evalTileOperand(*args.get(0), std::nullopt);
  if (buffer.isError())
    return buffer;
  Type elementType = tile::scalarTypeOf(buffer.getBufferType().getElementType());
  RValue value = isFill ? eval(*args.get(1)) : RValue::ofInt(0);
  if (value.isBuffer()) {
    error(args.get(1)->getLoc()) << "T.fill takes a scalar value";
    return RValue::error();
  }
  Value scalar = materialize(value, isFill ? args.get(1)->getLoc() : where, elementType);
  if (!scalar)
    return RValue::error();
  scalar = castTo(scalar, elementType, where);
  auto op = tile::FillOp::create(builder, l, buffer.value, scalar);
  verifyNow(op);
  return RValue::none();
}

/// T.reduce_<kind>.
RValue KernelGenerator::builtinReduce(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  std::optional<tile::ReduceKind> kind = tile::symbolizeReduceKind(fn.drop_front(7));
  if (!kind) {
    error(call.callee->getLoc()) << "unknown reduction '" << name
                                 << "'; expected reduce_max, reduce_min, reduce_sum, "
                                    "reduce_abssum or reduce_absmax";
    return RValue::error();
  }
  BoundArgs args = bindArgs(*this, call, name, {"buffer", "out", "dim", "clear"}, 2);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue src = evalTileOperand(*args.get(0), std::nullopt);
  RValue dst = evalTileOperand(*args.get(1), std::nullopt);
  if (src.isError() || dst.isError())
    return RValue::error();
  int64_t rank = src.getBufferType().getShape().size();
  std::optional<int64_t> dimArg = evalDimArg(args.get(2), rank, -1, where);
  std::optional<bool> clearArg = evalFlagArg(args.get(3), "clear", true);
  if (!dimArg || !clearArg)
    return RValue::error();
  int64_t dim = *dimArg;
  bool clear = *clearArg;
  SmallVector<int64_t> expected(src.getBufferType().getShape());
  expected.erase(expected.begin() + dim);
  if (tile::withoutUnitDims(expected) != tile::withoutUnitDims(dst.getBufferType().getShape())) {
    error(args.get(1)->getLoc())
        << name << " output must have the input's shape without dimension " << dim
        << " (" << shapeText(expected) << "), got "
        << shapeText(dst.getBufferType().getShape());
    return RValue::error();
  }
  auto op = tile::ReduceOp::create(builder, l, tile::ReduceKindAttr::get(ctx, *kind),
                                   src.value, dst.value, builder.getI64IntegerAttr(dim),
                                   clear ? builder.getUnitAttr() : UnitAttr());
  verifyNow(op);
  return RValue::none();
}

/// T.cumsum.
RValue KernelGenerator::builtinCumsum(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name, {"src", "dst", "dim", "reverse"}, 1);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue src = evalTileOperand(*args.get(0), std::nullopt);
  if (src.isError())
    return src;
  // Without dst (or dst=None) the source holds the sums.
  RValue dst = src;
  if (const Expr *dstExpr = args.get(1); dstExpr && !isa<NoneExpr>(dstExpr)) {
    dst = evalTileOperand(*dstExpr, std::nullopt);
    if (dst.isError())
      return dst;
  }
  int64_t rank = src.getBufferType().getShape().size();
  std::optional<int64_t> dimArg = evalDimArg(args.get(2), rank, 0, where);
  std::optional<bool> reverseArg = evalFlagArg(args.get(3), "reverse", false);
  if (!dimArg || !reverseArg)
    return RValue::error();
  int64_t dim = *dimArg;
  bool reverse = *reverseArg;
  if (src.getBufferType().getShape() != dst.getBufferType().getShape()) {
    error(args.get(1)->getLoc()) << name << " output must have the input's shape ("
                                 << shapeText(src.getBufferType().getShape()) << "), got "
                                 << shapeText(dst.getBufferType().getShape());
    return RValue::error();
  }
  auto op = tile::CumsumOp::create(builder, l, src.value, dst.value,
                                   builder.getI64IntegerAttr(dim),
                                   reverse ? builder.getUnitAttr() : UnitAttr());
  verifyNow(op);
  return RValue::none();
}

/// T.im2col(img, col, nhw_step, c_step, kernel, stride, dilation, pad): tile
/// (nhw_step, c_step) of the im2col matrix of a 2-D convolution of the NHWC
/// tensor img with a kernel x kernel filter, into the 2-D tile col. Row
/// m = nhw_step * rows + i of the matrix is output position (n, oh, ow);
/// column k = c_step * cols + j is filter tap (kh, kw, c), c fastest (the
/// order of a (kernel, kernel, C, F) filter flattened to rows). Element
/// (m, k) is img[n, oh * stride + kh * dilation - pad, ow * stride + kw *
/// dilation - pad, c], 0 in the padding and past the matrix. Expanded here
/// into a T.Parallel loop over col, so every target runs it as such.
RValue KernelGenerator::builtinIm2col(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args = bindArgs(*this, call, name,
                            {"img", "col", "nhw_step", "c_step", "kernel", "stride", "dilation",
                             "pad", "eviction_policy"},
                            8);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  RValue img = eval(*args.get(0)), col = eval(*args.get(1));
  if (img.isError() || col.isError())
    return RValue::error();
  if (!img.isBuffer() || img.getBufferType().getScope() != tile::MemoryScope::Global ||
      img.getBufferType().getShape().size() != 4) {
    error(args.get(0)->getLoc()) << name << " reads an NHWC tensor, not " << img.describe();
    return RValue::error();
  }
  if (!col.isBuffer() || col.getBufferType().getShape().size() != 2 ||
      !col.getBufferType().hasStaticShape() ||
      col.getBufferType().getScope() == tile::MemoryScope::Global) {
    error(args.get(1)->getLoc()) << name << " writes a 2-D tile of shared memory or a "
                                          "fragment, not " << col.describe();
    return RValue::error();
  }
  std::optional<int64_t> kernel = evalConstInt(*args.get(4), "kernel");
  std::optional<int64_t> stride = evalConstInt(*args.get(5), "stride");
  std::optional<int64_t> dilation = evalConstInt(*args.get(6), "dilation");
  std::optional<int64_t> pad = evalConstInt(*args.get(7), "pad");
  if (!kernel || !stride || !dilation || !pad)
    return RValue::error();
  constexpr int64_t limit = int64_t(1) << 20; // (keeps the index arithmetic in range)
  if (*kernel <= 0 || *stride <= 0 || *dilation <= 0 || *pad < 0 || *kernel > limit ||
      *stride > limit || *dilation > limit || *pad > limit) {
    error(where) << name << " needs a kernel size, stride and dilation in [1, " << limit
                 << "] and a padding in [0, " << limit << "]";
    return RValue::error();
  }
  Value nhwStep = toIndex(eval(*args.get(2)), args.get(2)->getLoc());
  Value cStep = toIndex(eval(*args.get(3)), args.get(3)->getLoc());
  if (!nhwStep || !cStep)
    return RValue::error();
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(builder, l, v); };
  auto dim = [&](int64_t d) -> Value {
    int64_t extent = img.getBufferType().getShape()[d];
    if (!ShapedType::isDynamic(extent))
      return constant(extent);
    return tile::DimOp::create(builder, l, builder.getIndexType(), img.value,
                               builder.getI64IntegerAttr(d));
  };
  Value batch = dim(0), height = dim(1), width = dim(2), channels = dim(3);
  // Output extent: (H + 2 pad - dilation (kernel - 1) - 1) / stride + 1.
  auto outExtent = [&](Value in) {
    Value span = arith::AddIOp::create(builder, l, in,
                                       constant(2 * *pad - *dilation * (*kernel - 1) - 1));
    return arith::AddIOp::create(builder, l,
                                 arith::FloorDivSIOp::create(builder, l, span, constant(*stride)),
                                 constant(1))
        .getResult();
  };
  Value outH = outExtent(height), outW = outExtent(width);
  Value rowsTotal = arith::MulIOp::create(
      builder, l, arith::MulIOp::create(builder, l, batch, outH), outW);
  Value colsTotal = arith::MulIOp::create(builder, l, constant(*kernel * *kernel), channels);
  ArrayRef<int64_t> tile = col.getBufferType().getShape();
  auto parallel = tile::ParallelOp::create(builder, l, builder.getDenseI64ArrayAttr(tile));
  OpBuilder::InsertionGuard guard(builder);
  Block *body = builder.createBlock(&parallel.getBody(), {},
                                    {builder.getIndexType(), builder.getIndexType()}, {l, l});
  Value i = body->getArgument(0), j = body->getArgument(1);
  Value m = arith::AddIOp::create(builder, l,
                                  arith::MulIOp::create(builder, l, nhwStep, constant(tile[0])), i);
  Value k = arith::AddIOp::create(builder, l,
                                  arith::MulIOp::create(builder, l, cStep, constant(tile[1])), j);
  // m -> (n, oh, ow); k -> (kh, kw, c).
  Value ow = arith::RemSIOp::create(builder, l, m, outW);
  Value rest = arith::DivSIOp::create(builder, l, m, outW);
  Value oh = arith::RemSIOp::create(builder, l, rest, outH);
  Value n = arith::DivSIOp::create(builder, l, rest, outH);
  Value c = arith::RemSIOp::create(builder, l, k, channels);
  Value tap = arith::DivSIOp::create(builder, l, k, channels);
  Value kw = arith::RemSIOp::create(builder, l, tap, constant(*kernel));
  Value kh = arith::DivSIOp::create(builder, l, tap, constant(*kernel));
  auto position = [&](Value out, Value tapIndex) {
    return arith::AddIOp::create(
               builder, l,
               arith::AddIOp::create(builder, l,
                                     arith::MulIOp::create(builder, l, out, constant(*stride)),
                                     arith::MulIOp::create(builder, l, tapIndex,
                                                           constant(*dilation))),
               constant(-*pad))
        .getResult();
  };
  Value h = position(oh, kh), w = position(ow, kw);
  // Outside the image reads 0 (as every read outside a tensor does); rows and
  // columns past the matrix are 0 too.
  Value inside = arith::AndIOp::create(
      builder, l,
      arith::CmpIOp::create(builder, l, arith::CmpIPredicate::slt, m, rowsTotal),
      arith::CmpIOp::create(builder, l, arith::CmpIPredicate::slt, k, colsTotal));
  Type element = tile::scalarTypeOf(img.getBufferType().getElementType());
  Value value = tile::LoadOp::create(builder, l, element, img.value, ValueRange{n, h, w, c});
  value = arith::SelectOp::create(builder, l, inside, value, constantOf(element, 0, where));
  Type target = tile::scalarTypeOf(col.getBufferType().getElementType());
  if (target != element)
    value = castTo(value, target, where);
  tile::StoreOp::create(builder, l, value, col.value, ValueRange{i, j});
  verifyNow(parallel);
  return RValue::none();
}

/// T.atomic_add.
RValue KernelGenerator::builtinAtomicAdd(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  Location l = loc(where);
  BoundArgs args =
      bindArgs(*this, call, name, {"dst", "value", "memory_order", "use_tma"}, 2);
  if (!args.ok || !checkInLaunch(where, name))
    return RValue::error();
  // use_tma=True asks for a bulk reduction of a tile; the lowering chooses
  // how the bytes move, so it is checked and changes nothing else.
  if (const Expr *useTma = args.get(3); useTma && !evalConstBool(*useTma, "use_tma"))
    return RValue::error();
  tile::MemoryOrder order = tile::MemoryOrder::Relaxed;
  if (const Expr *orderExpr = args.get(2)) {
    RValue orderValue = eval(*orderExpr);
    if (orderValue.isError())
      return orderValue;
    std::optional<tile::MemoryOrder> parsed;
    if (orderValue.isConst() && orderValue.constKind == RValue::ConstKind::Str)
      parsed = tile::symbolizeMemoryOrder(orderValue.str);
    if (!parsed) {
      auto diag = error(orderExpr->getLoc());
      diag << "memory_order must be one of \"relaxed\", \"acquire\", \"release\", "
              "\"acq_rel\", \"seq_cst\", got ";
      if (orderValue.isConst() && orderValue.constKind == RValue::ConstKind::Str)
        diag << "\"" << orderValue.str << "\"";
      else
        diag << orderValue.describe();
      return RValue::error();
    }
    order = *parsed;
  }
  const Expr &dstExpr = *args.get(0);
  RValue value = eval(*args.get(1));
  if (value.isError())
    return value;
  if (value.isBuffer()) {
    RValue dst = evalTileOperand(dstExpr, value.getBufferType().getShape());
    if (dst.isError())
      return dst;
    if (tile::withoutUnitDims(dst.getBufferType().getShape()) !=
        tile::withoutUnitDims(value.getBufferType().getShape())) {
      error(where) << "T.atomic_add shapes do not match: destination is "
                   << shapeText(dst.getBufferType().getShape()) << ", value is "
                   << shapeText(value.getBufferType().getShape());
      return RValue::error();
    }
    auto op = tile::AtomicAddOp::create(builder, l, value.value, dst.value, ValueRange{}, order);
    verifyNow(op);
    return RValue::none();
  }
  auto *subscript = dyn_cast<SubscriptExpr>(&dstExpr);
  if (!subscript || !isStartOnlySubscript(dstExpr)) {
    error(dstExpr.getLoc()) << "T.atomic_add of a scalar needs an element as "
                               "destination, e.g. Out[i, j]";
    return RValue::error();
  }
  RValue base = eval(*subscript->base);
  tile::BufferType type = base.getBufferType();
  if (subscript->indices.size() != type.getShape().size()) {
    error(dstExpr.getLoc()) << "a rank-" << type.getShape().size()
                            << " buffer needs " << type.getShape().size()
                            << " indices, got " << subscript->indices.size();
    return RValue::error();
  }
  SmallVector<Value> indices;
  for (const ExprPtr &indexExpr : subscript->indices) {
    Value index = toIndex(eval(*indexExpr), indexExpr->getLoc());
    if (!index)
      return RValue::error();
    indices.push_back(index);
  }
  Type scalarType = tile::scalarTypeOf(type.getElementType());
  Value scalar = materialize(value, args.get(1)->getLoc(), scalarType);
  if (!scalar)
    return RValue::error();
  scalar = castTo(scalar, scalarType, where);
  auto op = tile::AtomicAddOp::create(builder, l, scalar, base.value, indices, order);
  verifyNow(op);
  return RValue::none();
}
