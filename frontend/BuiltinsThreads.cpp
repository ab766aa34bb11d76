//===- BuiltinsThreads.cpp - per-thread code ------------------------------===//
//
// T.get_thread_binding and T.thread_binding (a thread's index), TVM's
// cross-thread reduction (T.tvm_thread_allreduce inside
// `with T.attr(T.comm_reducer(...), "reduce_scope", ...)`), and threads
// given roles by hand around block-wide tile operations.
//
//===----------------------------------------------------------------------===//

#include "frontend/BuiltinSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

/// T.get_thread_binding(dim=0): TileLang's thread index along x, y or z of
/// the block (`threads=(x, y, z)`). Code that reads it runs on each thread
/// with that thread's values (tile.thread_id makes the launch per-thread).
RValue KernelGenerator::builtinThreadBinding(StringRef name, StringRef fn, const CallExpr &call) {
  if (!inLaunch) {
    error(call.getLoc()) << name << " is a thread's index: it exists inside T.Kernel only";
    return RValue::error();
  }
  int64_t dim = 0;
  if (fn == "thread_binding") {
    // T.thread_binding(0, extent, thread="threadIdx.y"): the same index,
    // named by TVM's thread tag, over the launch's whole extent.
    BoundArgs args = bindArgs(*this, call, name, {"begin", "end", "thread"}, 3);
    if (!args.ok)
      return RValue::error();
    std::optional<int64_t> begin = evalConstInt(*args.get(0), "the first thread index");
    std::optional<int64_t> end = evalConstInt(*args.get(1), "the thread extent");
    std::optional<std::string> tag = evalConstString(*args.get(2), "thread");
    if (!begin || !end || !tag)
      return RValue::error();
    StringRef axis = StringRef(*tag);
    if (!axis.consume_front("threadIdx.") || axis.size() != 1 || axis[0] < 'x' || axis[0] > 'z') {
      error(args.get(2)->getLoc()) << name << " binds \"threadIdx.x\", \"threadIdx.y\" or "
                                      "\"threadIdx.z\", got \""
                                   << *tag << "\"";
      return RValue::error();
    }
    dim = axis[0] - 'x';
    if (*begin != 0 || *end != launchThreadShape[dim]) {
      error(call.getLoc()) << name << " covers threads [" << *begin << ", " << *end
                           << ") of " << *tag << ", which has " << launchThreadShape[dim]
                           << " in this T.Kernel; it binds the whole extent, from 0";
      return RValue::error();
    }
    return threadIndexAlong(dim, loc(call.getLoc()));
  }
  if (call.args.size() + call.keywords.size() > 1 ||
      (!call.keywords.empty() && call.keywords[0].name != "dim")) {
    error(call.getLoc()) << name << " takes one argument, the dimension (0, 1 or 2)";
    return RValue::error();
  }
  const Expr *dimExpr = !call.args.empty()       ? call.args[0].get()
                        : !call.keywords.empty() ? call.keywords[0].value.get()
                                                 : nullptr;
  if (dimExpr) {
    std::optional<int64_t> value = evalConstInt(*dimExpr, "the thread dimension");
    if (!value)
      return RValue::error();
    if (*value < 0 || *value > 2) {
      error(dimExpr->getLoc()) << "the thread dimension is 0, 1 or 2, got " << *value;
      return RValue::error();
    }
    dim = *value;
  }
  return threadIndexAlong(dim, loc(call.getLoc()));
}

RValue KernelGenerator::threadIndexAlong(int64_t dim, Location l) {
  Value thread = tile::ThreadIdOp::create(builder, l, builder.getIndexType());
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(builder, l, v); };
  // x is fastest: tid = x + X * (y + Y * z).
  int64_t below = 1;
  for (int64_t d = 0; d < dim; ++d)
    below *= launchThreadShape[d];
  if (below > 1)
    thread = arith::DivUIOp::create(builder, l, thread, constant(below));
  if (dim < 2 && below * launchThreadShape[dim] < launchThreads)
    thread = arith::RemUIOp::create(builder, l, thread, constant(launchThreadShape[dim]));
  threadBindingDims[thread] = dim;
  return RValue::ofScalar(thread);
}


//===----------------------------------------------------------------------===//
// TVM's cross-thread reduction
//===----------------------------------------------------------------------===//

