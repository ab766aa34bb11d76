//===- MLIRGenImpl.h - internals of tile IR generation ----------*- C++ -*-===//
//
// Shared by MLIRGen.cpp (modules, kernels, statements, expressions) and
// Builtins.cpp (the `T.*` functions). Not a public header.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_MLIRGENIMPL_H
#define TILEC_FRONTEND_MLIRGENIMPL_H

#include "dialects/Tile/TileDialect.h"
#include "frontend/Frontend.h"
#include "frontend/ModuleLoader.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <deque>
#include <map>

namespace tilec::frontend {

/// Maps a dtype name ("float16", "bfloat16", "int32", ...) to its MLIR type.
mlir::Type parseDType(mlir::MLIRContext &context, llvm::StringRef name);
/// The DSL name of an MLIR element type.
std::string dtypeName(mlir::Type type);

} // namespace tilec::frontend

namespace tilec::frontend {

struct BoundArgs; // BuiltinSupport.h

/// Generates the `func.func` of one kernel: walks the AST, checks it and
/// builds tile IR. Errors are reported and generation goes on with the next
/// statement, so one run reports several.
/// Parses a `-D` value: an integer, a float, True/False, else a string.
RValue parseDefineValue(llvm::StringRef text);

class KernelGenerator {
public:
  KernelGenerator(ModuleLoader &loader, mlir::ModuleOp module,
                  const FrontendOptions &options,
                  std::map<std::string, bool> &usedDefines);

  /// Generates the kernel `def` of module `home`; fails if errors were
  /// reported while doing so.
  /// Generates a @T.prim_func, or the kernel a kernel factory returns.
  mlir::LogicalResult genKernel(ModuleInfo &home, const FunctionDef &entry);

  //===--------------------------------------------------------------------===//
  // Diagnostics and locations
  //===--------------------------------------------------------------------===//

  mlir::Location loc(llvm::SMLoc where);
  mlir::InFlightDiagnostic error(llvm::SMLoc where);
  /// Verifies a freshly built tile op, so that a shape or scope error points
  /// at the DSL statement; erases the op when it is invalid.
  bool verifyNow(mlir::Operation *op);

  //===--------------------------------------------------------------------===//
  // Names
  //===--------------------------------------------------------------------===//

