//===- Launcher.cpp - tilec._launcher: kernel calls from Python in C -------===//
//
// The per-call path of a GPU kernel called from Python, written against
// CPython's C API so that a call costs little more than the driver's launch:
//
//   * `KernelLauncher` is what `tilec.compile(...)` returns a call to. It
//     normalises the call's arguments (by position or parameter name), reads
//     each tensor's address, shape, strides, dtype and device, and finds a
//     launch plan bound earlier for exactly those; only a call it has not
//     seen goes to Python (`bind`), which checks the arguments and binds a
//     plan that is kept (the oldest of `capacity` freed).
//   * `BoundLaunch` is what `kernel.bind(...)` returns: a plan and the
//     arguments it keeps alive; calling it launches.
//
// Nothing here knows a GPU vendor or PyTorch: the runtime library's launch
// and free functions come as addresses, the tensor type and the device and
// stream queries as Python objects (PyTorch's `torch.Tensor`,
// `torch._C._cuda_getDevice`, `torch._C._cuda_getCurrentRawStream`).
//
//===----------------------------------------------------------------------===//

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

/// The runtime library's C API (tilec_cuda_launch / tilec_cuda_free_plan).
using LaunchFunction = int (*)(void *kernel, void *plan, void *stream, char *error,
                               size_t errorSize);
using FreeFunction = void (*)(void *plan);

/// Interned attribute names, made once at module load.
PyObject *dataPtrName, *shapeName, *strideName, *dtypeName, *getDeviceName;

/// What every launch needs: the launch function and how to find the
/// current device and its current stream.
struct LaunchContext {
  LaunchFunction launch = nullptr;
  FreeFunction freePlan = nullptr;
  PyObject *currentDevice = nullptr; ///< () -> int
  PyObject *currentStream = nullptr; ///< (device) -> int (a raw stream)
  PyObject *launchOn = nullptr;      ///< (device, kernel, plan): launches with `device` current

  int traverse(visitproc visit, void *arg) {
    Py_VISIT(currentDevice);
    Py_VISIT(currentStream);
    Py_VISIT(launchOn);
    return 0;
  }
  void clear() {
    Py_CLEAR(currentDevice);
    Py_CLEAR(currentStream);
    Py_CLEAR(launchOn);
  }
};

PyObject *callNoArgs(PyObject *callable) { return PyObject_CallObject(callable, nullptr); }

PyObject *callMethodNoArgs(PyObject *object, PyObject *name) {
  return PyObject_CallMethodObjArgs(object, name, nullptr);
}

/// A Python int as a C integer; -1 with an exception set when it is none.
bool asInteger(PyObject *value, long long &out) {
  out = PyLong_AsLongLong(value);
  return !(out == -1 && PyErr_Occurred());
}

/// Launches `plan` of `kernel` on `device`'s current stream, that device
/// made current first when it is not. Returns false with an exception set.
bool launchPlan(const LaunchContext &context, uintptr_t kernel, uintptr_t plan, long long device) {
  PyObject *current = callNoArgs(context.currentDevice);
  long long currentDevice = -1;
  bool ok = current && asInteger(current, currentDevice);
  Py_XDECREF(current);
  if (!ok)
    return false;
  if (currentDevice != device) {
    // Rare (tensors of a device that is not the current one): Python makes
    // the device current for the launch.
    PyObject *result = PyObject_CallFunction(context.launchOn, "LKK", device,
                                             static_cast<unsigned long long>(kernel),
                                             static_cast<unsigned long long>(plan));
    Py_XDECREF(result);
    return result != nullptr;
  }
  PyObject *deviceObject = PyLong_FromLongLong(device);
  PyObject *stream =
      deviceObject ? PyObject_CallFunctionObjArgs(context.currentStream, deviceObject, nullptr)
                   : nullptr;
  Py_XDECREF(deviceObject);
  if (!stream)
    return false;
  void *streamHandle = PyLong_AsVoidPtr(stream);
  Py_DECREF(stream);
  if (PyErr_Occurred())
    return false;
  char message[2048];
  message[0] = '\0';
  int failed;
  // Other Python threads run while the driver enqueues (it may wait for
  // room in the launch queue).
  Py_BEGIN_ALLOW_THREADS
  failed = context.launch(reinterpret_cast<void *>(kernel), reinterpret_cast<void *>(plan),
                          streamHandle, message, sizeof(message));
  Py_END_ALLOW_THREADS
  if (failed != 0) {
    PyErr_SetString(PyExc_RuntimeError, message[0] ? message : "the kernel launch failed");
    return false;
  }
  return true;
}