/// `with T.attr(T.comm_reducer(lambda x, y: ..., [identity]), "reduce_scope",
/// handle):` the scope in which T.tvm_thread_allreduce combines with that
/// reducer. The third argument is TVM's scope handle; nothing reads it.
void KernelGenerator::genAttrScope(const WithStmt &stmt, const CallExpr &attr) {
  if (!checkInLaunch(stmt.getLoc(), "T.attr"))
    return;
  BoundArgs args = bindArgs(*this, attr, "T.attr", {"node", "key", "value"}, 3);
  if (!args.ok)
    return;
  std::optional<std::string> key = evalConstString(*args.get(1), "an attribute key");
  if (!key)
    return;
  if (*key != "reduce_scope") {
    error(args.get(1)->getLoc()) << "T.attr(..., \"" << *key
                                 << "\"): tilec knows the \"reduce_scope\" of "
                                    "T.tvm_thread_allreduce only";
    return;
  }
  auto *reducer = dyn_cast<CallExpr>(args.get(0));
  if (!reducer || reducer->getCalleeName() != "T.comm_reducer") {
    error(args.get(0)->getLoc()) << "a \"reduce_scope\" is annotated with its "
                                    "T.comm_reducer(lambda x, y: ..., [identity])";
    return;
  }
  BoundArgs parts = bindArgs(*this, *reducer, "T.comm_reducer", {"fcombine", "fidentity"}, 2);
  if (!parts.ok)
    return;
  auto *combiner = dyn_cast<LambdaExpr>(parts.get(0));
  if (!combiner || combiner->params.size() != 2 ||
      llvm::any_of(combiner->params, [](const std::string &p) { return p[0] == '*'; })) {
    error(parts.get(0)->getLoc()) << "T.comm_reducer combines two values: "
                                     "lambda x, y: ...";
    return;
  }
  auto *identities = dyn_cast<SequenceExpr>(parts.get(1));
  if (!identities || identities->elements.size() != 1) {
    error(parts.get(1)->getLoc()) << "T.comm_reducer's identity is a list of one value "
                                     "(tilec reduces one value at a time)";
    return;
  }
  if (!stmt.targets.empty()) {
    error(stmt.getLoc()) << "'with T.attr(...)' binds no name";
    return;
  }
  commReducers.push_back({combiner, identities->elements[0].get()});
  genBlock(stmt.body);
  commReducers.pop_back();
}

RValue KernelGenerator::builtinCommReducer(StringRef name, StringRef fn, const CallExpr &call) {
  error(call.getLoc()) << name << " is the reducer of `with T.attr(" << name
                       << "(...), \"reduce_scope\", ...)`, for T.tvm_thread_allreduce";
  return RValue::error();
}

/// T.evaluate(expr): TVM's statement of an expression, for its effect.
RValue KernelGenerator::builtinEvaluate(StringRef name, StringRef fn, const CallExpr &call) {
  BoundArgs args = bindArgs(*this, call, name, {"value"}, 1);
  if (!args.ok)
    return RValue::error();
  RValue value = eval(*args.get(0));
  return value.isError() ? value : RValue::none();
}

