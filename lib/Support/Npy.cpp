//===- Npy.cpp - NumPy .npy files -----------------------------------------===//

#include "lib/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace tilec;

const char *tilec::npyDescr(DType dtype) {
  switch (dtype) {
  case DType::F16: return "<f2";
  case DType::BF16: return "<u2";
  case DType::F32: return "<f4";
  case DType::F64: return "<f8";
  case DType::F8E4M3: case DType::F8E5M2: case DType::U8: return "|u1";
  case DType::I8: return "|i1";
  case DType::I16: return "<i2";
  case DType::I32: return "<i4";
  case DType::I64: return "<i8";
  case DType::Bool: return "|b1";
  }
  return "|u1";
}

static llvm::Error npyError(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "%s: %s", path.str().c_str(), message.str().c_str());
}

/// The value of `'key': ` in the header dictionary, up to `end`.
static llvm::StringRef headerField(llvm::StringRef header, llvm::StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == llvm::StringRef::npos)
    return {};
  llvm::StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return {};
  return rest.ltrim();
}

llvm::Expected<NpyArray> tilec::readNpy(llvm::StringRef path) {
  // A device or pipe (/dev/zero) would be read without end.
  llvm::sys::fs::file_status status;
  if (std::error_code error = llvm::sys::fs::status(path, status))
    return npyError(path, error.message());
  if (!llvm::sys::fs::is_regular_file(status))
    return npyError(path, "not a regular file");
  auto fileOrErr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!fileOrErr)
    return npyError(path, fileOrErr.getError().message());
  llvm::StringRef bytes = (*fileOrErr)->getBuffer();
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return npyError(path, "not a .npy file");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) |
                   (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(path, "truncated header");
    headerLength = 0;
    for (int i = 0; i < 4; ++i)
      headerLength |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return npyError(path, "unsupported .npy version " + llvm::Twine(major));
  }
  if (headerStart + headerLength > bytes.size())
    return npyError(path, "truncated header");
  llvm::StringRef header = bytes.substr(headerStart, headerLength);
  NpyArray array;
  llvm::StringRef descr = headerField(header, "descr");
  if (!descr.consume_front("'"))
    return npyError(path, "header has no 'descr'");
  array.descr = descr.take_until([](char c) { return c == '\''; }).str();
  if (array.descr.size() == 3 && array.descr[0] == '=')
    array.descr[0] = '<';
  if (headerField(header, "fortran_order").starts_with("True"))
    return npyError(path, "Fortran-order arrays are not supported");
  llvm::StringRef shape = headerField(header, "shape");
  if (!shape.consume_front("("))
    return npyError(path, "header has no 'shape'");
  shape = shape.take_until([](char c) { return c == ')'; });
  for (llvm::StringRef part : llvm::split(shape, ',')) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return npyError(path, "bad shape entry '" + part + "'");
    array.shape.push_back(dim);
  }
  size_t elementSize = 0;
  if (array.descr.size() == 3)
    elementSize = array.descr[2] - '0';
  if (elementSize == 0 || elementSize > 8 || array.descr[0] == '>')
    return npyError(path, "unsupported dtype '" + array.descr + "'");
  size_t count = 1, payloadBytes = 0;
  for (int64_t dim : array.shape)
    if (__builtin_mul_overflow(count, static_cast<size_t>(dim), &count))
      return npyError(path, "its shape has more elements than memory holds");
  if (__builtin_mul_overflow(count, elementSize, &payloadBytes))
    return npyError(path, "its shape has more elements than memory holds");
  llvm::StringRef payload = bytes.drop_front(headerStart + headerLength);
  if (payload.size() < payloadBytes)
    return npyError(path, "holds fewer bytes than its shape needs");
  array.data.assign(payload.begin(), payload.begin() + payloadBytes);
  return array;
}

llvm::Error tilec::writeNpy(llvm::StringRef path, DType dtype,
                            llvm::ArrayRef<int64_t> shape, const void *data) {
  std::string header = "{'descr': '" + std::string(npyDescr(dtype)) +
                       "', 'fortran_order': False, 'shape': (";
  size_t count = 1;
  for (int64_t dim : shape) {
    header += std::to_string(dim) + ", ";
    count *= dim;
  }
  if (shape.size() > 1)
    header.resize(header.size() - 1); // "(2, 3)" rather than "(2, 3, )"
  if (shape.size() > 1)
    header.back() = ')';
  else
    header += ")";
  header += ", }";
  // Pad so that the data starts on a multiple of 64 bytes, ending in '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  llvm::SmallString<256> temp;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, temp))
    return npyError(path, ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << "\x93NUMPY" << '\x01' << '\x00';
    os << static_cast<char>(header.size() & 0xff) << static_cast<char>(header.size() >> 8);
    os << header;
    os.write(static_cast<const char *>(data), count * dtypeSize(dtype));
    if (os.has_error())
      return npyError(path, "write failed");
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path))
    return npyError(path, ec.message());
  return llvm::Error::success();
}
