//===- Interpreter.cpp - run tile IR on the CPU ---------------------------===//
//
// A direct interpreter of tile IR (after the frontend and clean-up passes).
// Scalars are kept as double (floats, rounded to their type after every
// operation) or int64 (integers, wrapped to their width). Global tensors are
// read and written in their own dtype; on-chip buffers are arrays of doubles
// rounded to their element type, with a bit per element for "initialised".
//
//===----------------------------------------------------------------------===//

#include "runtime/cpu/Interpreter.h"

#include "llvm/ADT/ScopeExit.h"

#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

using namespace mlir;
using namespace tilec;
using namespace tilec::cpu;

/// The bits of `value` rounded to the float type `type` (arith.bitcast).
static APInt toFloatBits(FloatType type, double value) {
  APFloat encoded(value);
  bool lost = false;
  encoded.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  return encoded.bitcastToAPInt();
}

namespace {

/// A scalar value: `f` for floats, `i` for integers, index and i1.
struct Scalar {
  double f = 0;
  int64_t i = 0;
};

/// The memory of one buffer: a host tensor (global) or an on-chip array.
struct Storage {
  tile::MemoryScope scope;
  Type elementType;
  bool isFloat = true;
  SmallVector<int64_t> shape;
  // Global tensors.
  char *raw = nullptr;
  DType dtype = DType::F32;
  SmallVector<int64_t> strides;
  // On-chip buffers: floats as double, integers as int64 (exact at any
  // width: a double would round 64-bit integers past 2^53).
  std::vector<double> values;
  std::vector<int64_t> integers;
  std::vector<uint8_t> initialized;
  std::string what; // for messages: "tensor 'A'", "shared buffer 64x32"
  bool written = false; // a global tensor something was stored into
};

/// A window of a storage: what a buffer Value stands for at run time.
struct View {
  Storage *storage = nullptr;
  SmallVector<int64_t> offsets;   // per storage dimension
  SmallVector<unsigned> keptDims; // view dimension -> storage dimension
  SmallVector<int64_t> shape;     // per view dimension
};

std::string formatIndex(ArrayRef<int64_t> index) {
  std::string text = "[";
  for (auto [i, v] : llvm::enumerate(index))
    text += (i ? ", " : "") + std::to_string(v);
  return text + "]";
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text = "(";
  for (auto [i, v] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(v);
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// Rounds a float result to what its MLIR type can hold.
double roundTo(Type type, double value) {
  if (type.isF32()) return roundToF32(value);
  if (type.isF64()) return value;
  if (type.isF16()) return roundToF16(value);
  if (type.isBF16()) return roundToBF16(value);
  if (isa<Float8E4M3FNType>(type)) return roundToF8E4M3(value);
  if (isa<Float8E5M2Type>(type)) return roundToF8E5M2(value);
  return value;
}

/// Wraps an integer result to its MLIR type's width.
int64_t wrapTo(Type type, int64_t value) {
  if (type.isIndex())
    return value;
  unsigned width = type.getIntOrFloatBitWidth();
  if (width >= 64)
    return value;
  if (width == 1)
    return value & 1;
  uint64_t mask = (uint64_t(1) << width) - 1;
  uint64_t bits = static_cast<uint64_t>(value) & mask;
  if ((bits >> (width - 1)) && !type.isUnsignedInteger()) // uint8 elements stay 0..255
    bits |= ~mask;
  return static_cast<int64_t>(bits);
}


/// Executes one kernel run.
class Interpreter {
public:
  Interpreter(const RunOptions &options) : options(options) {}

  LogicalResult run(func::FuncOp kernel, ArrayRef<KernelArg> args);

private:
  //===--------------------------------------------------------------------===//
  // Errors
  //===--------------------------------------------------------------------===//

  /// Where the run is: block indices and enclosing T.Parallel indices.
  std::string context() const {
    std::string text = "in block (bx, by, bz) = " + formatShape(blockIndex);
    if (currentThread >= 0)
      text += ", thread " + std::to_string(currentThread);
    for (const auto &indices : parallelIndices)
      text += ", T.Parallel indices " + formatShape(indices);
    return text;
  }
  InFlightDiagnostic fail(Operation *op) { return op->emitError(); }
  LogicalResult failWith(Operation *op, const Twine &message) {
    fail(op) << message << " (" << context() << ")";
    return failure();
  }

  /// An element access outside its tensor, which the GPU guards (a read
  /// gives 0, a write is dropped): in checked mode an error when the index
  /// comes from data (a tile or element placed wholly outside: most likely
  /// a bug), else a warning, once per access op.
  LogicalResult outsideTensor(Operation *op, const View &v, ArrayRef<int64_t> index,
                              const char *verb, const char *outcome) {
    if (!options.checked)
      return success();
    std::string what = (Twine("out-of-bounds ") + verb + " at index " + formatIndex(index) +
                        " of " + v.storage->what + "; its shape is " +
                        formatShape(v.storage->shape))
                           .str();
    if (indexFromData(op))
      return failWith(op, what + " (the index comes from data)");
    if (warnedOutside.insert(op).second)
      op->emitWarning() << what << " (" << context() << "): " << outcome
                        << ", as on the GPU (further ones at this line are not reported)";
    return success();
  }

  /// Whether an access's indices depend on values loaded from a tensor.
  bool indexFromData(Operation *access) {
    auto [it, inserted] = dataIndexed.try_emplace(access, false);
    if (!inserted)
      return it->second;
    SmallVector<Value> work(access->getOperands().drop_front(isa<tile::StoreOp>(access) ? 2 : 1));
    DenseSet<Value> seen;
    while (!work.empty()) {
      Value v = work.pop_back_val();
      if (!seen.insert(v).second)
        continue;
      Operation *def = v.getDefiningOp();
      if (!def)
        continue; // loop variables, block indices, parameters
      if (auto load = dyn_cast<tile::LoadOp>(def)) {
        // From a tensor: data. On-chip buffers (variables, loop counters)
        // are not followed through memory.
        if (load.getBuffer().getType().getScope() == tile::MemoryScope::Global)
          return dataIndexed[access] = true;
        continue;
      }
      llvm::append_range(work, def->getOperands());
    }
    return false;
  }
  DenseSet<Operation *> warnedOutside;
  DenseMap<Operation *, bool> dataIndexed;

  //===--------------------------------------------------------------------===//
  // Values
  //===--------------------------------------------------------------------===//

  /// A copy, not a reference: inserting the result of an op into `scalars`
  /// may grow the map and move its entries.
  Scalar get(Value v) { return scalars[v]; }
  double getF(Value v) { return scalars[v].f; }
  int64_t getI(Value v) { return scalars[v].i; }
  void setF(Value v, double x) { scalars[v].f = roundTo(v.getType(), x); }
  void setI(Value v, int64_t x) { scalars[v].i = wrapTo(v.getType(), x); }
  View &view(Value v) { return views[v]; }

  //===--------------------------------------------------------------------===//
  // Element access
  //===--------------------------------------------------------------------===//

  /// Maps a view index to its storage index; false (after an error, if
  /// `op` is set) when it is outside the view or the storage.
  bool locate(Operation *op, const View &v, ArrayRef<int64_t> index,
              SmallVectorImpl<int64_t> &storageIndex, bool reportErrors,
              const char *verb) {
    storageIndex.assign(v.offsets.begin(), v.offsets.end());
    // A view of a whole buffer is checked against the buffer (one message).
    bool whole = v.shape == v.storage->shape &&
                 llvm::all_of(v.offsets, [](int64_t o) { return o == 0; });
    for (auto [d, i] : llvm::enumerate(index)) {
      if (reportErrors && !whole && (i < 0 || i >= v.shape[d])) {
        (void)failWith(op, Twine("out-of-bounds ") + verb + " at index " +
                         formatIndex(index) + " of a region of shape " +
                         formatShape(v.shape) + " of " + v.storage->what);
        return false;
      }
      storageIndex[v.keptDims[d]] += i;
    }
    for (auto [d, i] : llvm::enumerate(storageIndex))
      if (i < 0 || i >= v.storage->shape[d]) {
        if (reportErrors)
          (void)failWith(op, Twine("out-of-bounds ") + verb + " at index " +
                           formatIndex(storageIndex) + " of " + v.storage->what +
                           "; its shape is " + formatShape(v.storage->shape));
        return false;
      }
    return true;
  }

  int64_t linear(const Storage &s, ArrayRef<int64_t> index) {
    int64_t offset = 0;
    if (s.raw) {
      for (auto [d, i] : llvm::enumerate(index))
        offset += i * s.strides[d];
      return offset;
    }
    for (auto [d, i] : llvm::enumerate(index))
      offset = offset * s.shape[d] + i;
    return offset;
  }

  /// Reads an element (as double for floats, as int64 in `.i` otherwise).
  bool read(Operation *op, Storage &s, ArrayRef<int64_t> index, Scalar &out) {
    int64_t at = linear(s, index);
    if (s.raw) {
      char *element = s.raw + at * dtypeSize(s.dtype);
      if (s.isFloat)
        out.f = loadFloat(element, s.dtype);
      else
        out.i = wrapTo(s.elementType, loadInt(element, s.dtype));
      return true;
    }
    if (options.checked && !s.initialized[at]) {
      (void)failWith(op, "read of uninitialised element " + formatIndex(index) + " of " + s.what);
      return false;
    }
    if (s.isFloat)
      out.f = s.values[at];
    else
      out.i = s.integers[at];
    return true;
  }

  void write(Storage &s, ArrayRef<int64_t> index, Scalar value) {
    int64_t at = linear(s, index);
    if (s.raw) {
      char *element = s.raw + at * dtypeSize(s.dtype);
      if (s.isFloat)
        storeFloat(element, s.dtype, value.f);
      else
        storeInt(element, s.dtype, value.i);
      s.written = true;
      if (options.checked && launchBlock >= 0 && !inAtomic)
        noteGlobalWrite(s, index, element);
      return;
    }
    if (s.isFloat)
      s.values[at] = roundTo(s.elementType, value.f);
    else
      s.integers[at] = wrapTo(s.elementType, value.i);
    s.initialized[at] = 1;
  }

  /// Converts an element between storages of different element types.
  Scalar convert(const Storage &from, const Storage &to, Scalar value) {
    Scalar result;
    if (from.isFloat && to.isFloat)
      result.f = value.f;
    else if (from.isFloat)
      result.i = static_cast<int64_t>(std::trunc(value.f));
    else if (to.isFloat)
      result.f = static_cast<double>(value.i);
    else
      result.i = value.i;
    return result;
  }

  //===--------------------------------------------------------------------===//
  // Execution
  //===--------------------------------------------------------------------===//

  LogicalResult execBlock(Block &block);
  LogicalResult execOp(Operation *op);
  /// Runs a single-block region whose terminator yields values.
  LogicalResult execYielding(Region &region, ArrayRef<Scalar> args,
                             SmallVectorImpl<Scalar> &results);
  LogicalResult execArith(Operation *op, bool &handled);
  LogicalResult execTile(Operation *op, bool &handled);
  LogicalResult execScf(Operation *op, bool &handled);

  Storage *allocate(tile::BufferType type, Location loc);
  /// Every index of a shape, in C order.
  template <typename Fn>
  bool forEachIndex(ArrayRef<int64_t> shape, Fn fn) {
    SmallVector<int64_t> index(shape.size(), 0);
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    for (int64_t n = 0; n < count; ++n) {
      if (!fn(ArrayRef<int64_t>(index)))
        return false;
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
    return true;
  }
  /// The view index of element `n` (in the order of the shape without unit
  /// dimensions) of a view; copies pair elements of two views this way.
  void squeezedToView(const View &v, ArrayRef<int64_t> squeezedIndex,
                      SmallVectorImpl<int64_t> &index) {
    index.assign(v.shape.size(), 0);
    size_t next = 0;
    for (auto [d, extent] : llvm::enumerate(v.shape))
      if (extent != 1)
        index[d] = squeezedIndex[next++];
  }

  /// Races on tensors: within one launch, two blocks, or two iterations of
  /// one run of a T.Parallel, that store different values into one element
  /// leave it to the order in which GPU threads run (undefined). Each
  /// element stored remembers its writer; the first such conflict of an op
  /// stops the run at that op. Atomic adds do not count.
  struct Writer {
    int64_t block;
    int64_t parallelRun;
    int64_t iteration;
    uint64_t bits;
  };
  void noteGlobalWrite(const Storage &s, ArrayRef<int64_t> index, const char *element) {
    uint64_t bits = 0;
    std::memcpy(&bits, element, std::min<size_t>(dtypeSize(s.dtype), sizeof bits));
    Writer self{launchBlock, parallelRun, parallelIteration, bits};
    auto [it, inserted] = globalWriters.try_emplace(element, self);
    if (inserted)
      return;
    Writer previous = it->second;
    it->second = self;
    if (previous.bits == bits || !raceMessage.empty())
      return;
    bool otherBlock = previous.block != launchBlock;
    bool otherIteration = !otherBlock && parallelRun != 0 &&
                          previous.parallelRun == parallelRun &&
                          previous.iteration != parallelIteration;
    if (!otherBlock && !otherIteration)
      return;
    auto blockText = [&](int64_t linearBlock) {
      SmallVector<int64_t, 3> coordinates{linearBlock % launchGrid[0],
                                          linearBlock / launchGrid[0] % launchGrid[1],
                                          linearBlock / (launchGrid[0] * launchGrid[1])};
      return formatIndex(coordinates);
    };
    raceMessage = "element " + formatIndex(index) + " of " + s.what + " is stored with " +
                  "different values by " +
                  (otherBlock ? "blocks " + blockText(previous.block) + " and " +
                                    blockText(launchBlock)
                   : currentThread >= 0
                       ? "threads " + std::to_string(previous.iteration) + " and " +
                             std::to_string(parallelIteration) + " of block " +
                             blockText(launchBlock) + " between the same barriers"
                       : "two iterations of one T.Parallel in block " + blockText(launchBlock)) +
                  ", whose order is undefined on a GPU (a race; store from one of them, "
                  "or combine with T.atomic_add)";
  }

  const RunOptions &options;
  /// The running launch's block (linear, x fastest; -1 outside launches),
  /// its grid, the run of T.Parallel in progress (0: none) and its iteration.
  int64_t launchBlock = -1;
  SmallVector<int64_t, 3> launchGrid{1, 1, 1};
  int64_t parallelRun = 0, parallelRuns = 0, parallelIteration = -1;
  bool inAtomic = false;
  DenseMap<const char *, Writer> globalWriters;
  std::string raceMessage;
  DenseMap<Value, Scalar> scalars;
  DenseMap<Value, View> views;
  std::deque<std::unique_ptr<Storage>> globals;
  /// Keeps `storage` for the run and gives the view of all of it.
  View wholeView(std::unique_ptr<Storage> storage) {
    View v;
    v.storage = storage.get();
    v.offsets.assign(storage->shape.size(), 0);
    for (unsigned d = 0; d < storage->shape.size(); ++d)
      v.keptDims.push_back(d);
    v.shape = storage->shape;
    globals.push_back(std::move(storage));
    return v;
  }
  /// The bytes of the call's T.alloc_global workspaces.
  std::deque<std::vector<char>> workspaceBytes;
  std::deque<std::unique_ptr<Storage>> blockStorage;
  SmallVector<int64_t, 3> blockIndex{0, 0, 0};
  SmallVector<SmallVector<int64_t>> parallelIndices;
  llvm::StringSet<> notedIgnored;

  //===--------------------------------------------------------------------===//
  // Per-thread launches
  //===--------------------------------------------------------------------===//

  /// Runs one block of a per-thread launch (its body reads tile.thread_id):
  /// the body once for each of the block's threads, with its own values and
  /// local buffers, sharing the block's shared buffers; one thread after
  /// another, or, with `barriers` in the body, taking turns between them.
  LogicalResult runThreads(tile::LaunchOp launch, Block &body, bool barriers);
  /// What a thread of a per-thread launch holds while another one runs.
  struct ThreadState {
    DenseMap<Value, Scalar> scalars;
    DenseMap<Value, View> views;
  };
  /// The threads of a block with barriers take turns, one running at a time
  /// (an OS thread each, for its stack): in index order each runs until a
  /// block barrier or its end; when every thread has, the next phase starts
  /// with the lowest waiting one (a thread that ended counts as arrived).
  /// Only the thread whose turn it is touches the interpreter.
  struct ThreadTurns {
    explicit ThreadTurns(int64_t threads)
        : wake(threads), ended(threads, 0), waiting(threads, 0), waitingAt(threads, nullptr) {}
    std::mutex mutex;
    /// Each thread's: notified when its turn comes (or the run aborts).
    std::vector<std::condition_variable> wake;
    int64_t turn = 0; // -1 once every thread has ended
    bool abort = false;
    bool newPhase = true;
    std::vector<char> ended, waiting;
    std::vector<Operation *> waitingAt;
    /// Held by a thread that unwinds after an abort, one at a time.
    std::mutex unwinding;
  };
  ThreadTurns *turns = nullptr;
  std::vector<ThreadState> *threadStates = nullptr;
  int64_t currentThread = -1;
  /// The block's shared buffers and workspaces, made by the first thread
  /// that reaches their allocation (per-thread launches).
  DenseMap<Operation *, View> *blockShared = nullptr;
  /// Makes thread `t`'s values the interpreter's, or puts them back.
  void swapThread(int64_t t) {
    std::swap(scalars, (*threadStates)[t].scalars);
    std::swap(views, (*threadStates)[t].views);
  }
  void enterThread(int64_t t) {
    swapThread(t);
    currentThread = t;
    if (turns->newPhase) { // the races of a phase are between its threads
      parallelRun = ++parallelRuns;
      turns->newPhase = false;
    }
    parallelIteration = t;
  }
  /// Hands the turn on from thread `t` (the turns' mutex held).
  void passTurn(int64_t t);
  /// Wakes every thread to give up (the turns' mutex held).
  void abortThreads() {
    turns->abort = true;
    for (std::condition_variable &wake : turns->wake)
      wake.notify_one();
  }
  /// Thread `currentThread` waits at `barrier` (a tile.barrier, or a
  /// tile.shuffle's exchange) until every thread of the block has reached it.
  LogicalResult waitAtBarrier(Operation *barrier);
  /// Each tile.shuffle's values, a slot per thread of the block.
  DenseMap<Operation *, std::vector<Scalar>> *shuffleSlots = nullptr;
};

} // namespace

//===----------------------------------------------------------------------===//
// Per-thread launches
//===----------------------------------------------------------------------===//

LogicalResult Interpreter::runThreads(tile::LaunchOp launch, Block &body, bool barriers) {
  int64_t threads = launch.getThreads();
  DenseMap<Operation *, View> shared;
  DenseMap<Operation *, std::vector<Scalar>> slots;
  std::vector<ThreadState> states(threads, ThreadState{scalars, views});
  blockShared = &shared;
  shuffleSlots = &slots;
  threadStates = &states;
  llvm::scope_exit done([&] {
    blockShared = nullptr;
    shuffleSlots = nullptr;
    threadStates = nullptr;
    turns = nullptr;
    currentThread = -1;
    parallelRun = 0;
    parallelIteration = -1;
  });
  if (!barriers) { // one after another, each to its end
    for (int64_t t = 0; t < threads; ++t) {
      swapThread(t);
      currentThread = t;
      parallelRun = parallelRuns + 1;
      parallelIteration = t;
      LogicalResult result = execBlock(body);
      swapThread(t);
      if (failed(result))
        return failure();
    }
    ++parallelRuns;
    return success();
  }
  ThreadTurns threadTurns(threads);
  turns = &threadTurns;
  std::vector<char> failedThreads(threads, 0);
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int64_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      {
        std::unique_lock<std::mutex> lock(threadTurns.mutex);
        threadTurns.wake[t].wait(lock,
                                 [&] { return threadTurns.turn == t || threadTurns.abort; });
        if (threadTurns.abort)
          return;
      }
      enterThread(t);
      LogicalResult result = execBlock(body);
      std::unique_lock<std::mutex> lock(threadTurns.mutex);
      if (threadTurns.abort && failed(result)) {
        // Woken by another thread's failure: it unwound holding `unwinding`.
        threadTurns.unwinding.unlock();
        return;
      }
      swapThread(t);
      threadTurns.ended[t] = 1;
      if (failed(result)) {
        failedThreads[t] = 1;
        abortThreads();
        return;
      }
      passTurn(t);
    });
  for (std::thread &worker : workers)
    worker.join();
  return success(!threadTurns.abort &&
                 llvm::none_of(failedThreads, [](char failed) { return failed; }));
}

void Interpreter::passTurn(int64_t t) {
  ThreadTurns &s = *turns;
  int64_t threads = static_cast<int64_t>(s.ended.size());
  int64_t next = t + 1;
  while (next < threads && (s.ended[next] || s.waiting[next]))
    ++next;
  if (next == threads) { // every thread is at a barrier or has ended
    next = -1;
    Operation *barrier = nullptr;
    for (int64_t u = 0; u < threads; ++u) {
      if (!s.waiting[u])
        continue;
      if (next < 0)
        next = u;
      if (barrier && s.waitingAt[u] != barrier) {
        InFlightDiagnostic diag = s.waitingAt[u]->emitError()
            << "thread " << u << " waits at this block barrier while thread " << next
            << " waits at another: every thread must reach the same barriers (one "
               "inside code that depends on the thread index?) (in block (bx, by, bz) = "
            << formatShape(blockIndex) << ")";
        diag.attachNote(barrier->getLoc()) << "the other barrier";
        abortThreads();
        return;
      }
      barrier = s.waitingAt[u];
      s.waiting[u] = 0;
    }
    s.newPhase = true;
  }
  s.turn = next;
  if (next >= 0)
    s.wake[next].notify_one();
}

LogicalResult Interpreter::waitAtBarrier(Operation *barrier) {
  ThreadTurns &s = *turns;
  int64_t t = currentThread;
  std::unique_lock<std::mutex> lock(s.mutex);
  swapThread(t);
  s.waiting[t] = 1;
  s.waitingAt[t] = barrier;
  passTurn(t);
  s.wake[t].wait(lock, [&] { return s.turn == t || s.abort; });
  if (s.abort) {
    lock.unlock();
    s.unwinding.lock(); // released by this thread's worker once unwound
    return failure();
  }
  lock.unlock();
  enterThread(t);
  return success();
}

//===----------------------------------------------------------------------===//
// Parameters and arguments
//===----------------------------------------------------------------------===//

LogicalResult Interpreter::run(func::FuncOp kernel, ArrayRef<KernelArg> args) {
  if (args.size() != kernel.getNumArguments())
    return kernel.emitError() << "kernel '" << kernel.getName() << "' takes "
                              << kernel.getNumArguments() << " arguments, got "
                              << args.size();
  std::vector<abi::ParamSpec> params = tile::getKernelParams(kernel);
  std::map<std::string, std::pair<int64_t, std::string>> symbols;
  std::vector<Storage *> argumentStorage(args.size(), nullptr);
  for (auto [i, arg] : llvm::enumerate(args)) {
    const abi::ParamSpec &param = params[i];
    Value value = kernel.getArgument(i);
    if (!param.isTensor) {
      if (arg.kind == KernelArg::Kind::Tensor)
        return kernel.emitError() << "parameter '" << param.name
                                  << "' is a scalar, got a tensor";
      if (param.isFloatScalar())
        setF(value, arg.kind == KernelArg::Kind::Float ? arg.floatValue
                                                      : double(arg.intValue));
      else if (arg.kind == KernelArg::Kind::Float)
        return kernel.emitError() << "parameter '" << param.name
                                  << "' is an integer, got a float";
      else if (!integerFits(param.dtype, arg.intValue))
        return kernel.emitError() << "parameter '" << param.name << "' is "
                                  << dtypeName(param.dtype) << ", and " << arg.intValue
                                  << " is outside its range";
      else
        setI(value, arg.intValue);
      continue;
    }
    if (arg.kind != KernelArg::Kind::Tensor)
      return kernel.emitError() << "parameter '" << param.name
                                << "' is a tensor, got a scalar";
    const HostTensor &t = arg.tensor;
    bool dtypeOk = t.dtype == param.dtype ||
                   (param.dtype == DType::I8 && t.dtype == DType::U8);
    if (!dtypeOk)
      return kernel.emitError() << "tensor '" << param.name << "' must be "
                                << dtypeName(param.dtype) << ", got "
                                << dtypeName(t.dtype);
    if (t.shape.size() != param.extents.size())
      return kernel.emitError() << "tensor '" << param.name << "' must have rank "
                                << param.extents.size() << ", got " << t.shape.size();
    if (!t.data && !t.shape.empty())
      return kernel.emitError() << "tensor '" << param.name << "' has no data";
    if (!t.strides.empty() && t.strides.size() != t.shape.size())
      return kernel.emitError() << "tensor '" << param.name
                                << "' has strides of the wrong rank";
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (param.extents[d] >= 0 && t.shape[d] != param.extents[d])
        return kernel.emitError() << "tensor '" << param.name << "' dimension " << d
                                  << " must be " << param.extents[d] << ", got "
                                  << t.shape[d];
      if (param.dimNames[d].empty())
        continue;
      auto [it, inserted] = symbols.emplace(
          param.dimNames[d], std::make_pair(t.shape[d], param.name));
      if (!inserted && it->second.first != t.shape[d])
        return kernel.emitError()
               << "dimension '" << param.dimNames[d] << "' is " << it->second.first
               << " in tensor '" << it->second.second << "' but " << t.shape[d]
               << " in tensor '" << param.name << "'";
    }
    auto storage = std::make_unique<Storage>();
    storage->scope = tile::MemoryScope::Global;
    storage->elementType = cast<tile::BufferType>(value.getType()).getElementType();
    storage->isFloat = isa<FloatType>(storage->elementType);
    storage->shape.assign(t.shape.begin(), t.shape.end());
    storage->raw = static_cast<char *>(t.data);
    storage->dtype = t.dtype;
    if (t.strides.empty()) {
      storage->strides.assign(t.shape.size(), 1);
      for (int d = static_cast<int>(t.shape.size()) - 2; d >= 0; --d)
        storage->strides[d] = storage->strides[d + 1] * t.shape[d + 1];
    } else {
      storage->strides.assign(t.strides.begin(), t.strides.end());
    }
    storage->what = "tensor '" + param.name + "'";
    View v;
    v.storage = storage.get();
    v.offsets.assign(t.shape.size(), 0);
    for (unsigned d = 0; d < t.shape.size(); ++d)
      v.keptDims.push_back(d);
    v.shape.assign(t.shape.begin(), t.shape.end());
    views[value] = v;
    argumentStorage[i] = storage.get();
    globals.push_back(std::move(storage));
  }
  LogicalResult result = execBlock(kernel.getBody().front());
  if (options.report) {
    options.report->written.clear();
    for (Storage *storage : argumentStorage)
      options.report->written.push_back(storage && storage->written);
  }
  return result;
}