/// Reads the launch context's fields from keyword-free constructor
/// arguments: (launch_address, free_address, current_device,
/// current_stream, launch_on).
bool readContext(LaunchContext &context, PyObject *launchAddress, PyObject *freeAddress,
                 PyObject *currentDevice, PyObject *currentStream, PyObject *launchOn) {
  context.launch = reinterpret_cast<LaunchFunction>(PyLong_AsVoidPtr(launchAddress));
  context.freePlan = reinterpret_cast<FreeFunction>(PyLong_AsVoidPtr(freeAddress));
  if (PyErr_Occurred())
    return false;
  if (!context.launch || !context.freePlan) {
    PyErr_SetString(PyExc_ValueError, "the launch and free functions must not be null");
    return false;
  }
  if (!PyCallable_Check(currentDevice) || !PyCallable_Check(currentStream) ||
      !PyCallable_Check(launchOn)) {
    PyErr_SetString(PyExc_TypeError, "the device and stream queries must be callable");
    return false;
  }
  Py_INCREF(currentDevice);
  Py_INCREF(currentStream);
  Py_INCREF(launchOn);
  context.clear();
  context.currentDevice = currentDevice;
  context.currentStream = currentStream;
  context.launchOn = launchOn;
  return true;
}

//===----------------------------------------------------------------------===//
// BoundLaunch
//===----------------------------------------------------------------------===//

struct BoundLaunch {
  PyObject_HEAD
  LaunchContext context;
  uintptr_t kernel;
  uintptr_t plan;
  long long device;
  PyObject *arguments; ///< kept alive as long as the launch can run
};

int boundInit(BoundLaunch *self, PyObject *args, PyObject *kwargs) {
  PyObject *launchAddress, *freeAddress, *currentDevice, *currentStream, *launchOn, *arguments;
  unsigned long long kernel, plan;
  long long device;
  if (kwargs && PyDict_GET_SIZE(kwargs)) {
    PyErr_SetString(PyExc_TypeError, "BoundLaunch takes no keyword arguments");
    return -1;
  }
  if (!PyArg_ParseTuple(args, "KKLOOOOOO", &kernel, &plan, &device, &arguments, &launchAddress,
                        &freeAddress, &currentDevice, &currentStream, &launchOn))
    return -1;
  if (!readContext(self->context, launchAddress, freeAddress, currentDevice, currentStream,
                   launchOn))
    return -1;
  self->kernel = kernel;
  self->plan = plan;
  self->device = device;
  Py_INCREF(arguments);
  Py_XSETREF(self->arguments, arguments);
  return 0;
}

PyObject *boundCall(BoundLaunch *self, PyObject *args, PyObject *kwargs) {
  if (PyTuple_GET_SIZE(args) || (kwargs && PyDict_GET_SIZE(kwargs))) {
    PyErr_SetString(PyExc_TypeError, "a bound launch takes no arguments: they were bound");
    return nullptr;
  }
  if (!self->plan) {
    PyErr_SetString(PyExc_RuntimeError, "this bound launch was freed");
    return nullptr;
  }
  if (!launchPlan(self->context, self->kernel, self->plan, self->device))
    return nullptr;
  Py_RETURN_NONE;
}

/// Frees the plan now (launches already enqueued have copied it).
PyObject *boundFree(BoundLaunch *self, PyObject *) {
  if (self->plan && self->context.freePlan)
    self->context.freePlan(reinterpret_cast<void *>(self->plan));
  self->plan = 0;
  Py_CLEAR(self->arguments);
  Py_RETURN_NONE;
}

int boundTraverse(BoundLaunch *self, visitproc visit, void *arg) {
  Py_VISIT(self->arguments);
  return self->context.traverse(visit, arg);
}

int boundClear(BoundLaunch *self) {
  Py_CLEAR(self->arguments);
  self->context.clear();
  return 0;
}

