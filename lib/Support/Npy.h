//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes version 1.0 .npy files (little endian, C order), the
// format `tilec --run` takes inputs in and writes results to. float16 is
// `<f2`; bfloat16 is stored as its raw bits, `<u2`; float8 as `|u1`.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_SUPPORT_NPY_H
#define TILEC_LIB_SUPPORT_NPY_H

#include "lib/Support/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tilec {

/// The .npy type descriptor a dtype is written with.
const char *npyDescr(DType dtype);

struct NpyArray {
  std::string descr;          ///< e.g. "<f4"
  std::vector<int64_t> shape;
  std::vector<char> data;     ///< C-order element bytes
};

llvm::Expected<NpyArray> readNpy(llvm::StringRef path);
/// Writes atomically (a temporary file renamed into place).
llvm::Error writeNpy(llvm::StringRef path, DType dtype,
                     llvm::ArrayRef<int64_t> shape, const void *data);

} // namespace tilec

#endif // TILEC_LIB_SUPPORT_NPY_H