Storage *Interpreter::allocate(tile::BufferType type, Location loc) {
  auto storage = std::make_unique<Storage>();
  storage->scope = type.getScope();
  storage->elementType = type.getElementType();
  storage->isFloat = isa<FloatType>(type.getElementType());
  storage->shape.assign(type.getShape().begin(), type.getShape().end());
  int64_t count = type.getNumElementsStatic();
  if (storage->isFloat)
    storage->values.assign(count, 0.0);
  else
    storage->integers.assign(count, 0);
  storage->initialized.assign(count, 0);
  std::string where;
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    where = " allocated at line " + std::to_string(fileLoc.getLine());
  storage->what = (type.getShape().empty() ? std::string("variable")
                   : type.getScope() == tile::MemoryScope::Fragment
                       ? std::string("fragment")
                       : tile::stringifyMemoryScope(type.getScope()).str() + " buffer") +
                  where;
  blockStorage.push_back(std::move(storage));
  return blockStorage.back().get();
}

//===----------------------------------------------------------------------===//
// Execution
//===----------------------------------------------------------------------===//

LogicalResult Interpreter::execBlock(Block &block) {
  for (Operation &op : block) {
    if (failed(execOp(&op)))
      return failure();
    if (!raceMessage.empty()) {
      std::string message = std::move(raceMessage);
      raceMessage.clear();
      return failWith(&op, message);
    }
  }
  return success();
}

