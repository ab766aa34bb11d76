//===- OncePerDevice.h - a device's set-up run once -------------*- C++ -*-===//
//
// The CUDA and HIP runtimes set each device up once (its default memory
// pool's settings) when the first kernel is loaded on it, from whatever
// thread loads it.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_LAUNCH_ONCEPERDEVICE_H
#define TILEC_RUNTIME_LAUNCH_ONCEPERDEVICE_H

#include <functional>
#include <mutex>
#include <set>

namespace tilec::gpu {

class OncePerDevice {
public:
  /// Runs `setUp` unless it succeeded for `device` before; a set-up that
  /// fails runs again at the next call.
  bool run(int device, const std::function<bool()> &setUp) {
    std::lock_guard<std::mutex> lock(mutex);
    if (done.count(device))
      return true;
    if (!setUp())
      return false;
    done.insert(device);
    return true;
  }

private:
  std::mutex mutex;
  std::set<int> done;
};

} // namespace tilec::gpu

#endif // TILEC_RUNTIME_LAUNCH_ONCEPERDEVICE_H
