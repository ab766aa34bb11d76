//===- KernelCache.cpp - compiled kernels in memory and on disk -----------===//

#include "runtime/jit/KernelCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

using namespace tilec::jit;

namespace {
/// The process-wide in-memory cache, shared by every KernelCache.
struct MemoryCache {
  std::mutex mutex;
  std::map<std::string, Artifact> entries;
};
MemoryCache &memory() {
  static MemoryCache cache;
  return cache;
}

/// Writes `contents` to `path` through a temporary file and a rename.
bool writeAtomically(const std::string &path, const std::string &contents) {
  llvm::SmallString<256> temp;
  int fd;
  if (llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%%%", fd, temp))
    return false;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << contents;
    os.flush();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(temp);
      return false;
    }
  }
  if (llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return false;
  }
  return true;
}
} // namespace

KernelCache::KernelCache(std::string directory) : dir(std::move(directory)) {
  if (!dir.empty())
    return;
  if (const char *env = std::getenv("TILEC_CACHE_DIR")) {
    dir = env;
    return;
  }
  llvm::SmallString<256> home;
  if (llvm::sys::path::home_directory(home)) {
    llvm::sys::path::append(home, ".cache", "tilec");
    dir = std::string(home);
  }
}

std::string KernelCache::hashBinary(const std::string &binary) {
  return llvm::utohexstr(llvm::xxh3_64bits(binary), /*LowerCase=*/true);
}

bool KernelCache::isValid(const Artifact &artifact) {
  try {
    nlohmann::json meta = nlohmann::json::parse(artifact.metadata);
    return meta.at("hash").get<std::string>() == hashBinary(artifact.binary);
  } catch (const std::exception &) {
    return false;
  }
}

void KernelCache::clearMemory() {
  std::lock_guard<std::mutex> lock(memory().mutex);
  memory().entries.clear();
}

std::optional<Artifact> KernelCache::lookup(const std::string &key) {
  {
    std::lock_guard<std::mutex> lock(memory().mutex);
    auto it = memory().entries.find(key);
    if (it != memory().entries.end())
      return it->second;
  }
  if (dir.empty())
    return std::nullopt;
  llvm::SmallString<256> base(dir);
  llvm::sys::path::append(base, key);
  auto binary = llvm::MemoryBuffer::getFile(base + ".ptx", /*IsText=*/false);
  auto metadata = llvm::MemoryBuffer::getFile(base + ".json", /*IsText=*/false);
  if (!binary || !metadata)
    return std::nullopt;
  Artifact artifact{(*binary)->getBuffer().str(), (*metadata)->getBuffer().str()};
  if (!isValid(artifact))
    return std::nullopt; // torn or corrupted: recompiled and rewritten
  std::lock_guard<std::mutex> lock(memory().mutex);
  memory().entries[key] = artifact;
  return artifact;
}

bool KernelCache::store(const std::string &key, const Artifact &artifact) {
  {
    std::lock_guard<std::mutex> lock(memory().mutex);
    memory().entries[key] = artifact;
  }
  if (dir.empty() || llvm::sys::fs::create_directories(dir))
    return false;
  llvm::SmallString<256> base(dir);
  llvm::sys::path::append(base, key);
  // The binary first: metadata that names it is what makes the entry valid.
  return writeAtomically((base + ".ptx").str(), artifact.binary) &&
         writeAtomically((base + ".json").str(), artifact.metadata);
}