void boundDealloc(BoundLaunch *self) {
  PyObject_GC_UnTrack(self);
  if (self->plan && self->context.freePlan)
    self->context.freePlan(reinterpret_cast<void *>(self->plan));
  boundClear(self);
  Py_TYPE(self)->tp_free(reinterpret_cast<PyObject *>(self));
}

PyObject *boundArguments(BoundLaunch *self, void *) {
  PyObject *arguments = self->arguments ? self->arguments : Py_None;
  Py_INCREF(arguments);
  return arguments;
}

PyMethodDef boundMethods[] = {
    {"free", reinterpret_cast<PyCFunction>(boundFree), METH_NOARGS,
     "Frees the launch plan (launches already enqueued are unaffected)."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef boundGetSet[] = {
    {"arguments", reinterpret_cast<getter>(boundArguments), nullptr,
     "The bound arguments (None once freed).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject boundLaunchType = {PyVarObject_HEAD_INIT(nullptr, 0)};

//===----------------------------------------------------------------------===//
// KernelLauncher
//===----------------------------------------------------------------------===//

/// Key words of one argument: a tag, then what identifies its launch.
enum ArgumentTag : int64_t { TensorTag = 1, IntTag = 2, FloatTag = 3, BoolTag = 4 };

struct KeptPlan {
  std::vector<int64_t> key;
  uint64_t hash;
  uintptr_t kernel;
  uintptr_t plan;
  long long device;
  uint64_t age; ///< when it was kept: the oldest goes first
};

struct KernelLauncher {
  PyObject_HEAD
  LaunchContext context;
  PyObject *tensorType; ///< torch.Tensor (or what stands for it)
  PyObject *names;      ///< the parameter names, in order (a tuple of str)
  PyObject *bind;       ///< (*args) -> (kernel, plan, device); checks, raises
  PyObject *fallback;   ///< (*args, **kwargs) -> launches without keeping a plan
  std::vector<KeptPlan> *plans;
  size_t capacity;
  uint64_t clock;
  std::vector<int64_t> *scratch; ///< the current call's key
};

uint64_t hashKey(const std::vector<int64_t> &key) {
  uint64_t hash = 1469598103934665603ull;
  for (int64_t word : key) {
    hash ^= static_cast<uint64_t>(word);
    hash *= 1099511628211ull;
  }
  return hash;
}

/// Appends a tuple of ints (a shape or strides); false when it is none.
bool appendIntegers(PyObject *sequence, std::vector<int64_t> &key) {
  if (!PyTuple_Check(sequence))
    return false;
  Py_ssize_t size = PyTuple_GET_SIZE(sequence);
  key.push_back(size);
  for (Py_ssize_t i = 0; i < size; ++i) {
    long long value;
    if (!asInteger(PyTuple_GET_ITEM(sequence, i), value)) {
      PyErr_Clear();
      return false;
    }
    key.push_back(value);
  }
  return true;
}

/// Appends one tensor's words: address, dtype, device, shape, strides.
/// Returns 1 when done, 0 when the tensor does not take the fast path, -1
/// with an exception set.
int appendTensor(PyObject *tensor, std::vector<int64_t> &key) {
  key.push_back(TensorTag);
  PyObject *address = callMethodNoArgs(tensor, dataPtrName);
  if (!address)
    return -1;
  key.push_back(static_cast<int64_t>(PyLong_AsUnsignedLongLongMask(address)));
  Py_DECREF(address);
  PyObject *dtype = PyObject_GetAttr(tensor, dtypeName);
  if (!dtype)
    return -1;
  // dtypes are singletons that live as long as the interpreter.
  key.push_back(static_cast<int64_t>(reinterpret_cast<uintptr_t>(dtype)));
  Py_DECREF(dtype);
  PyObject *device = callMethodNoArgs(tensor, getDeviceName);
  if (!device)
    return -1;
  long long deviceIndex;
  bool ok = asInteger(device, deviceIndex);
  Py_DECREF(device);
  if (!ok)
    return -1;
  key.push_back(deviceIndex);
  PyObject *shape = PyObject_GetAttr(tensor, shapeName);
  if (!shape)
    return -1;
  ok = appendIntegers(shape, key);
  Py_DECREF(shape);
  if (!ok)
    return 0;
  PyObject *strides = callMethodNoArgs(tensor, strideName);
  if (!strides)
    return -1;
  ok = appendIntegers(strides, key);
  Py_DECREF(strides);
  return ok ? 1 : 0;
}

/// The call's arguments in parameter order (borrowed from `args` and
/// `kwargs`); false when they are not exactly one value per parameter
/// (Python then reports what is wrong).
bool orderArguments(KernelLauncher *self, PyObject *args, PyObject *kwargs,
                    std::vector<PyObject *> &ordered) {
  Py_ssize_t count = PyTuple_GET_SIZE(self->names);
  Py_ssize_t positional = PyTuple_GET_SIZE(args);
  Py_ssize_t named = kwargs ? PyDict_GET_SIZE(kwargs) : 0;
  if (positional + named != count)
    return false;
  ordered.assign(count, nullptr);
  for (Py_ssize_t i = 0; i < positional; ++i)
    ordered[i] = PyTuple_GET_ITEM(args, i);
  for (Py_ssize_t i = positional; i < count; ++i) {
    PyObject *value = PyDict_GetItem(kwargs, PyTuple_GET_ITEM(self->names, i));
    if (!value)
      return false;
    ordered[i] = value;
  }
  return true;
}

/// The key of the call's arguments: 1 when made, 0 when an argument does
/// not take the fast path, -1 with an exception set.
int makeKey(KernelLauncher *self, const std::vector<PyObject *> &ordered,
            std::vector<int64_t> &key) {
  key.clear();
  for (PyObject *value : ordered) {
    if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject *>(self->tensorType))) {
      int made = appendTensor(value, key);
      if (made != 1)
        return made;
    } else if (PyBool_Check(value)) {
      key.push_back(BoolTag);
      key.push_back(value == Py_True);
    } else if (PyLong_CheckExact(value)) {
      long long integer;
      if (!asInteger(value, integer)) {
        PyErr_Clear();
        return 0;
      }
      key.push_back(IntTag);
      key.push_back(integer);
    } else if (PyFloat_CheckExact(value)) {
      double real = PyFloat_AS_DOUBLE(value);
      int64_t bits;
      std::memcpy(&bits, &real, sizeof bits);
      key.push_back(FloatTag);
      key.push_back(bits);
    } else {
      return 0;
    }
  }
  return 1;
}

PyObject *launcherCall(KernelLauncher *self, PyObject *args, PyObject *kwargs) {
  std::vector<PyObject *> ordered;
  int made = 0;
  if (orderArguments(self, args, kwargs, ordered))
    made = makeKey(self, ordered, *self->scratch);
  if (made < 0)
    return nullptr;
  if (made == 0) // unusual arguments: Python checks, launches and frees
    return PyObject_Call(self->fallback, args, kwargs);

  const std::vector<int64_t> &key = *self->scratch;
  uint64_t hash = hashKey(key);
  for (KeptPlan &kept : *self->plans) {
    if (kept.hash == hash && kept.key == key) {
      if (!launchPlan(self->context, kept.kernel, kept.plan, kept.device))
        return nullptr;
      Py_RETURN_NONE;
    }
  }

  // First call with these arguments: Python checks them and binds a plan
  // (the key is copied first: Python code may call this launcher again).
  std::vector<int64_t> newKey = key;
  PyObject *orderedTuple = PyTuple_New(static_cast<Py_ssize_t>(ordered.size()));
  if (!orderedTuple)
    return nullptr;
  for (size_t i = 0; i < ordered.size(); ++i) {
    Py_INCREF(ordered[i]);
    PyTuple_SET_ITEM(orderedTuple, static_cast<Py_ssize_t>(i), ordered[i]);
  }
  PyObject *bound = PyObject_Call(self->bind, orderedTuple, nullptr);
  Py_DECREF(orderedTuple);
  if (!bound)
    return nullptr;
  unsigned long long kernel, plan;
  long long device;
  bool ok = PyArg_ParseTuple(bound, "KKL", &kernel, &plan, &device);
  Py_DECREF(bound);
  if (!ok)
    return nullptr;
  std::vector<KeptPlan> &plans = *self->plans;
  if (plans.size() >= self->capacity && !plans.empty()) {
    auto oldest = plans.begin();
    for (auto it = plans.begin(); it != plans.end(); ++it)
      if (it->age < oldest->age)
        oldest = it;
    self->context.freePlan(reinterpret_cast<void *>(oldest->plan));
    plans.erase(oldest);
  }
  plans.push_back(KeptPlan{std::move(newKey), hash, static_cast<uintptr_t>(kernel),
                           static_cast<uintptr_t>(plan), device, self->clock++});
  if (!launchPlan(self->context, kernel, plan, device))
    return nullptr;
  Py_RETURN_NONE;
}

int launcherInit(KernelLauncher *self, PyObject *args, PyObject *kwargs) {
  PyObject *tensorType, *names, *bind, *fallback, *launchAddress, *freeAddress, *currentDevice,
      *currentStream, *launchOn;
  Py_ssize_t capacity = 64;
  static const char *keywords[] = {"tensor_type",    "names",          "bind",
                                   "fallback",       "launch_address", "free_address",
                                   "current_device", "current_stream", "launch_on",
                                   "capacity",       nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!OOOOOOO|n", const_cast<char **>(keywords),
                                   &tensorType, &PyTuple_Type, &names, &bind, &fallback,
                                   &launchAddress, &freeAddress, &currentDevice, &currentStream,
                                   &launchOn, &capacity))
    return -1;
  if (!PyType_Check(tensorType)) {
    PyErr_SetString(PyExc_TypeError, "tensor_type must be a type");
    return -1;
  }
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); ++i)
    if (!PyUnicode_Check(PyTuple_GET_ITEM(names, i))) {
      PyErr_SetString(PyExc_TypeError, "names must be strings");
      return -1;
    }
  if (!PyCallable_Check(bind) || !PyCallable_Check(fallback)) {
    PyErr_SetString(PyExc_TypeError, "bind and fallback must be callable");
    return -1;
  }
  if (capacity < 1) {
    PyErr_SetString(PyExc_ValueError, "capacity must be at least 1");
    return -1;
  }
  if (!readContext(self->context, launchAddress, freeAddress, currentDevice, currentStream,
                   launchOn))
    return -1;
  Py_INCREF(tensorType);
  Py_XSETREF(self->tensorType, tensorType);
  Py_INCREF(names);
  Py_XSETREF(self->names, names);
  Py_INCREF(bind);
  Py_XSETREF(self->bind, bind);
  Py_INCREF(fallback);
  Py_XSETREF(self->fallback, fallback);
  self->capacity = static_cast<size_t>(capacity);
  return 0;
}