  struct Scope {
    std::map<std::string, RValue> names;
    unsigned regionDepth;
    bool opensRegion;
  };
  /// Looks a name up in the scopes, the module, then the builtins; null if
  /// unknown.
  const RValue *lookup(llvm::StringRef name);
  /// Binds or rebinds `name` following the rules of docs/language.md.
  void assignName(llvm::StringRef name, RValue value, llvm::SMLoc where);
  void pushScope(bool newRegion);
  void popScope();

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  void genBlock(const StmtList &body);
  void genStmt(const Stmt &stmt);
  void genAssign(const AssignStmt &stmt);
  /// After an assignment whose value failed (already reported): binds the
  /// target names that are new to an error value, so that their uses do
  /// not report again.
  void bindFailed(const Expr &target);
  void genAugAssign(const AugAssignStmt &stmt);
  void genStore(const Expr &target, RValue value, llvm::SMLoc where);
  void genIf(const IfStmt &stmt);
  void genFor(const ForStmt &stmt);
  void genWhile(const WhileStmt &stmt);
  void genWith(const WithStmt &stmt);
  /// `if T.get_thread_binding() < 32: A else: B` around block-wide tile
  /// operations (threads given roles by hand): the block runs the branches
  /// some thread takes, in order (BuiltinsThreads.cpp).
  void runThreadRolesInOrder(mlir::scf::IfOp ifOp);
  /// Erases the thread-index computations nothing uses, so that a launch
  /// whose thread index only chose roles is not a per-thread one.
  void eraseDeadThreadIndices(tile::LaunchOp launch);
  /// Whether `stmt` is a `T.sync_grid()` statement.
  static bool isGridSync(const Stmt &stmt);
  /// Ends the launch `before` at a T.sync_grid and opens the next one.
  tile::LaunchOp splitLaunch(tile::LaunchOp before,
                             llvm::ArrayRef<std::pair<llvm::SMLoc, std::string>> blockNames,
                             llvm::SMLoc where);
  /// Runs a Python file's module-level statements that bind names beyond
  /// constants (ModuleInfo::hostStatements) once, as a factory's compile-
  /// time code, with errors held back: the names of a statement tilec
  /// cannot evaluate become HostOnly values, reported where a kernel reads
  /// them.
  void runModuleHostCode(ModuleInfo &module);
  /// PyTorch's tensor factories (torch.randn(m, k, dtype=...), ...) in
  /// module-level code: the tensor's shape and dtype.
  RValue hostTensorFactory(llvm::StringRef name, const CallExpr &call);
  /// Whether `name` is a tensor method hostTensorMethod models.
  static bool isHostTensorMethod(llvm::StringRef name);
  /// Whether `expr` is (without evaluating it) a PyTorch tensor of
  /// module-level code: a name holding one, a torch call, or a chain of
  /// tensor methods on those. Only then is a method's base evaluated first.
  bool mayBeHostTensor(const Expr &expr);
  /// A method of a PyTorch tensor of module-level code (`.to(...)`,
  /// `.size(d)`, ...); null when `name` is none tilec models.
  std::optional<RValue> hostTensorMethod(const RValue &tensor, llvm::StringRef name,
                                         const CallExpr &call);
  /// `with T.attr(node, key, value):` TVM's annotated scope; tilec knows
  /// the reduction scope of T.tvm_thread_allreduce.
  void genAttrScope(const WithStmt &stmt, const CallExpr &attr);
  void genJump(const Stmt &stmt);
  void genReturn(const ReturnStmt &stmt);
  void genSerialLoop(const ForStmt &stmt, const CallExpr &range, bool unroll);
  void genParallelLoop(const ForStmt &stmt, const CallExpr &parallel);
  void genPipelinedLoop(const ForStmt &stmt, const CallExpr &pipelined);
  /// Generates a loop body whose break/continue are lowered to flags.
  void genGuardedBody(const StmtList &body, size_t first);

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  RValue eval(const Expr &expr);
  RValue evalName(const NameExpr &expr);
  RValue evalAttribute(const AttributeExpr &expr);
  RValue evalSubscript(const SubscriptExpr &expr);
  RValue evalDictLookup(const DictExpr &dict, const SubscriptExpr &expr);
  RValue evalBinary(BinaryOp op, RValue lhs, RValue rhs, llvm::SMLoc where);
  RValue evalMinMax(bool isMax, RValue acc, RValue next, llvm::StringRef name,
                    llvm::SMLoc where);
  /// `value` (a scalar or constant, at `valueLoc`) converted to `dtype`:
  /// T.cast, T.Cast, x.astype and T.float16(x).
  RValue castScalar(const RValue &value, mlir::Type dtype, llvm::SMLoc valueLoc,
                    llvm::SMLoc where);
  RValue evalUnary(const UnaryExpr &expr);
  RValue evalCompare(CompareOp op, RValue lhs, RValue rhs, llvm::SMLoc where);
  RValue evalBoolOp(const BoolOpExpr &expr);
  RValue evalSelect(const Expr &cond, const Expr &thenValue,
                    const Expr &elseValue, llvm::SMLoc where);
  RValue evalCall(const CallExpr &call);
  RValue callMacro(const RValue &macro, const CallExpr &call);
  /// Expands `macro` with its parameters bound to `params` (defaults fill
  /// the rest); `where` is the call's position.
  RValue expandMacro(const RValue &macro, std::map<std::string, RValue> params,
                     llvm::SMLoc where);

  //===--------------------------------------------------------------------===//
  // Interval evaluation (BlockVisibility.cpp): a mask macro over a block
  //===--------------------------------------------------------------------===//