/// T.tvm_thread_allreduce(1, value, condition, out[i], tx, ..., dtype="handle"):
/// combines `value` over the threads that differ only in the thread indices
/// listed (T.get_thread_binding's), with the reducer of the enclosing
/// "reduce_scope", and stores the result into `out[i]` on each of them. A
/// thread whose condition is false contributes the identity.
///
/// Every thread writes its value into a shared-memory slot of its own, then
/// folds its group's slots in thread order: plain tile loads and stores
/// between which tile-insert-barriers places the barrier, so every target
/// runs it (and a program that reaches it on some threads only is the
/// divergence error of that pass).
RValue KernelGenerator::builtinThreadAllreduce(StringRef name, StringRef fn,
                                               const CallExpr &call) {
  SMLoc where = call.getLoc();
  if (!checkInLaunch(where, name))
    return RValue::error();
  if (commReducers.empty()) {
    error(where) << name << " combines with the T.comm_reducer of an enclosing "
                            "`with T.attr(T.comm_reducer(...), \"reduce_scope\", ...)`";
    return RValue::error();
  }
  for (const KeywordArg &kw : call.keywords)
    if (kw.name != "dtype") {
      error(kw.loc) << name << " has no argument '" << kw.name << "'";
      return RValue::error();
    }
  if (call.args.size() < 5) {
    error(where) << name << " takes the count, the value, a condition, where the result "
                            "goes and the thread indices it reduces over";
    return RValue::error();
  }
  // The count is often typed (T.uint32(1)): a constant all the same.
  RValue countValue = eval(*call.args[0]);
  if (countValue.isError())
    return RValue::error();
  APInt count;
  bool one = countValue.isConstInt() ? countValue.intValue == 1
             : countValue.kind == RValue::Kind::Scalar &&
                 matchPattern(countValue.value, m_ConstantInt(&count)) && count.isOne();
  if (!one) {
    error(call.args[0]->getLoc()) << name << " reduces one value at a time (a count of 1), got "
                                  << countValue.describe();
    return RValue::error();
  }
  CommReducer reducer = commReducers.back();
  RValue value = eval(*call.args[1]);
  RValue identity = eval(*reducer.identity);
  RValue condition = eval(*call.args[2]);
  if (value.isError() || identity.isError() || condition.isError())
    return RValue::error();
  // The type the values combine in (shared memory holds no index or i1).
  Type type = scalarType(value) ? scalarType(value) : scalarType(identity);
  if (!type)
    type = builder.getF32Type();
  else if (type.isIndex())
    type = builder.getI64Type();
  else if (type.isInteger(1))
    type = builder.getI32Type();

  // The reduced dimensions, each once.
  SmallVector<int64_t, 3> dims;
  SmallVector<Value, 3> indices;
  for (size_t i = 4; i < call.args.size(); ++i) {
    RValue thread = eval(*call.args[i]);
    if (thread.isError())
      return RValue::error();
    auto found = thread.kind == RValue::Kind::Scalar ? threadBindingDims.find(thread.value)
                                                     : threadBindingDims.end();
    if (found == threadBindingDims.end()) {
      error(call.args[i]->getLoc())
          << name << " reduces over thread indices (of T.get_thread_binding or "
                     "T.thread_binding), got "
          << thread.describe();
      return RValue::error();
    }
    if (llvm::is_contained(dims, found->second)) {
      error(call.args[i]->getLoc()) << "thread dimension " << found->second
                                    << " is listed twice";
      return RValue::error();
    }
    dims.push_back(found->second);
    indices.push_back(thread.value);
  }

  Location l = loc(where);
  auto constant = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(builder, l, v); };
  auto strideOf = [&](int64_t dim) {
    int64_t stride = 1;
    for (int64_t d = 0; d < dim; ++d)
      stride *= launchThreadShape[d];
    return stride;
  };
  Value identityValue = materialize(identity, reducer.identity->getLoc(), type);
  Value contribution = materialize(value, call.args[1]->getLoc(), type);
  if (!identityValue || !contribution)
    return RValue::error();
  identityValue = castTo(identityValue, type, where);
  contribution = castTo(contribution, type, where);
  if (condition.isConstInt()) {
    if (!condition.intValue)
      contribution = identityValue;
  } else {
    Value predicate = materialize(condition, call.args[2]->getLoc(), builder.getI1Type());
    if (!predicate)
      return RValue::error();
    predicate = castTo(predicate, builder.getI1Type(), where);
    contribution = arith::SelectOp::create(builder, l, predicate, contribution, identityValue);
  }

  // Each thread's slot, then the first slot of its group.
  auto slotsType = tile::BufferType::get(ctx, {launchThreads}, type, tile::MemoryScope::Shared,
                                         Attribute());
  Value slots = tile::AllocOp::create(builder, l, slotsType);
  Value thread = tile::ThreadIdOp::create(builder, l, builder.getIndexType());
  tile::StoreOp::create(builder, l, contribution, slots, ValueRange{thread});
  Value groupFirst = thread;
  for (auto [dim, index] : llvm::zip(dims, indices)) {
    Value offset = arith::MulIOp::create(builder, l, index, constant(strideOf(dim)));
    groupFirst = arith::SubIOp::create(builder, l, groupFirst, offset);
  }

  // Fold the group's slots in thread order, in a local accumulator.
  auto accumulatorType = tile::BufferType::get(ctx, {}, type, tile::MemoryScope::Local,
                                               Attribute());
  Value accumulator = tile::AllocOp::create(builder, l, accumulatorType);
  tile::StoreOp::create(builder, l, identityValue, accumulator, ValueRange{});
  {
    OpBuilder::InsertionGuard guard(builder);
    Value slot = groupFirst;
    for (int64_t dim : dims) {
      auto loop = scf::ForOp::create(builder, l, constant(0), constant(launchThreadShape[dim]),
                                     constant(1));
      builder.setInsertionPointToStart(loop.getBody());
      Value offset =
          arith::MulIOp::create(builder, l, loop.getInductionVar(), constant(strideOf(dim)));
      slot = arith::AddIOp::create(builder, l, slot, offset);
    }
    Value sofar = tile::LoadOp::create(builder, l, type, accumulator, ValueRange{});
    Value next = tile::LoadOp::create(builder, l, type, slots, ValueRange{slot});
    pushScope(false);
    scopes.back().names[reducer.combiner->params[0]] = RValue::ofScalar(sofar);
    scopes.back().names[reducer.combiner->params[1]] = RValue::ofScalar(next);
    RValue combined = eval(*reducer.combiner->body);
    popScope();
    if (combined.isError())
      return RValue::error();
    Value result = materialize(combined, reducer.combiner->body->getLoc(), type);
    if (!result)
      return RValue::error();
    tile::StoreOp::create(builder, l, castTo(result, type, where), accumulator, ValueRange{});
  }
  Value reduced = tile::LoadOp::create(builder, l, type, accumulator, ValueRange{});
  genStore(*call.args[3], RValue::ofScalar(reduced), call.args[3]->getLoc());
  return RValue::none();
}