LogicalResult Interpreter::execYielding(Region &region, ArrayRef<Scalar> args,
                                        SmallVectorImpl<Scalar> &results) {
  Block &block = region.front();
  for (auto [arg, value] : llvm::zip(block.getArguments(), args))
    scalars[arg] = value;
  for (Operation &op : block.without_terminator())
    if (failed(execOp(&op)))
      return failure();
  results.clear();
  for (Value v : block.getTerminator()->getOperands())
    results.push_back(get(v));
  return success();
}

LogicalResult Interpreter::execOp(Operation *op) {
  bool handled = false;
  if (failed(execArith(op, handled)))
    return failure();
  if (handled)
    return success();
  if (failed(execTile(op, handled)))
    return failure();
  if (handled)
    return success();
  if (failed(execScf(op, handled)))
    return failure();
  if (handled)
    return success();
  if (isa<func::ReturnOp>(op))
    return success();
  return op->emitError() << "the cpu target cannot execute '" << op->getName()
                         << "'";
}

LogicalResult Interpreter::execScf(Operation *op, bool &handled) {
  handled = true;
  if (auto forOp = dyn_cast<scf::ForOp>(op)) {
    int64_t lb = getI(forOp.getLowerBound()), ub = getI(forOp.getUpperBound()),
            step = getI(forOp.getStep());
    if (step <= 0)
      return failWith(op, "loop step must be positive, got " + Twine(step));
    SmallVector<Scalar> iters;
    for (Value v : forOp.getInitArgs())
      iters.push_back(get(v));
    for (int64_t iv = lb; iv < ub; iv += step) {
      SmallVector<Scalar> args;
      Scalar ivValue;
      ivValue.i = iv;
      args.push_back(ivValue);
      args.append(iters.begin(), iters.end());
      if (failed(execYielding(forOp.getRegion(), args, iters)))
        return failure();
    }
    for (auto [result, value] : llvm::zip(forOp.getResults(), iters))
      scalars[result] = value;
    return success();
  }
  if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
    bool cond = getI(ifOp.getCondition()) != 0;
    Region &region = cond ? ifOp.getThenRegion() : ifOp.getElseRegion();
    if (region.empty())
      return success();
    SmallVector<Scalar> results;
    if (failed(execYielding(region, {}, results)))
      return failure();
    for (auto [result, value] : llvm::zip(ifOp.getResults(), results))
      scalars[result] = value;
    return success();
  }
  if (auto whileOp = dyn_cast<scf::WhileOp>(op)) {
    SmallVector<Scalar> values;
    for (Value v : whileOp.getInits())
      values.push_back(get(v));
    while (true) {
      SmallVector<Scalar> forwarded;
      if (failed(execYielding(whileOp.getBefore(), values, forwarded)))
        return failure();
      // The condition op's operands: the flag, then the forwarded values.
      bool cond = forwarded.front().i != 0;
      SmallVector<Scalar> afterArgs(forwarded.begin() + 1, forwarded.end());
      if (!cond) {
        for (auto [result, value] : llvm::zip(whileOp.getResults(), afterArgs))
          scalars[result] = value;
        return success();
      }
      if (failed(execYielding(whileOp.getAfter(), afterArgs, values)))
        return failure();
    }
  }
  handled = false;
  return success();
}