PyObject *launcherNew(PyTypeObject *type, PyObject *, PyObject *) {
  auto *self = reinterpret_cast<KernelLauncher *>(type->tp_alloc(type, 0));
  if (!self)
    return nullptr;
  new (&self->context) LaunchContext();
  self->plans = new std::vector<KeptPlan>();
  self->scratch = new std::vector<int64_t>();
  self->capacity = 64;
  self->clock = 0;
  return reinterpret_cast<PyObject *>(self);
}

void freeKeptPlans(KernelLauncher *self) {
  if (self->plans && self->context.freePlan)
    for (KeptPlan &kept : *self->plans)
      self->context.freePlan(reinterpret_cast<void *>(kept.plan));
  if (self->plans)
    self->plans->clear();
}

PyObject *launcherClear(KernelLauncher *self, PyObject *) {
  freeKeptPlans(self);
  Py_RETURN_NONE;
}

PyObject *launcherKept(KernelLauncher *self, void *) {
  return PyLong_FromSize_t(self->plans ? self->plans->size() : 0);
}

int launcherTraverse(KernelLauncher *self, visitproc visit, void *arg) {
  Py_VISIT(self->tensorType);
  Py_VISIT(self->names);
  Py_VISIT(self->bind);
  Py_VISIT(self->fallback);
  return self->context.traverse(visit, arg);
}