//===----------------------------------------------------------------------===//
// Warp shuffles
//===----------------------------------------------------------------------===//

/// T.shfl_sync / T.shfl_xor / T.shfl_down / T.shfl_up(value, lane or delta,
/// width=32, mask=...) and TVM's T.tvm_warp_shuffle[_down|_up](mask, value,
/// lane or delta, width, warp_size): each thread reads `value` of another
/// lane of its group of `width` lanes (CUDA's __shfl_*_sync). A source lane
/// outside the group (or past the block's last thread) reads the thread's
/// own value, as CUDA's shifts do. The source thread is computed here;
/// tile.shuffle moves the value (one register shuffle on GPUs). Every thread
/// of the warp must reach it.
RValue KernelGenerator::builtinWarpShuffle(StringRef name, StringRef fn, const CallExpr &call) {
  SMLoc where = call.getLoc();
  if (!checkInLaunch(where, name))
    return RValue::error();
  bool tvmForm = fn.starts_with("tvm_");
  StringRef shift = fn.ends_with("_down") ? "down"
                    : fn.ends_with("_up") ? "up"
                    : fn == "shfl_xor"    ? "xor"
                                          : "lane";
  BoundArgs args = tvmForm
                       ? bindArgs(*this, call, name, {"mask", "value", "lane", "width", "warp_size"}, 4)
                       : bindArgs(*this, call, name, {"value", "lane", "width", "mask"}, 2);
  if (!args.ok)
    return RValue::error();
  const Expr *valueExpr = args.get(tvmForm ? 1 : 0);
  const Expr *laneExpr = args.get(tvmForm ? 2 : 1);
  const Expr *widthExpr = args.get(tvmForm ? 3 : 2);
  const Expr *maskExpr = args.get(tvmForm ? 0 : 3);
  if (maskExpr && eval(*maskExpr).isError())
    return RValue::error();
  int64_t width = 32;
  if (widthExpr) {
    std::optional<int64_t> given = evalConstInt(*widthExpr, "the shuffle width");
    if (!given)
      return RValue::error();
    width = *given;
  }
  if (width < 1 || width > 32 || (width & (width - 1))) {
    error(widthExpr->getLoc()) << name << " shuffles within groups of a power of two lanes, at "
                                          "most 32; got a width of "
                               << width;
    return RValue::error();
  }
  RValue value = eval(*valueExpr);
  RValue lane = eval(*laneExpr);
  if (value.isError() || lane.isError())
    return RValue::error();
  Type type = scalarType(value);
  if (!type && value.isConstNumber()) // the same on every thread, as a constant is
    type = value.constKind == RValue::ConstKind::Float ? Type(builder.getF32Type())
                                                       : Type(builder.getI32Type());
  if (type && isa<IndexType>(type)) // a thread or loop index: TileLang's int32
    type = builder.getI32Type();
  if (!type || type.isInteger(1)) {
    error(valueExpr->getLoc()) << name << " moves a number (a float or an integer of 8 to 64 "
                                          "bits), got "
                               << value.describe();
    return RValue::error();
  }
  Location l = loc(where);
  Value own = materialize(value, valueExpr->getLoc(), type);
  Value laneValue = materialize(lane, laneExpr->getLoc(), builder.getIndexType());
  if (!own || !laneValue)
    return RValue::error();
  own = castTo(own, type, where);
  laneValue = castTo(laneValue, builder.getIndexType(), where);
  auto constant = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(builder, l, v); };

  Value thread = tile::ThreadIdOp::create(builder, l, builder.getIndexType());
  // Lanes are counted within the thread's group of `width`.
  Value inGroup = arith::RemUIOp::create(builder, l, thread, constant(width));
  Value groupFirst = arith::SubIOp::create(builder, l, thread, inGroup);
  Value source;
  if (shift == "lane") {
    source = arith::AddIOp::create(builder, l, groupFirst,
                                   arith::RemUIOp::create(builder, l, laneValue, constant(width)));
  } else {
    Value sourceInGroup =
        shift == "xor"  ? Value(arith::XOrIOp::create(builder, l, inGroup, laneValue))
        : shift == "up" ? Value(arith::SubIOp::create(builder, l, inGroup, laneValue))
                        : Value(arith::AddIOp::create(builder, l, inGroup, laneValue));
    // Unsigned: a shift up past lane 0 wraps to a huge lane, outside too.
    Value outside = arith::CmpIOp::create(builder, l, arith::CmpIPredicate::uge, sourceInGroup,
                                          constant(width));
    Value shifted = arith::AddIOp::create(builder, l, groupFirst, sourceInGroup);
    source = arith::SelectOp::create(builder, l, outside, thread, shifted);
  }
  Value pastBlock = arith::CmpIOp::create(builder, l, arith::CmpIPredicate::uge, source,
                                          constant(launchThreads));
  source = arith::SelectOp::create(builder, l, pastBlock, thread, source);
  Value received = tile::ShuffleOp::create(builder, l, own.getType(), own, source);
  RValue result = RValue::ofScalar(received);
  result.declared = value.declared;
  return result;
}

