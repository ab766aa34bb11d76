//===- KernelCache.h - compiled kernels in memory and on disk ---*- C++ -*-===//
//
// A compiled kernel (binary + launch metadata) is stored under a key that
// hashes everything that decides its contents: the sources (imports
// included), the kernel, the -D overrides, the target and the compiler
// version. Entries live in memory for the process and on disk under
// $TILEC_CACHE_DIR (default ~/.cache/tilec). Disk writes go to a temporary
// file renamed into place, so a concurrent reader never sees a torn entry;
// an entry whose metadata hash does not match its binary is a miss and is
// rewritten.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_JIT_KERNELCACHE_H
#define TILEC_RUNTIME_JIT_KERNELCACHE_H

#include <optional>
#include <string>

namespace tilec::jit {

struct Artifact {
  std::string binary;   ///< PTX text
  std::string metadata; ///< JSON (compiler/Metadata.h)
};

class KernelCache {
public:
  /// `directory` empty: $TILEC_CACHE_DIR, else ~/.cache/tilec.
  explicit KernelCache(std::string directory = "");

  std::optional<Artifact> lookup(const std::string &key);
  /// Stores in memory and on disk; false if the disk write failed (the
  /// in-memory entry is kept).
  bool store(const std::string &key, const Artifact &artifact);

  const std::string &directory() const { return dir; }

  /// The hash tilec records in metadata for a binary.
  static std::string hashBinary(const std::string &binary);
  /// Whether an artifact is whole: its metadata names its binary's hash.
  static bool isValid(const Artifact &artifact);
  /// Drops the process's in-memory entries (the disk keeps its own).
  static void clearMemory();

private:
  std::string dir;
};

} // namespace tilec::jit

#endif // TILEC_RUNTIME_JIT_KERNELCACHE_H