  /// T.block_visibility(mask_mod, b, h, q_first, q_last, k_first, k_last).
  RValue builtinBlockVisibility(llvm::StringRef name, llvm::StringRef fn,
                                const CallExpr &call);
  /// The operators on ranges of positions and conditions over blocks.
  RValue intervalBinary(BinaryOp op, const RValue &lhs, const RValue &rhs, llvm::SMLoc where);
  RValue intervalCompare(CompareOp op, const RValue &lhs, const RValue &rhs, llvm::SMLoc where);
  RValue intervalMinMax(bool isMax, const RValue &lhs, const RValue &rhs, llvm::SMLoc where);
  RValue intervalUnary(UnaryOp op, const RValue &operand, llvm::SMLoc where);
  RValue truthBoolOp(bool isAnd, const RValue &lhs, const RValue &rhs, llvm::SMLoc where);
  /// An element read at a range of positions: the range of values between
  /// the reads at both ends for a buffer T.assume_sorted marks (sorted
  /// along its last index, the other indices single positions), else any.
  RValue readOverRange(const SubscriptExpr &expr, const RValue &buffer,
                       llvm::ArrayRef<RValue> indices);
  /// T.assume_sorted(buffer).
  RValue builtinAssumeSorted(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// Whether a mask is being evaluated over a block (operands may be
  /// ranges, `and`/`or` evaluate both sides).
  bool evaluatingIntervals() const { return intervalDepth > 0; }
  /// `T.<name>(...)` and the plain builtins, through the table of handlers
  /// (Builtins.cpp); `fn` is the name without `T.`.
  RValue evalBuiltin(llvm::StringRef name, const CallExpr &call);
  RValue builtinAlloc(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinAllocVar(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinAllocReducer(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinFinalizeReducer(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinAllocGlobal(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinCustomLayout(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// Python's `math` functions on compile-time numbers.
  RValue builtinPythonMath(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinCopy(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinGemm(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinFill(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinReduce(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinCumsum(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinIm2col(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinAtomicAdd(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinUseSwizzle(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinMakeSwizzledLayout(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinAnnotateLayout(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  std::optional<std::string> evalMessage(const Expr *msg);
  RValue builtinPrint(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinNoSetMaxNReg(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinWarpRoleSync(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinScheduleHint(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinSyncGrid(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinDeviceAssert(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinUnaryMath(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinAbs(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinMinMax(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinClamp(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinFloorDivMod(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinIfThenElse(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinCeilDiv(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinCast(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinLimit(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinPythonConversion(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinLen(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinDeviceQuery(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinConst(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinIntegerFunction(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// `T.Tensor(shape, dtype, X.data)` in kernel code: a tile.view of X.
  RValue tensorView(llvm::StringRef name, const CallExpr &call);
  RValue builtinIsInstance(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinThreadBinding(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// The thread's index along x, y or z of the launch's block shape.
  RValue threadIndexAlong(int64_t dim, mlir::Location l);
  RValue builtinDataType(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// T.reinterpret(dtype, value) and tirx.reinterpret: the same bits as
  /// another dtype.
  RValue builtinReinterpret(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// TVM's expression builders (`from tvm import tirx`): tirx.const,
  /// tirx.reinterpret, tirx.Select, tirx.Cast; others as T's.
  RValue builtinTirx(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// T.import_source(None) (nothing to import) and the CUDA C sources
  /// tilec cannot take (T.import_source(code), T.call_extern).
  RValue builtinCSource(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// TVM's cross-thread reduction, `T.tvm_thread_allreduce` inside
  /// `with T.attr(T.comm_reducer(...), "reduce_scope", ...)` (genAttrScope).
  RValue builtinThreadAllreduce(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinCommReducer(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  std::optional<tile::GemmPolicy>
  readGemmOptions(const BoundArgs &args, llvm::ArrayRef<std::pair<size_t, bool *>> flags,
                  size_t policyIndex, std::optional<size_t> hintsIndex);
  RValue createGemm(const RValue &a, const RValue &b, const RValue &c,
                    std::array<const Expr *, 3> exprs, bool transA, bool transB,
                    tile::GemmPolicy policy, bool clear, llvm::SMLoc where,
                    bool wgmma = false, mlir::Value clearAtRun = {});
  RValue builtinSparseEFactor(llvm::StringRef name, const CallExpr &call);
  RValue builtinGemmSp(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinWarpShuffle(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinEvaluate(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinSum(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinPythonPrint(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinLoopIterable(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinKernelOutsideWith(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  RValue builtinParameterAnnotation(llvm::StringRef name, llvm::StringRef fn, const CallExpr &call);
  /// Reads a scalar out of a Var.
  RValue readVar(const RValue &var, llvm::SMLoc where);

  /// A tile operand: a buffer, a region with slices, or (with `extentHint`)
  /// a region given by its start whose extents come from the other operand.
  RValue evalTileOperand(const Expr &expr,
                         std::optional<llvm::ArrayRef<int64_t>> extentHint);
  /// Whether `expr` indexes a buffer with scalars only (a start or an
  /// element, depending on context).
  bool isStartOnlySubscript(const Expr &expr);
  /// upper - lower when the frontend's index arithmetic makes it a
  /// constant (bounds held in names); none otherwise.
  std::optional<int64_t> constantDifference(mlir::Value upper, mlir::Value lower);
  RValue makeRegion(const SubscriptExpr &expr, RValue base,
                    std::optional<llvm::ArrayRef<int64_t>> extentHint);

  /// A compile-time integer, or a reported error.
  /// Evaluates `expr` as a constant `accepts` takes; otherwise reports
  /// "<what> must be <expected>, got ..." at the expression.
  std::optional<RValue> evalConstOf(const Expr &expr, llvm::StringRef what,
                                    llvm::StringRef expected,
                                    llvm::function_ref<bool(const RValue &)> accepts);
  std::optional<int64_t> evalConstInt(const Expr &expr, llvm::StringRef what);
  /// A shape given as an int or a tuple/list of ints. With `launchExtents`,
  /// an extent may also be an integer known only at launch: its dimension
  /// is dynamic and its index value is appended there.
  std::optional<llvm::SmallVector<int64_t>>
  evalConstShape(const Expr &expr, llvm::StringRef what,
                 llvm::SmallVectorImpl<mlir::Value> *launchExtents = nullptr);
  /// A dtype given as `T.float16` or "float16".
  mlir::Type evalDType(const Expr &expr);
  std::optional<bool> evalConstBool(const Expr &expr, llvm::StringRef what);
  /// A `dim=` argument of a tile op on a rank-`rank` buffer (`fallback`
  /// when absent), negative counting from the end; nullopt after an error.
  std::optional<int64_t> evalDimArg(const Expr *arg, int64_t rank, int64_t fallback,
                                    llvm::SMLoc where);
  /// A constant flag argument `what` (`fallback` when absent).
  std::optional<bool> evalFlagArg(const Expr *arg, llvm::StringRef what, bool fallback);
  std::optional<std::string> evalConstString(const Expr &expr, llvm::StringRef what);

  /// The SSA value of a scalar, materializing constants (as `preferred`, or
  /// index for ints and f32 for floats).
  mlir::Value materialize(const RValue &value, llvm::SMLoc where,
                          mlir::Type preferred = {});
  mlir::Value toIndex(const RValue &value, llvm::SMLoc where);
  mlir::Value toBool(const RValue &value, llvm::SMLoc where);
  mlir::Value castTo(mlir::Value value, mlir::Type type, llvm::SMLoc where);
  /// Both operands of a binary operation as values of type `common` (null
  /// values after an error).
  std::pair<mlir::Value, mlir::Value> operandsAs(const RValue &lhs, const RValue &rhs,
                                                 mlir::Type common, llvm::SMLoc where);
  mlir::Value constantOf(mlir::Type type, double value, llvm::SMLoc where);
  /// Marks the operation defining `value` `fastmath<afn>` (with --fast-math).
  void allowApproximation(mlir::Value value);
  /// The type two scalar operands are converted to.
  mlir::Type unifyTypes(mlir::Type a, mlir::Type b);
  /// The type a non-constant RValue has, or null.
  mlir::Type scalarType(const RValue &value);

  bool checkInLaunch(llvm::SMLoc where, llvm::StringRef what);

  ModuleLoader &loader;
  SourceContext &source;
  mlir::ModuleOp module;
  const FrontendOptions &options;
  std::map<std::string, bool> &usedDefines;
  mlir::OpBuilder builder;
  mlir::MLIRContext *ctx;

  void genAssert(const AssertStmt &stmt);
  /// The values a compile-time loop or comprehension runs over: a tuple or
  /// list of constants, or range() of constant integers.
  std::optional<std::vector<RValue>> constantIterable(const Expr &iterable);
  /// Binds a loop's names to one value (unpacked over several names).
  bool bindTargets(llvm::ArrayRef<std::pair<llvm::SMLoc, std::string>> targets,
                   const RValue &value, llvm::SMLoc where);
  /// A string constant's text, or a dtype's name (TileLang's dtypes are
  /// strings); none for other values.
  std::optional<std::string> textOf(const RValue &value);
  /// `text.name(...)`: join, isdigit, isalpha, startswith, endswith.
  RValue stringMethod(const std::string &text, llvm::StringRef name, const CallExpr &call);
  RValue evalComprehension(const ComprehensionExpr &expr);
  /// A `for` in a kernel factory's body: unrolled at compile time.
  void genCompileTimeFor(const ForStmt &stmt);
  void genRaise(const RaiseStmt &stmt);
  /// `@T.macro def f(...)` inside a kernel body: a macro that sees the
  /// names visible where it is defined.
  void genLocalMacro(const FunctionDef &fn);
  /// `for bx, by in T.Persistent([m, n], wave_size, index, group_size=8)`:
  /// a persistent block's tiles, wave by wave (serial).
  void genPersistentLoop(const ForStmt &stmt, const CallExpr &call);
  /// An scf.while whose condition is `condition()` (false when it gives no
  /// value) and, when the body has `break` / `continue`, whose flags (i1
  /// local variables, null when unused) `body(breakFlag, continueFlag)`
  /// sees: a set break flag ends the loop, the continue flag is cleared at
  /// the start of each iteration.
  void genFlaggedWhile(mlir::Location l, bool hasBreak, bool hasContinue,
                       llvm::function_ref<mlir::Value()> condition,
                       llvm::function_ref<void(mlir::Value, mlir::Value)> body);
  /// An f-string's value: its `{name}` fields (`{name:.3f}`, `{name!r}`)
  /// filled with compile-time values.
  RValue formatString(const StringExpr &literal);
  /// Binds a kernel factory's constants and macros in the current scope
  /// (its parameters are bound already); returns the kernel it returns, or
  /// null after errors.
  const FunctionDef *bindFactoryBody(ModuleInfo &home, const FunctionDef &factory);
  /// The statements of a factory's body (or of a function it defines that
  /// returns a @T.prim_func, when the factory returns that function's call).
  void bindFactoryStatements(ModuleInfo &home, const StmtList &body);
  /// `return kernel_func(...)` in a factory: binds the function's parameters
  /// to the call's compile-time arguments, then its body.
  void bindNestedFactory(const FunctionDef &nested, const CallExpr &call);
  /// Functions a factory body defines that define and return a @T.prim_func.
  llvm::StringMap<const FunctionDef *> nestedFactories;
  /// The @T.prim_func defined in the branches a factory took (`if
  /// dtype.bits <= 16: @T.prim_func def main(...)`), which it may return.
  llvm::SmallVector<const FunctionDef *> branchKernels;

  std::vector<Scope> scopes;
  /// The sizes an eager kernel's T.const named that -D set, as constants.
  std::vector<std::pair<std::string, RValue>> eagerConstants;
  /// The names a kernel factory bound, which its macros see.
  std::map<std::string, RValue> factoryNames;
  /// The names a `@T.macro` defined inside a kernel body sees: those
  /// visible where it is defined (a Python closure over the kernel's
  /// parameters and locals). A deque: macro values point into it.
  std::deque<std::map<std::string, RValue>> kernelClosures;
  /// While a factory's body is bound: its statements, and the kernel its
  /// `return` took.
  bool bindingFactory = false;
  /// Whether code runs in a kernel factory's own body (not in a macro it
  /// calls): compile-time Python.
  bool inFactoryBody() const { return bindingFactory && macroResults.empty(); }
  /// The value `-D name=...` gives (marked used), or none.
  std::optional<RValue> definedValue(llvm::StringRef name);
  const StmtList *factoryBody = nullptr;
  const FunctionDef *factoryReturned = nullptr;
  ModuleInfo *currentModule = nullptr;
  /// The module of the kernel being generated (where a macro named by a
  /// string is looked up).
  ModuleInfo *kernelHome = nullptr;
  unsigned regionDepth = 0;
  bool inLaunch = false;
  /// The launch's threads, and their block shape (x, y, z) as T.Kernel's
  /// `threads` gave it.
  int64_t launchThreads = 128;
  llvm::SmallVector<int64_t, 3> launchThreadShape{128, 1, 1};
  /// The thread indices T.get_thread_binding gave, with their dimension
  /// (what T.tvm_thread_allreduce reduces over).
  llvm::DenseMap<mlir::Value, int64_t> threadBindingDims;
  /// A `T.comm_reducer(lambda x, y: ..., [identity])` of an enclosing
  /// `with T.attr(..., "reduce_scope", ...)`, innermost last.
  struct CommReducer {
    const LambdaExpr *combiner;
    const Expr *identity;
  };
  std::vector<CommReducer> commReducers;
  /// Whether a `raise` ran: the rest of the kernel is not generated.
  bool raised = false;
  unsigned errorsAtStart = 0;
  unsigned verifierErrors = 0;

  /// Call-site locations of the macros being inlined, innermost last.
  std::vector<mlir::Location> callStack;
  /// Set when a macro expansion hit the nesting limit, until it unwinds.
  bool macroNestingExceeded = false;
  /// Nesting of T.block_visibility evaluations.
  unsigned intervalDepth = 0;
  /// Macro expansions so far in this kernel, and their limit.
  unsigned macroExpansions = 0;
  static constexpr unsigned kMaxMacroExpansions = 1u << 16;
  /// The value of `return` in the macro being inlined.
  std::vector<std::optional<RValue>> macroResults;

  /// The loops being generated, innermost last.
  /// A T.alloc_reducer's `+=` inside a T.Parallel loop: each iteration adds
  /// into its own element of `partials` (the loop's shape); after the loop
  /// the loop dimensions the reducer's indices leave out are summed into it.
  struct PendingReduction {
    mlir::Value reducer, partials;
    llvm::SmallVector<unsigned> keptDims; // loop dimension of each index
    mlir::Location loc;
  };
  struct LoopContext {
    enum Kind { Parallel, Pipelined, Serial } kind;
    mlir::Value breakFlag;    // rank-0 i1 local buffer, or null
    mlir::Value continueFlag; // same
    mlir::Operation *parallel = nullptr; // the tile.parallel of a Parallel loop
    std::vector<PendingReduction> reductions;
  };
  std::vector<LoopContext> loops;
  /// Buffers made by T.alloc_reducer.
  llvm::DenseSet<mlir::Value> reducers;
  /// `reducer[...] += value` inside a T.Parallel loop (see PendingReduction).
  void genReducerAdd(const AugAssignStmt &stmt, const SubscriptExpr &target, RValue reducer);
  /// The sums of a T.Parallel loop's pending reductions, after it.
  void finishReductions(std::vector<PendingReduction> &reductions);
};

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_MLIRGENIMPL_H