//===----------------------------------------------------------------------===//
// Threads given roles by hand
//===----------------------------------------------------------------------===//

/// The value of `value` on thread `thread` where it is computed from the
/// thread index and constants by arith operations only (folded by their
/// own folders); null otherwise.
static Attribute valueOnThread(Value value, int64_t thread, unsigned depth = 0) {
  Operation *op = value.getDefiningOp();
  if (!op || depth > 32)
    return {};
  if (isa<tile::ThreadIdOp>(op))
    return IntegerAttr::get(value.getType(), thread);
  if (!isa<arith::ArithDialect>(op->getDialect()) || op->getNumResults() != 1)
    return {};
  SmallVector<Attribute> operands;
  for (Value operand : op->getOperands()) {
    operands.push_back(valueOnThread(operand, thread, depth + 1));
    if (!operands.back())
      return {};
  }
  SmallVector<OpFoldResult> folded;
  if (failed(op->fold(operands, folded)) || folded.size() != 1)
    return {};
  if (auto attr = dyn_cast<Attribute>(folded[0]))
    return attr;
  // Folded to one of its operands (x + 0, a select on a known condition).
  for (auto [operand, attr] : llvm::zip(op->getOperands(), operands))
    if (operand == cast<Value>(folded[0]))
      return attr;
  return {};
}

/// The launch's thread-index reads and what is computed from them, each
/// after what it uses.
static llvm::SetVector<Operation *> threadIndexSlice(tile::LaunchOp launch) {
  llvm::SetVector<Operation *> slice;
  launch.walk([&](tile::ThreadIdOp thread) {
    llvm::SetVector<Operation *> users; // (getForwardSlice leaves the root out)
    getForwardSlice(thread.getOperation(), &users);
    slice.insert(thread);
    slice.insert(users.begin(), users.end());
  });
  return slice;
}

/// Whether `op` spreads its work over the block's threads.
static bool isBlockWide(Operation *op) {
  auto notLocal = [](Value buffer) {
    return cast<tile::BufferType>(buffer.getType()).getScope() != tile::MemoryScope::Local;
  };
  if (auto alloc = dyn_cast<tile::AllocOp>(op))
    return alloc.getType().getScope() == tile::MemoryScope::Fragment;
  if (auto fill = dyn_cast<tile::FillOp>(op))
    return notLocal(fill.getBuffer());
  if (auto copy = dyn_cast<tile::CopyOp>(op))
    return notLocal(copy.getSource()) && notLocal(copy.getTarget());
  return isa<tile::ParallelOp, tile::PipelinedOp, tile::GemmOp, tile::ReduceOp,
             tile::CumsumOp>(op);
}

