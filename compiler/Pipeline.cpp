//===- Pipeline.cpp - the compilation pipeline ----------------------------===//

#include "compiler/Pipeline.h"

#include "compiler/Targets/Targets.h"

using namespace mlir;

LogicalResult tilec::compiler::buildPipeline(OpPassManager &pm, StringRef target,
                                             StringRef featureChanges, std::string &error) {
  std::optional<targets::GPUTarget> amd = targets::parseAMDGPUTarget(target);
  if ((target == "tile" || amd) && !featureChanges.trim().empty()) {
    error = "--disable and --enable apply to NVIDIA targets only";
    return failure();
  }
  if (target == "tile") {
    buildTileCleanupPipeline(pm);
    return success();
  }
  if (amd) {
    targets::buildROCDLPipeline(pm, *amd);
    targets::buildAMDGPUBinaryPipeline(pm, /*assembly=*/true);
    return success();
  }
  std::optional<targets::GPUTarget> gpu = targets::parseNVPTXTarget(target);
  if (!gpu) {
    error = ("unknown target '" + target + "'; expected 'tile' or one of " +
             targets::supportedTargetNames())
                .str();
    return failure();
  }
  if (!targets::changeFeatures(*gpu, featureChanges, error))
    return failure();
  targets::buildNVVMPipeline(pm, *gpu);
  targets::buildPTXPipeline(pm);
  return success();
}

std::vector<std::string> tilec::compiler::listStages(OpPassManager &pm, StringRef target) {
  std::vector<std::string> stages = {kASTStage, kTileStage};
  // The textual pipeline names every pass, nested ones included:
  // "builtin.module(canonicalize{...},cse,gpu.module(convert-gpu-to-nvvm))".
  std::string text;
  llvm::raw_string_ostream os(text);
  pm.printAsTextualPipeline(os);
  std::string name;
  int braces = 0;
  auto flush = [&]() {
    if (!name.empty() && name.find('.') == std::string::npos)
      stages.push_back(name);
    name.clear();
  };
  for (char c : text) {
    if (c == '{') {
      ++braces;
      continue;
    }
    if (c == '}') {
      --braces;
      continue;
    }
    if (braces > 0)
      continue;
    if (c == '(' || c == ')' || c == ',') {
      if (c == '(')
        name.clear(); // an op anchor such as gpu.module
      else
        flush();
      continue;
    }
    if (!isspace(static_cast<unsigned char>(c)))
      name += c;
  }
  flush();
  if (target != "tile")
    stages.push_back(target.starts_with("gfx") ? "gcn" : kAssemblyStage);
  return stages;
}