LogicalResult Interpreter::execTile(Operation *op, bool &handled) {
  handled = true;
  if (auto launch = dyn_cast<tile::LaunchOp>(op)) {
    SmallVector<int64_t, 3> grid{1, 1, 1};
    for (auto [i, v] : llvm::enumerate(launch.getGrid())) {
      grid[i] = getI(v);
      if (grid[i] <= 0)
        return grid[i] == 0 ? success()
                            : failWith(op, "grid dimension " + Twine(i) +
                                               " is negative: " + Twine(grid[i]));
    }
    Block &body = launch.getBody().front();
    if (options.report)
      options.report->launches.push_back({grid, static_cast<int64_t>(launch.getThreads())});
    globalWriters.clear();
    launchGrid.assign(grid.begin(), grid.end());
    llvm::scope_exit endLaunch([&] {
      launchBlock = -1;
      globalWriters.clear();
    });
    // A per-thread launch runs each block thread by thread; with barriers
    // the threads take turns.
    bool perThread = launch.isPerThread();
    bool barriers = perThread && launch.getBody()
                                     .walk([](Operation *op) {
                                       return isa<tile::BarrierOp, tile::ShuffleOp>(op)
                                                  ? WalkResult::interrupt()
                                                  : WalkResult::advance();
                                     })
                                     .wasInterrupted();
    for (int64_t z = 0; z < grid[2]; ++z)
      for (int64_t y = 0; y < grid[1]; ++y)
        for (int64_t x = 0; x < grid[0]; ++x) {
          blockIndex = {x, y, z};
          launchBlock = x + grid[0] * (y + grid[1] * z);
          scalars[body.getArgument(0)].i = x;
          scalars[body.getArgument(1)].i = y;
          scalars[body.getArgument(2)].i = z;
          LogicalResult result =
              perThread ? runThreads(launch, body, barriers) : execBlock(body);
          blockStorage.clear();
          if (failed(result))
            return failure();
        }
    return success();
  }
  if (auto parallel = dyn_cast<tile::ParallelOp>(op)) {
    Block &body = parallel.getBody().front();
    parallelIndices.emplace_back();
    // The outermost T.Parallel's iterations are the threads that race.
    bool outermost = parallelRun == 0;
    if (outermost)
      parallelRun = ++parallelRuns;
    int64_t iteration = 0;
    llvm::scope_exit endRun([&] {
      if (outermost) {
        parallelRun = 0;
        parallelIteration = -1;
      }
    });
    bool ok = forEachIndex(parallel.getExtents(), [&](ArrayRef<int64_t> index) {
      if (outermost)
        parallelIteration = iteration++;
      parallelIndices.back().assign(index.begin(), index.end());
      for (auto [arg, i] : llvm::zip(body.getArguments(), index))
        scalars[arg].i = i;
      return succeeded(execBlock(body));
    });
    parallelIndices.pop_back();
    return success(ok);
  }
  if (auto pipelined = dyn_cast<tile::PipelinedOp>(op)) {
    int64_t lb = getI(pipelined.getLowerBound()), ub = getI(pipelined.getUpperBound()),
            step = getI(pipelined.getStep());
    if (step <= 0)
      return failWith(op, "loop step must be positive, got " + Twine(step));
    Block &body = pipelined.getBody().front();
    for (int64_t iv = lb; iv < ub; iv += step) {
      scalars[body.getArgument(0)].i = iv;
      if (failed(execBlock(body)))
        return failure();
    }
    return success();
  }
  if (auto alloc = dyn_cast<tile::AllocOp>(op)) {
    bool perBlock = blockShared && alloc.getType().getScope() != tile::MemoryScope::Local;
    if (perBlock) {
      if (auto made = blockShared->find(op); made != blockShared->end()) {
        views[alloc.getResult()] = made->second;
        return success();
      }
    }
    llvm::scope_exit share([&] {
      if (perBlock && views.count(alloc.getResult()))
        (*blockShared)[op] = views[alloc.getResult()];
    });
    Storage *storage = allocate(alloc.getType(), alloc.getLoc());
    View v;
    v.storage = storage;
    v.offsets.assign(storage->shape.size(), 0);
    for (unsigned d = 0; d < storage->shape.size(); ++d)
      v.keptDims.push_back(d);
    v.shape = storage->shape;
    views[alloc.getResult()] = v;
    return success();
  }
  if (auto workspace = dyn_cast<tile::AllocGlobalOp>(op); workspace && blockShared) {
    if (auto made = blockShared->find(op); made != blockShared->end()) {
      views[workspace.getResult()] = made->second;
      return success();
    }
    DenseMap<Operation *, View> *shared = std::exchange(blockShared, nullptr);
    LogicalResult made = execTile(op, handled);
    blockShared = shared;
    if (succeeded(made))
      (*blockShared)[op] = views[workspace.getResult()];
    return made;
  }
  if (auto workspace = dyn_cast<tile::AllocGlobalOp>(op)) {
    // Zero-filled, as the GPU runtimes allocate it; an uninitialized one
    // all-ones bytes (NaN, -1), so that a read before the write shows.
    tile::BufferType type = workspace.getType();
    std::optional<DType> dtype = tile::getDType(type.getElementType());
    if (!dtype)
      return workspace.emitError("a workspace of ") << type.getElementType()
                                                    << " elements cannot be allocated";
    auto storage = std::make_unique<Storage>();
    storage->scope = tile::MemoryScope::Global;
    storage->elementType = type.getElementType();
    storage->isFloat = isa<FloatType>(storage->elementType);
    storage->dtype = *dtype;
    unsigned next = 0;
    uint64_t count = 1;
    for (int64_t extent : type.getShape()) {
      int64_t value =
          ShapedType::isDynamic(extent) ? getI(workspace.getDynamicSizes()[next++]) : extent;
      if (value < 0 || (value > 0 && count > (uint64_t(1) << 40) / uint64_t(value)))
        return workspace.emitError("a workspace of extent ")
               << value << " in a dimension cannot be allocated";
      count *= uint64_t(value);
      storage->shape.push_back(value);
    }
    storage->strides.assign(storage->shape.size(), 1);
    for (int d = static_cast<int>(storage->shape.size()) - 2; d >= 0; --d)
      storage->strides[d] = storage->strides[d + 1] * storage->shape[d + 1];
    workspaceBytes.emplace_back(count * dtypeSize(*dtype),
                                workspace.getUninitialized() ? char(0xff) : char(0));
    storage->raw = workspaceBytes.back().data();
    storage->what = "workspace '" + workspace.getName().str() + "'";
    views[workspace.getResult()] = wholeView(std::move(storage));
    return success();
  }
  if (auto tensorView = dyn_cast<tile::ViewOp>(op)) {
    // The tensor's elements in row-major order with the view's extents, the
    // first cut to what the tensor holds (as on the GPU).
    const View &source = view(tensorView.getSource());
    const Storage &from = *source.storage;
    int64_t elements = 1, expected = 1;
    for (int d = static_cast<int>(from.shape.size()) - 1; d >= 0; --d) {
      if (from.strides[d] != expected)
        return failWith(op, "T.Tensor(..., " + from.what +
                                ".data) views a tensor whose elements are not in row-major "
                                "order (pass a contiguous tensor)");
      expected *= from.shape[d];
      elements *= from.shape[d];
    }
    auto storage = std::make_unique<Storage>(from);
    storage->shape.clear();
    unsigned next = 0;
    for (int64_t extent : tensorView.getType().getShape())
      storage->shape.push_back(ShapedType::isDynamic(extent)
                                   ? getI(tensorView.getDynamicExtents()[next++])
                                   : extent);
    int64_t rest = 1;
    for (int64_t extent : ArrayRef<int64_t>(storage->shape).drop_front())
      rest *= std::max<int64_t>(extent, 1);
    storage->shape[0] = std::min(storage->shape[0], elements / rest);
    storage->strides.assign(storage->shape.size(), 1);
    for (int d = static_cast<int>(storage->shape.size()) - 2; d >= 0; --d)
      storage->strides[d] = storage->strides[d + 1] * storage->shape[d + 1];
    storage->what = "a view of " + from.what;
    views[tensorView.getResult()] = wholeView(std::move(storage));
    return success();
  }
  if (auto dim = dyn_cast<tile::DimOp>(op)) {
    setI(dim.getResult(), view(dim.getSource()).shape[dim.getIndex()]);
    return success();
  }
  if (auto region = dyn_cast<tile::RegionOp>(op)) {
    const View &source = view(region.getSource());
    // The types say where the view lies in the storage (its window).
    View v;
    v.storage = source.storage;
    v.offsets = source.offsets;
    ArrayRef<int64_t> sizes = region.getSizes();
    v.keptDims = region.getType().getStorageDims();
    v.shape.assign(region.getType().getShape().begin(), region.getType().getShape().end());
    SmallVector<unsigned> sourceDims = region.getSource().getType().getStorageDims();
    for (auto [d, offsetValue] : llvm::enumerate(region.getOffsets())) {
      int64_t offset = getI(offsetValue);
      v.offsets[sourceDims[d]] += offset;
      // Windows of on-chip buffers must stay inside them (global ones are
      // clipped by the ops that use them).
      if (options.checked && source.storage->scope != tile::MemoryScope::Global &&
          (offset < 0 || offset + sizes[d] > source.shape[d]))
        return failWith(op, "region [" + Twine(offset) + ", " + Twine(offset + sizes[d]) +
                                ") of dimension " + Twine(d) + " is outside " +
                                source.storage->what + "; its shape is " +
                                formatShape(source.shape));
    }
    views[region.getResult()] = v;
    return success();
  }
  if (auto load = dyn_cast<tile::LoadOp>(op)) {
    SmallVector<int64_t> index, storageIndex;
    for (Value v : load.getIndices())
      index.push_back(getI(v));
    const View &v = view(load.getBuffer());
    if (v.storage->scope == tile::MemoryScope::Global &&
        !locate(nullptr, v, index, storageIndex, false, "read")) {
      // Outside the tensor reads zero, as on the GPU.
      if (failed(outsideTensor(op, v, index, "read", "reads 0")))
        return failure();
      if (v.storage->isFloat)
        setF(load.getResult(), 0.0);
      else
        setI(load.getResult(), 0);
      return success();
    }
    if (!locate(op, v, index, storageIndex, /*reportErrors=*/true, "read"))
      return failure();
    Scalar value;
    if (!read(op, *v.storage, storageIndex, value))
      return failure();
    if (v.storage->isFloat)
      setF(load.getResult(), value.f);
    else
      setI(load.getResult(), value.i);
    return success();
  }
  if (auto store = dyn_cast<tile::StoreOp>(op)) {
    SmallVector<int64_t> index, storageIndex;
    for (Value v : store.getIndices())
      index.push_back(getI(v));
    const View &v = view(store.getBuffer());
    if (v.storage->scope == tile::MemoryScope::Global &&
        !locate(nullptr, v, index, storageIndex, false, "write"))
      return outsideTensor(op, v, index, "write", "is dropped"); // as on the GPU
    if (!locate(op, v, index, storageIndex, /*reportErrors=*/true, "write"))
      return failure();
    write(*v.storage, storageIndex, get(store.getValue()));
    return success();
  }
  if (auto barrier = dyn_cast<tile::BarrierOp>(op); barrier && turns)
    return waitAtBarrier(barrier);
  if (auto shuffle = dyn_cast<tile::ShuffleOp>(op)) {
    // Every thread leaves its value in its slot; after a barrier each reads
    // its source's; after a second, the slots may be written again.
    if (!turns) { // one thread of control (the launch is not per-thread)
      scalars[shuffle.getResult()] = get(shuffle.getValue());
      return success();
    }
    std::vector<Scalar> &slots = (*shuffleSlots)[op];
    slots.resize(threadStates->size());
    slots[currentThread] = get(shuffle.getValue());
    if (failed(waitAtBarrier(op)))
      return failure();
    int64_t source = getI(shuffle.getSource());
    if (source < 0 || source >= static_cast<int64_t>(slots.size()) ||
        source / 32 != currentThread / 32)
      return failWith(op, "thread " + Twine(currentThread) + " reads the value of thread " +
                              Twine(source) + ", outside its group of 32 threads");
    scalars[shuffle.getResult()] = slots[source];
    return waitAtBarrier(op);
  }
  if (isa<tile::AsyncCommitOp, tile::AsyncWaitOp, tile::BarrierOp>(op))
    return success(); // one thread of control: copies complete at once here
  if (auto thread = dyn_cast<tile::ThreadIdOp>(op)) {
    scalars[thread.getResult()].i = currentThread;
    return success();
  }
  if (isa<tile::CopyOp, tile::ConvertLayoutOp, tile::CopyAsyncOp>(op)) {
    const View &src = view(op->getOperand(0));
    const View &dst = view(op->getOperand(1));
    bool srcGlobal = src.storage->scope == tile::MemoryScope::Global;
    bool dstGlobal = dst.storage->scope == tile::MemoryScope::Global;
    SmallVector<int64_t> srcIndex, dstIndex, srcStorage, dstStorage;
    return success(forEachIndex(tile::withoutUnitDims(src.shape), [&](ArrayRef<int64_t> n) {
      squeezedToView(src, n, srcIndex);
      squeezedToView(dst, n, dstIndex);
      // Global sides are clipped: outside the tensor reads give zero and
      // writes are dropped.
      if (!locate(op, dst, dstIndex, dstStorage, !dstGlobal && options.checked, "write"))
        return dstGlobal;
      Scalar value;
      if (locate(op, src, srcIndex, srcStorage, !srcGlobal && options.checked, "read")) {
        if (!read(op, *src.storage, srcStorage, value))
          return false;
      } else if (!srcGlobal) {
        return false;
      }
      write(*dst.storage, dstStorage, convert(*src.storage, *dst.storage, value));
      return true;
    }));
  }
  if (auto fill = dyn_cast<tile::FillOp>(op)) {
    const View &dst = view(fill.getBuffer());
    bool global = dst.storage->scope == tile::MemoryScope::Global;
    Scalar value = get(fill.getValue());
    SmallVector<int64_t> storageIndex;
    return success(forEachIndex(dst.shape, [&](ArrayRef<int64_t> index) {
      if (!locate(op, dst, index, storageIndex, !global && options.checked, "write"))
        return global;
      write(*dst.storage, storageIndex, value);
      return true;
    }));
  }
  if (auto gemm = dyn_cast<tile::GemmOp>(op)) {
    const View &a = view(gemm.getA()), &b = view(gemm.getB()), &c = view(gemm.getC());
    bool ta = gemm.getTransposeA(), tb = gemm.getTransposeB();
    int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
    int64_t n = tb ? b.shape[0] : b.shape[1];
    auto readAll = [&](const View &v, std::vector<double> &out) {
      out.resize(v.shape[0] * v.shape[1]);
      SmallVector<int64_t> storageIndex;
      int64_t at = 0;
      return forEachIndex(v.shape, [&](ArrayRef<int64_t> index) {
        Scalar s;
        if (!locate(op, v, index, storageIndex, options.checked, "read") ||
            !read(op, *v.storage, storageIndex, s))
          return false;
        out[at++] = v.storage->isFloat ? s.f : double(s.i);
        return true;
      });
    };
    std::vector<double> av, bv, cv(m * n, 0.0);
    if (!readAll(a, av) || !readAll(b, bv))
      return failure();
    if (!gemm.getClearAccum() && !readAll(c, cv))
      return failure();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = cv[i * n + j];
        for (int64_t p = 0; p < k; ++p) {
          double x = ta ? av[p * m + i] : av[i * k + p];
          double y = tb ? bv[j * k + p] : bv[p * n + j];
          sum += x * y;
        }
        cv[i * n + j] = sum;
      }
    SmallVector<int64_t> storageIndex;
    int64_t at = 0;
    return success(forEachIndex(c.shape, [&](ArrayRef<int64_t> index) {
      if (!locate(op, c, index, storageIndex, options.checked, "write"))
        return false;
      Scalar s;
      s.f = cv[at];
      s.i = static_cast<int64_t>(cv[at]);
      ++at;
      write(*c.storage, storageIndex, s);
      return true;
    }));
  }
  if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
    const View &src = view(reduce.getSource()), &dst = view(reduce.getTarget());
    int64_t dim = reduce.getDim();
    tile::ReduceKind kind = reduce.getKind();
    SmallVector<int64_t> outShape(src.shape);
    outShape.erase(outShape.begin() + dim);
    int64_t outCount = 1;
    for (int64_t d : outShape)
      outCount *= d;
    double identity = kind == tile::ReduceKind::Max ? -INFINITY
                      : kind == tile::ReduceKind::Min ? INFINITY
                                                      : 0.0;
    std::vector<double> acc(outCount, identity);
    // Integers fold in integer arithmetic (wrapping, as the GPU's adds do
    // at the element's width, which the store into the target applies).
    bool integer = !src.storage->isFloat && !dst.storage->isFloat;
    std::vector<int64_t> integerAcc(
        integer ? outCount : 0, kind == tile::ReduceKind::Max   ? std::numeric_limits<int64_t>::min()
                  : kind == tile::ReduceKind::Min ? std::numeric_limits<int64_t>::max()
                                                  : 0); // sums; maxima of |x|
    auto wrappingAdd = [](int64_t p, int64_t q) {
      return static_cast<int64_t>(static_cast<uint64_t>(p) + static_cast<uint64_t>(q));
    };
    // Partials (and what the target holds) join plainly; elements join as
    // their magnitude for the |.| kinds.
    auto joinIntegers = [&](int64_t a, int64_t x) -> int64_t {
      switch (kind) {
      case tile::ReduceKind::Sum: case tile::ReduceKind::AbsSum: return wrappingAdd(a, x);
      case tile::ReduceKind::Max: case tile::ReduceKind::AbsMax: return std::max(a, x);
      case tile::ReduceKind::Min: return std::min(a, x);
      }
      return a;
    };
    auto combineIntegers = [&](int64_t a, int64_t x) -> int64_t {
      bool magnitude = kind == tile::ReduceKind::AbsSum || kind == tile::ReduceKind::AbsMax;
      if (magnitude && x < 0)
        x = static_cast<int64_t>(0 - static_cast<uint64_t>(x));
      return joinIntegers(a, x);
    };
    // NaN propagates through max and min, as on the GPU and in T.max.
    auto maximum = [](double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); };
    auto minimum = [](double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b); };
    auto combine = [&](double a, double x) {
      switch (kind) {
      case tile::ReduceKind::Sum: return a + x;
      case tile::ReduceKind::Max: return maximum(a, x);
      case tile::ReduceKind::Min: return minimum(a, x);
      case tile::ReduceKind::AbsSum: return a + std::fabs(x);
      case tile::ReduceKind::AbsMax: return maximum(a, std::fabs(x));
      }
      return a;
    };
    SmallVector<int64_t> storageIndex;
    bool ok = forEachIndex(src.shape, [&](ArrayRef<int64_t> index) {
      Scalar s;
      if (!locate(op, src, index, storageIndex, options.checked, "read") ||
          !read(op, *src.storage, storageIndex, s))
        return false;
      int64_t at = 0;
      for (auto [d, i] : llvm::enumerate(index))
        if (static_cast<int64_t>(d) != dim)
          at = at * src.shape[d] + i;
      if (integer)
        integerAcc[at] = combineIntegers(integerAcc[at], s.i);
      else
        acc[at] = combine(acc[at], src.storage->isFloat ? s.f : double(s.i));
      return true;
    });
    if (!ok)
      return failure();
    SmallVector<int64_t> dstIndex;
    return success(forEachIndex(tile::withoutUnitDims(outShape), [&](ArrayRef<int64_t> n) {
      int64_t at = 0;
      SmallVector<int64_t> squeezedShape = tile::withoutUnitDims(outShape);
      for (auto [d, i] : llvm::enumerate(n))
        at = at * squeezedShape[d] + i;
      squeezedToView(dst, n, dstIndex);
      if (!locate(op, dst, dstIndex, storageIndex, options.checked, "write"))
        return false;
      if (integer) {
        int64_t value = integerAcc[at];
        if (!reduce.getClear()) {
          Scalar old;
          if (!read(op, *dst.storage, storageIndex, old))
            return false;
          // What the target holds joins as it is (not as an element).
          value = joinIntegers(value, old.i);
        }
        Scalar s;
        s.i = value;
        write(*dst.storage, storageIndex, s);
        return true;
      }
      double value = acc[at];
      if (!reduce.getClear()) {
        // Combine with what the target holds.
        Scalar old;
        if (!read(op, *dst.storage, storageIndex, old))
          return false;
        double previous = dst.storage->isFloat ? old.f : double(old.i);
        switch (kind) {
        case tile::ReduceKind::Sum: case tile::ReduceKind::AbsSum: value += previous; break;
        case tile::ReduceKind::Max: case tile::ReduceKind::AbsMax:
          value = maximum(value, previous); break;
        case tile::ReduceKind::Min: value = minimum(value, previous); break;
        }
      }
      Scalar s;
      s.f = value;
      s.i = static_cast<int64_t>(value);
      write(*dst.storage, storageIndex, s);
      return true;
    }));
  }
  if (auto cumsum = dyn_cast<tile::CumsumOp>(op)) {
    const View &src = view(cumsum.getSource()), &dst = view(cumsum.getTarget());
    int64_t dim = cumsum.getDim(), extent = src.shape[dim];
    SmallVector<int64_t> lines(src.shape);
    lines[dim] = 1;
    // Floats narrower than f64 are summed in f32, as the GPU code does.
    bool f64 = src.storage->isFloat && src.storage->elementType.isF64();
    SmallVector<int64_t> storageIndex;
    std::vector<Scalar> line(extent);
    return success(forEachIndex(lines, [&](ArrayRef<int64_t> first) {
      SmallVector<int64_t> index(first);
      // The whole line first: the target may be the source.
      for (int64_t i = 0; i < extent; ++i) {
        index[dim] = i;
        if (!locate(op, src, index, storageIndex, options.checked, "read") ||
            !read(op, *src.storage, storageIndex, line[i]))
          return false;
      }
      Scalar sum;
      sum.f = 0;
      sum.i = 0;
      for (int64_t step = 0; step < extent; ++step) {
        int64_t i = cumsum.getReverse() ? extent - 1 - step : step;
        if (src.storage->isFloat) {
          sum.f += line[i].f;
          if (!f64)
            sum.f = static_cast<double>(static_cast<float>(sum.f));
        } else {
          sum.i += line[i].i;
        }
        index[dim] = i;
        if (!locate(op, dst, index, storageIndex, options.checked, "write"))
          return false;
        write(*dst.storage, storageIndex, convert(*src.storage, *dst.storage, sum));
      }
      return true;
    }));
  }
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(op)) {
    const View &dst = view(atomic.getTarget());
    SmallVector<int64_t> storageIndex;
    auto addAt = [&](ArrayRef<int64_t> index, Scalar value, bool clip) {
      bool global = dst.storage->scope == tile::MemoryScope::Global;
      if (!locate(op, dst, index, storageIndex, !clip || !global, "atomic add"))
        return clip && global;
      Scalar old;
      if (!read(op, *dst.storage, storageIndex, old))
        return false;
      old.f += value.f;
      old.i += value.i;
      inAtomic = true;
      write(*dst.storage, storageIndex, old);
      inAtomic = false;
      return true;
    };
    if (atomic.getIndices().empty()) {
      const View &src = view(atomic.getValue());
      SmallVector<int64_t> srcIndex, dstIndex, srcStorage;
      return success(forEachIndex(tile::withoutUnitDims(src.shape), [&](ArrayRef<int64_t> n) {
        squeezedToView(src, n, srcIndex);
        squeezedToView(dst, n, dstIndex);
        Scalar value;
        if (!locate(op, src, srcIndex, srcStorage, options.checked, "read") ||
            !read(op, *src.storage, srcStorage, value))
          return false;
        return addAt(dstIndex, convert(*src.storage, *dst.storage, value), true);
      }));
    }
    SmallVector<int64_t> index;
    for (Value v : atomic.getIndices())
      index.push_back(getI(v));
    return success(addAt(index, get(atomic.getValue()), false));
  }
  if (auto print = dyn_cast<tile::PrintOp>(op)) {
    llvm::raw_ostream &os = *options.printStream;
    os << "[block " << formatShape(blockIndex);
    for (const auto &indices : parallelIndices)
      os << " " << formatShape(indices);
    os << "] " << print.getMessage() << (print.getMessage().empty() ? "" : ": ");
    Value value = print.getValue();
    if (auto buffer = dyn_cast<tile::BufferType>(value.getType())) {
      const View &v = view(value);
      os << formatShape(v.shape) << " [";
      SmallVector<int64_t> storageIndex;
      int64_t shown = 0;
      forEachIndex(v.shape, [&](ArrayRef<int64_t> index) {
        if (shown++ == 64) {
          os << " ...";
          return false;
        }
        Scalar s;
        if (locate(nullptr, v, index, storageIndex, false, "read") &&
            (v.storage->raw || v.storage->initialized[linear(*v.storage, storageIndex)])) {
          read(op, *v.storage, storageIndex, s);
          os << (shown > 1 ? " " : "");
          if (v.storage->isFloat)
            os << llvm::format("%g", s.f);
          else
            os << s.i;
        } else {
          os << (shown > 1 ? " " : "") << "?";
        }
        return true;
      });
      os << "]\n";
    } else if (isa<FloatType>(value.getType())) {
      os << llvm::format("%g", getF(value)) << "\n";
    } else {
      os << getI(value) << "\n";
    }
    return success();
  }
  if (auto assertOp = dyn_cast<tile::AssertOp>(op)) {
    if (getI(assertOp.getCondition()) != 0)
      return success();
    // Outside T.Kernel: a requirement on the arguments, which the GPU
    // runtimes check before launching (no block has started).
    if (!op->getParentOfType<tile::LaunchOp>()) {
      fail(op) << "assertion failed: " << assertOp.getMessage();
      return failure();
    }
    return failWith(op, "device assertion failed: " + assertOp.getMessage());
  }
  if (isa<tile::UseSwizzleOp, tile::AnnotateLayoutOp>(op)) {
    // Schedule-only: no effect on the result. Said once per kind of op.
    if (options.noteIgnored && notedIgnored.insert(op->getName().getStringRef()).second)
      op->emitRemark() << "the cpu target ignores '" << op->getName()
                       << "': it changes how the kernel runs on a GPU, not what it computes";
    return success();
  }
  handled = false;
  return success();
}

