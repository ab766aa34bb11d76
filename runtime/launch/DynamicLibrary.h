//===- DynamicLibrary.h - a vendor library opened at run time ---*- C++ -*-===//
//
// The CUDA and HIP runtimes open the vendor's library (libcuda,
// libamdhip64) at first use instead of linking it, so that programs built
// with them start, and report a clear error, on machines without that
// GPU's driver. This opens the library and binds its entry points by name.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_LAUNCH_DYNAMICLIBRARY_H
#define TILEC_RUNTIME_LAUNCH_DYNAMICLIBRARY_H

#include <dlfcn.h>

#include <initializer_list>
#include <string>

namespace tilec::gpu {

class DynamicLibrary {
public:
  /// Opens the first of `files` that loads; false (with `error` naming
  /// `what`) when none does.
  bool open(std::initializer_list<const char *> files, const std::string &what) {
    for (const char *file : files)
      if ((handle = dlopen(file, RTLD_NOW | RTLD_LOCAL))) {
        name = file;
        return true;
      }
    error = what + " (" + *files.begin() + ") is not available on this machine";
    return false;
  }

  /// Binds the entry point `symbol` to `entry`; false (with `error`) when
  /// the library lacks it.
  template <typename Function>
  bool bind(Function &entry, const char *symbol) {
    entry = reinterpret_cast<Function>(dlsym(handle, symbol));
    if (!entry)
      error = name + " has no " + symbol;
    return entry != nullptr;
  }

  std::string error;

private:
  void *handle = nullptr;
  std::string name;
};

} // namespace tilec::gpu

#endif // TILEC_RUNTIME_LAUNCH_DYNAMICLIBRARY_H