/// TileLang programs give threads roles by hand (mHC's pre-mix: the first
/// warp computes the mixes while the others apply them), each role's code
/// being block-wide tile operations that TileLang spreads over the role's
/// threads. What a tile operation computes does not depend on which threads
/// run it, so the block runs each role that some thread has, in program
/// order: the same results, where roles do not wait for one another (they
/// hold no barriers) and no code inside reads the thread index. A role
/// holding an element atomic add or a print (which TileLang runs once per
/// thread of the role) is an error.
void KernelGenerator::runThreadRolesInOrder(scf::IfOp ifOp) {
  bool holdsBlockWork = false;
  Operation *effect = nullptr;
  ifOp->walk([&](Operation *op) {
    if (op == ifOp.getOperation())
      return;
    holdsBlockWork |= isBlockWide(op);
    if (!effect && ((isa<tile::AtomicAddOp>(op) &&
                     !cast<tile::AtomicAddOp>(op).getIndices().empty()) ||
                    isa<tile::PrintOp>(op)))
      effect = op;
  });
  if (!holdsBlockWork)
    return;
  // The roles some thread takes; a condition not on the thread index alone
  // stays (the launch's verifier explains what per-thread code may hold).
  bool thenTaken = false, elseTaken = false;
  for (int64_t thread = 0; thread < launchThreads; ++thread) {
    auto value = dyn_cast_or_null<IntegerAttr>(valueOnThread(ifOp.getCondition(), thread));
    if (!value)
      return;
    (value.getValue().isZero() ? elseTaken : thenTaken) = true;
  }
  // Roles that read the thread index themselves (a value computed from it
  // before, or in them) are per-thread code.
  auto launch = ifOp->getParentOfType<tile::LaunchOp>();
  llvm::SetVector<Operation *> threadDependent = threadIndexSlice(launch);
  bool readsThread = false;
  ifOp->walk([&](Operation *op) {
    if (op == ifOp.getOperation())
      return;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        readsThread |= threadDependent.contains(def) && !ifOp->isAncestor(def);
    readsThread |= isa<tile::ThreadIdOp>(op);
  });
  if (readsThread)
    return;
  if (effect) {
    effect->emitError() << (isa<tile::PrintOp>(effect) ? "a print" : "an element atomic add")
                        << " in code that threads run by role (an `if` on the thread index "
                           "around block-wide tile operations): TileLang runs it once per "
                           "thread of the role, tilec runs the role's code once for the "
                           "block; move it out of the role, or write the role per thread";
    // (The roles are still run in order: the launch's verifier has nothing
    // more to report.)
  }
  Block *block = ifOp->getBlock();
  auto hoist = [&](Block *branch) {
    block->getOperations().splice(Block::iterator(ifOp), branch->getOperations(),
                                  branch->begin(), std::prev(branch->end()));
  };
  if (thenTaken)
    hoist(ifOp.thenBlock());
  if (elseTaken && ifOp.elseBlock())
    hoist(ifOp.elseBlock());
  ifOp->erase();
}

void KernelGenerator::eraseDeadThreadIndices(tile::LaunchOp launch) {
  threadBindingDims.clear();
  // Users come after what they use in the slice: erasing from the back
  // frees each producer before it is reached (again where several reads of
  // the thread index meet).
  for (bool erased = true; erased;) {
    erased = false;
    llvm::SetVector<Operation *> slice = threadIndexSlice(launch);
    for (Operation *op : llvm::reverse(slice))
      if (op->use_empty() &&
          (isa<tile::ThreadIdOp>(op) || isa<arith::ArithDialect>(op->getDialect()))) {
        op->erase();
        erased = true;
      }
  }
  // In code that runs on each thread, T.Pipelined is a plain loop (each
  // thread walks it; there is no block-wide copy to overlap).
  bool perThread = false;
  launch.walk([&](tile::ThreadIdOp) { perThread = true; });
  if (!perThread)
    return;
  SmallVector<tile::PipelinedOp> pipelinedLoops;
  launch.walk([&](tile::PipelinedOp loop) { pipelinedLoops.push_back(loop); });
  for (tile::PipelinedOp pipelined : pipelinedLoops) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(pipelined);
    auto loop = scf::ForOp::create(builder, pipelined.getLoc(), pipelined.getLowerBound(),
                                   pipelined.getUpperBound(), pipelined.getStep());
    Block *from = &pipelined.getBody().front();
    from->getArgument(0).replaceAllUsesWith(loop.getInductionVar());
    loop.getBody()->getOperations().splice(Block::iterator(loop.getBody()->getTerminator()),
                                           from->getOperations());
    pipelined->erase();
  }
}