int launcherClearReferences(KernelLauncher *self) {
  Py_CLEAR(self->tensorType);
  Py_CLEAR(self->names);
  Py_CLEAR(self->bind);
  Py_CLEAR(self->fallback);
  self->context.clear();
  return 0;
}

void launcherDealloc(KernelLauncher *self) {
  PyObject_GC_UnTrack(self);
  freeKeptPlans(self);
  delete self->plans;
  delete self->scratch;
  launcherClearReferences(self);
  Py_TYPE(self)->tp_free(reinterpret_cast<PyObject *>(self));
}

PyMethodDef launcherMethods[] = {
    {"clear", reinterpret_cast<PyCFunction>(launcherClear), METH_NOARGS,
     "Frees every kept launch plan."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef launcherGetSet[] = {
    {"kept", reinterpret_cast<getter>(launcherKept), nullptr,
     "How many bound launch plans are kept.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject kernelLauncherType = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyModuleDef launcherModule = {PyModuleDef_HEAD_INIT};

} // namespace

PyMODINIT_FUNC PyInit__launcher() {
  dataPtrName = PyUnicode_InternFromString("data_ptr");
  shapeName = PyUnicode_InternFromString("shape");
  strideName = PyUnicode_InternFromString("stride");
  dtypeName = PyUnicode_InternFromString("dtype");
  getDeviceName = PyUnicode_InternFromString("get_device");
  if (!dataPtrName || !shapeName || !strideName || !dtypeName || !getDeviceName)
    return nullptr;

  boundLaunchType.tp_name = "tilec._launcher.BoundLaunch";
  boundLaunchType.tp_doc = "BoundLaunch(kernel, plan, device, arguments, launch_address, "
                           "free_address, current_device, current_stream, launch_on): "
                           "a launch plan bound to its arguments; calling it launches.";
  boundLaunchType.tp_basicsize = sizeof(BoundLaunch);
  boundLaunchType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
  boundLaunchType.tp_new = PyType_GenericNew;
  boundLaunchType.tp_init = reinterpret_cast<initproc>(boundInit);
  boundLaunchType.tp_call = reinterpret_cast<ternaryfunc>(boundCall);
  boundLaunchType.tp_dealloc = reinterpret_cast<destructor>(boundDealloc);
  boundLaunchType.tp_traverse = reinterpret_cast<traverseproc>(boundTraverse);
  boundLaunchType.tp_clear = reinterpret_cast<inquiry>(boundClear);
  boundLaunchType.tp_methods = boundMethods;
  boundLaunchType.tp_getset = boundGetSet;

  kernelLauncherType.tp_name = "tilec._launcher.KernelLauncher";
  kernelLauncherType.tp_doc =
      "KernelLauncher(tensor_type, names, bind, fallback, launch_address, free_address, "
      "current_device, current_stream, launch_on, capacity=64): calls of one kernel, each "
      "launching the plan bound for its arguments (bound through `bind` on first sight).";
  kernelLauncherType.tp_basicsize = sizeof(KernelLauncher);
  kernelLauncherType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
  kernelLauncherType.tp_new = launcherNew;
  kernelLauncherType.tp_init = reinterpret_cast<initproc>(launcherInit);
  kernelLauncherType.tp_call = reinterpret_cast<ternaryfunc>(launcherCall);
  kernelLauncherType.tp_dealloc = reinterpret_cast<destructor>(launcherDealloc);
  kernelLauncherType.tp_traverse = reinterpret_cast<traverseproc>(launcherTraverse);
  kernelLauncherType.tp_clear = reinterpret_cast<inquiry>(launcherClearReferences);
  kernelLauncherType.tp_methods = launcherMethods;
  kernelLauncherType.tp_getset = launcherGetSet;

  if (PyType_Ready(&boundLaunchType) < 0 || PyType_Ready(&kernelLauncherType) < 0)
    return nullptr;
  launcherModule.m_name = "tilec._launcher";
  launcherModule.m_doc = "Kernel calls from Python at the cost of the driver's launch.";
  launcherModule.m_size = -1;
  PyObject *module = PyModule_Create(&launcherModule);
  if (!module)
    return nullptr;
  Py_INCREF(&boundLaunchType);
  Py_INCREF(&kernelLauncherType);
  if (PyModule_AddObject(module, "BoundLaunch", reinterpret_cast<PyObject *>(&boundLaunchType)) <
          0 ||
      PyModule_AddObject(module, "KernelLauncher",
                         reinterpret_cast<PyObject *>(&kernelLauncherType)) < 0) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
