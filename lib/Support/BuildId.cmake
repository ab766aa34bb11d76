# Writes the header that names this build of the compiler: a hash of the
# compiler's sources (SOURCES_FILE lists them, one per line, relative to
# SOURCE_DIR) and of the MLIR/LLVM version it is built against. Kernel caches
# key on it, so that a compiler whose code changed without a new version
# number does not reuse kernels an older one compiled. The header is
# rewritten only when the hash changes (no rebuild otherwise).
#   cmake -DSOURCE_DIR=... -DSOURCES_FILE=... -DLLVM_VERSION=... -DOUTPUT=... -P BuildId.cmake
file(STRINGS "${SOURCES_FILE}" sources)
set(content "llvm ${LLVM_VERSION}\n")
foreach(source IN LISTS sources)
  file(SHA256 "${SOURCE_DIR}/${source}" hash)
  string(APPEND content "${source} ${hash}\n")
endforeach()
string(SHA256 id "${content}")
string(SUBSTRING "${id}" 0 16 id)
file(WRITE "${OUTPUT}.tmp" "#define TILEC_BUILD_ID \"${id}\"\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${OUTPUT}.tmp")