LogicalResult Interpreter::execArith(Operation *op, bool &handled) {
  handled = true;
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    Attribute value = constant.getValue();
    if (auto f = dyn_cast<FloatAttr>(value))
      setF(constant.getResult(), f.getValueAsDouble());
    else if (auto i = dyn_cast<IntegerAttr>(value))
      setI(constant.getResult(),
           i.getType().isInteger(1) ? int64_t(i.getValue().getZExtValue())
                                    : i.getValue().getSExtValue());
    else
      return op->emitError("unsupported constant");
    return success();
  }
  StringRef name = op->getName().getStringRef();
  if (!name.starts_with("arith.") && !name.starts_with("math.")) {
    handled = false;
    return success();
  }
  Value result = op->getNumResults() ? op->getResult(0) : Value();
  auto f = [&](unsigned i) { return getF(op->getOperand(i)); };
  auto in = [&](unsigned i) { return getI(op->getOperand(i)); };

  // Float binary and unary operations.
  using FloatBinary = double (*)(double, double);
  FloatBinary floatBinary =
      llvm::StringSwitch<FloatBinary>(name)
          .Case("arith.addf", [](double a, double b) { return a + b; })
          .Case("arith.subf", [](double a, double b) { return a - b; })
          .Case("arith.mulf", [](double a, double b) { return a * b; })
          .Case("arith.divf", [](double a, double b) { return a / b; })
          .Case("arith.remf", [](double a, double b) { return std::fmod(a, b); })
          .Case("arith.maximumf", [](double a, double b) {
            return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); })
          .Case("arith.minimumf", [](double a, double b) {
            return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b); })
          .Case("arith.maxnumf", [](double a, double b) { return std::fmax(a, b); })
          .Case("arith.minnumf", [](double a, double b) { return std::fmin(a, b); })
          .Case("math.powf", [](double a, double b) { return std::pow(a, b); })
          .Case("math.copysign", [](double a, double b) { return std::copysign(a, b); })
          .Default(nullptr);
  if (floatBinary) {
    setF(result, floatBinary(f(0), f(1)));
    return success();
  }
  using FloatUnary = double (*)(double);
  FloatUnary floatUnary =
      llvm::StringSwitch<FloatUnary>(name)
          .Case("arith.negf", [](double a) { return -a; })
          .Case("math.exp", [](double a) { return std::exp(a); })
          .Case("math.exp2", [](double a) { return std::exp2(a); })
          .Case("math.log", [](double a) { return std::log(a); })
          .Case("math.log2", [](double a) { return std::log2(a); })
          .Case("math.log10", [](double a) { return std::log10(a); })
          .Case("math.sqrt", [](double a) { return std::sqrt(a); })
          .Case("math.rsqrt", [](double a) { return 1.0 / std::sqrt(a); })
          .Case("math.floor", [](double a) { return std::floor(a); })
          .Case("math.ceil", [](double a) { return std::ceil(a); })
          .Case("math.tanh", [](double a) { return std::tanh(a); })
          .Case("math.sin", [](double a) { return std::sin(a); })
          .Case("math.cos", [](double a) { return std::cos(a); })
          .Case("math.erf", [](double a) { return std::erf(a); })
          .Case("math.absf", [](double a) { return std::fabs(a); })
          .Case("math.roundeven", [](double a) { return std::nearbyint(a); })
          .Case("math.trunc", [](double a) { return std::trunc(a); })
          .Default(nullptr);
  if (floatUnary) {
    setF(result, floatUnary(f(0)));
    return success();
  }

  // Integer operations.
  // Integers wrap at their width (setI rounds to it): compute in uint64,
  // where overflow is defined.
  auto wrapping = [](uint64_t v) { return static_cast<int64_t>(v); };
  if (name == "arith.addi") { setI(result, wrapping(uint64_t(in(0)) + uint64_t(in(1)))); return success(); }
  if (name == "arith.subi") { setI(result, wrapping(uint64_t(in(0)) - uint64_t(in(1)))); return success(); }
  if (name == "arith.muli") { setI(result, wrapping(uint64_t(in(0)) * uint64_t(in(1)))); return success(); }
  if (name == "arith.andi") { setI(result, in(0) & in(1)); return success(); }
  if (name == "arith.ori") { setI(result, in(0) | in(1)); return success(); }
  if (name == "arith.xori") { setI(result, in(0) ^ in(1)); return success(); }
  if (name == "arith.maxsi") { setI(result, std::max(in(0), in(1))); return success(); }
  if (name == "arith.minsi") { setI(result, std::min(in(0), in(1))); return success(); }
  if (name == "arith.shli") { setI(result, in(1) >= 64 ? 0 : in(0) << in(1)); return success(); }
  if (name == "arith.shrsi") { setI(result, in(0) >> std::min<int64_t>(in(1), 63)); return success(); }
  if (name == "arith.shrui") {
    // The operand's bits at its width, shifted in zeros.
    Type type = op->getOperand(0).getType();
    unsigned width = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
    uint64_t bits = uint64_t(in(0)) & (width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1);
    uint64_t shift = uint64_t(in(1));
    setI(result, shift >= width ? 0 : wrapping(bits >> shift));
    return success();
  }
  if (name == "math.absi") { setI(result, std::llabs(in(0))); return success(); }
  if (name == "arith.divsi" || name == "arith.floordivsi" || name == "arith.ceildivsi" ||
      name == "arith.remsi" || name == "arith.divui" || name == "arith.remui") {
    int64_t a = in(0), b = in(1);
    if (b == 0)
      return failWith(op, "integer division by zero");
    if (name == "arith.divui" || name == "arith.remui") {
      // Unsigned: the operands' bits at their width.
      unsigned width = op->getOperand(0).getType().isIndex()
                           ? 64
                           : op->getOperand(0).getType().getIntOrFloatBitWidth();
      uint64_t mask = width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1;
      uint64_t ua = uint64_t(a) & mask, ub = uint64_t(b) & mask;
      setI(result, wrapping(name == "arith.divui" ? ua / ub : ua % ub));
      return success();
    }
    // The most negative value divided by -1 wraps to itself (as the GPU's
    // division does), remainder 0; C++ would trap.
    int64_t q = b == -1 ? wrapping(0 - uint64_t(a)) : a / b, r = b == -1 ? 0 : a % b;
    if (name == "arith.floordivsi" && r != 0 && ((r < 0) != (b < 0)))
      --q;
    if (name == "arith.ceildivsi" && r != 0 && ((r < 0) == (b < 0)))
      ++q;
    setI(result, name.contains("rem") ? r : q);
    return success();
  }
  if (name == "math.ipowi") {
    int64_t base = in(0), exponent = in(1), value = 1;
    for (int64_t e = 0; e < exponent && e < 64; ++e)
      value *= base;
    setI(result, exponent < 0 ? 0 : value);
    return success();
  }
  if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    int64_t a = in(0), b = in(1);
    bool r = false;
    switch (cmp.getPredicate()) {
    case arith::CmpIPredicate::eq: r = a == b; break;
    case arith::CmpIPredicate::ne: r = a != b; break;
    case arith::CmpIPredicate::slt: r = a < b; break;
    case arith::CmpIPredicate::sle: r = a <= b; break;
    case arith::CmpIPredicate::sgt: r = a > b; break;
    case arith::CmpIPredicate::sge: r = a >= b; break;
    case arith::CmpIPredicate::ult: r = uint64_t(a) < uint64_t(b); break;
    case arith::CmpIPredicate::ule: r = uint64_t(a) <= uint64_t(b); break;
    case arith::CmpIPredicate::ugt: r = uint64_t(a) > uint64_t(b); break;
    case arith::CmpIPredicate::uge: r = uint64_t(a) >= uint64_t(b); break;
    }
    setI(result, r);
    return success();
  }
  if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    double a = f(0), b = f(1);
    bool unordered = std::isnan(a) || std::isnan(b);
    bool r = false;
    switch (cmp.getPredicate()) {
    case arith::CmpFPredicate::OEQ: r = !unordered && a == b; break;
    case arith::CmpFPredicate::ONE: r = !unordered && a != b; break;
    case arith::CmpFPredicate::OLT: r = !unordered && a < b; break;
    case arith::CmpFPredicate::OLE: r = !unordered && a <= b; break;
    case arith::CmpFPredicate::OGT: r = !unordered && a > b; break;
    case arith::CmpFPredicate::OGE: r = !unordered && a >= b; break;
    case arith::CmpFPredicate::UEQ: r = unordered || a == b; break;
    case arith::CmpFPredicate::UNE: r = unordered || a != b; break;
    case arith::CmpFPredicate::ULT: r = unordered || a < b; break;
    case arith::CmpFPredicate::ULE: r = unordered || a <= b; break;
    case arith::CmpFPredicate::UGT: r = unordered || a > b; break;
    case arith::CmpFPredicate::UGE: r = unordered || a >= b; break;
    case arith::CmpFPredicate::ORD: r = !unordered; break;
    case arith::CmpFPredicate::UNO: r = unordered; break;
    case arith::CmpFPredicate::AlwaysTrue: r = true; break;
    case arith::CmpFPredicate::AlwaysFalse: r = false; break;
    }
    setI(result, r);
    return success();
  }
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    scalars[result] = get(in(0) ? op->getOperand(1) : op->getOperand(2));
    return success();
  }
  // Conversions.
  if (name == "arith.extf" || name == "arith.truncf") { setF(result, f(0)); return success(); }
  if (name == "arith.sitofp") { setF(result, double(in(0))); return success(); }
  if (name == "arith.uitofp") {
    unsigned width = op->getOperand(0).getType().getIntOrFloatBitWidth();
    uint64_t bits = width >= 64 ? uint64_t(in(0)) : uint64_t(in(0)) & ((uint64_t(1) << width) - 1);
    setF(result, double(bits));
    return success();
  }
  if (name == "arith.fptosi" || name == "arith.fptoui") {
    // Saturating, as the GPUs' conversions are: out-of-range values clamp
    // to the integer type's range, NaN becomes 0.
    double x = f(0);
    unsigned width = op->getResult(0).getType().isIndex()
                         ? 64
                         : op->getResult(0).getType().getIntOrFloatBitWidth();
    bool isUnsigned = name == "arith.fptoui" || width == 1;
    double low = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
    double high = isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
    int64_t value;
    if (std::isnan(x))
      value = 0;
    else if (x <= low)
      value = isUnsigned ? 0 : (width >= 64 ? INT64_MIN : -(int64_t(1) << (width - 1)));
    else if (x >= high)
      value = width >= 64 ? (isUnsigned ? -1 : INT64_MAX)
                          : static_cast<int64_t>((uint64_t(1) << (width - (isUnsigned ? 0 : 1))) - 1);
    else
      value = static_cast<int64_t>(std::trunc(x));
    setI(result, value);
    return success();
  }
  if (name == "arith.index_cast" || name == "arith.extsi" || name == "arith.trunci" ||
      name == "arith.index_castui") {
    setI(result, in(0));
    return success();
  }
  if (name == "arith.extui") {
    unsigned width = op->getOperand(0).getType().getIntOrFloatBitWidth();
    setI(result, width >= 64 ? in(0) : int64_t(uint64_t(in(0)) & ((uint64_t(1) << width) - 1)));
    return success();
  }
  if (name == "arith.bitcast") {
    // The same bits as the other type: through APFloat's encoding of the
    // float side (a float16's 16 bits, say).
    Type from = op->getOperand(0).getType(), to = result.getType();
    unsigned width = to.getIntOrFloatBitWidth();
    if (auto floatTo = dyn_cast<FloatType>(to)) {
      APInt bits(width, uint64_t(in(0)));
      if (auto floatFrom = dyn_cast<FloatType>(from))
        bits = toFloatBits(floatFrom, f(0));
      APFloat value(floatTo.getFloatSemantics(), bits);
      bool lost = false;
      value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      setF(result, value.convertToDouble());
      return success();
    }
    setI(result, isa<FloatType>(from) ? toFloatBits(cast<FloatType>(from), f(0)).getSExtValue()
                                      : in(0));
    return success();
  }
  return op->emitError() << "the cpu target cannot execute '" << name << "'";
}

LogicalResult tilec::cpu::runKernel(func::FuncOp kernel, ArrayRef<KernelArg> args,
                                    const RunOptions &options) {
  Interpreter interpreter(options);
  return interpreter.run(kernel, args);
}
