//===- FrontendFlags.h - the frontend's command-line flags ------*- C++ -*-===//
//
// The flags every tool that reads .tl files takes (tilec, tile-dump):
// --kernel, -D, -I, --fp-contract and --fast-math, declared once, with what
// they give the frontend.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_FRONTENDFLAGS_H
#define TILEC_FRONTEND_FRONTENDFLAGS_H

#include "frontend/Frontend.h"
#include "lib/Support/ToolSupport.h"

#include "llvm/Support/CommandLine.h"

namespace tilec::frontend {

struct FrontendFlags {
  explicit FrontendFlags(llvm::cl::OptionCategory &category);
  /// The frontend options the flags give; false (after an error message) on
  /// a malformed -D.
  bool fill(FrontendOptions &options);

  llvm::cl::opt<std::string> kernelName;
  llvm::cl::list<std::string> defines;
  llvm::cl::list<std::string> includeDirs;
  FloatingPointFlags floatingPoint;
};

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_FRONTENDFLAGS_H
