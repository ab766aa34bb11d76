//===- FrontendFlags.cpp - the frontend's command-line flags --------------===//

#include "frontend/FrontendFlags.h"

using namespace llvm;
using namespace tilec::frontend;

FrontendFlags::FrontendFlags(cl::OptionCategory &category)
    : kernelName("kernel", cl::desc("Compile only this kernel of the file"),
                 cl::value_desc("name"), cl::cat(category)),
      defines("D", cl::Prefix,
              cl::desc("Override a compile-time parameter (T.const), e.g. -D block_M=64"),
              cl::value_desc("name=value"), cl::cat(category)),
      includeDirs("I", cl::Prefix, cl::desc("Search this folder for imported .tl modules"),
                  cl::value_desc("dir"), cl::cat(category)),
      floatingPoint(category) {}

bool FrontendFlags::fill(FrontendOptions &options) {
  options.kernelName = kernelName;
  options.includeDirs = includeDirs;
  options.fpContract = floatingPoint.fpContract;
  options.fastMath = floatingPoint.fastMath;
  return tilec::parseAssignments(defines, "-D", options.defines);
}
