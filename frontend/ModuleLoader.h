//===- ModuleLoader.h - finding, parsing and binding .tl modules -*- C++ -*-===//
//
// The one way source enters the frontend: the main file and every module it
// imports are read, parsed and their module-level names (imports,
// constants, macros, kernels) bound here, each file once, before any IR is
// generated. Not a public header.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_MODULELOADER_H
#define TILEC_FRONTEND_MODULELOADER_H

#include "frontend/SourceContext.h"
#include "frontend/Values.h"

#include "llvm/Support/SMLoc.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tilec::frontend {

/// One parsed `.tl` file and its module-level names.
struct ModuleInfo {
  std::string path;
  std::unique_ptr<ModuleAST> ast;
  std::map<std::string, RValue> globals;
  bool resolving = false;
  bool resolved = false;
  /// A Python file's module-level statements that bind names but are more
  /// than constant expressions (`M, K = A.shape`, `if ...:` blocks, torch
  /// calls), in order: the kernel generator runs them before a kernel of
  /// this file (KernelGenerator::runModuleHostCode).
  std::vector<const Stmt *> hostStatements;
  bool hostStatementsRun = false;
};

/// Finds, reads, parses and resolves `.tl` modules, each once.
class ModuleLoader {
public:
  ModuleLoader(SourceContext &source, std::vector<std::string> includeDirs)
      : source(source), includeDirs(std::move(includeDirs)) {}

  /// Parses a file; null when unreadable (reported at `importLoc` if set).
  ModuleInfo *load(llvm::StringRef path, llvm::SMLoc importLoc);
  /// Parses a buffer already in the SourceMgr (the main file).
  ModuleInfo *loadBuffer(unsigned bufferId);
  /// Resolves `module` as written in an import of `importer`.
  ModuleInfo *loadImport(ModuleInfo &importer, llvm::StringRef module,
                         llvm::SMLoc loc);
  /// Binds the module's imports, constants, macros and kernels.
  void resolveGlobals(ModuleInfo &module);
  /// Binds the names an import statement of `module` brings into `names`
  /// (the module's globals, or a factory's scope for an import in its body).
  void bindImport(ModuleInfo &module, const ImportStmt &imp,
                  std::map<std::string, RValue> &names);
  /// A Python module of the program's own beside a Python importer (`from
  /// quantize import f` finds quantize.py or quantize/__init__.py), read as
  /// a library: its functions the tile language can read are helpers, the
  /// rest host code. Null when there is none (a package such as torch).
  ModuleInfo *loadPythonLibrary(ModuleInfo &importer, llvm::StringRef module);

  SourceContext &source;

  /// The canonical paths of the modules read so far, sorted.
  std::vector<std::string> loadedPaths() const {
    std::vector<std::string> paths;
    for (const auto &[path, info] : modules)
      paths.push_back(path);
    return paths;
  }

private:
  std::vector<std::string> includeDirs;
  std::map<std::string, std::unique_ptr<ModuleInfo>> modules;
  /// The canonical paths of the Python modules read as libraries.
  std::set<std::string> libraries;
};

/// The namespace a path into TileLang's package names: `tilelang.language`
/// is `T`, `tilelang.language.copy` and `tilelang.layout.make_swizzled_layout`
/// are `T.copy` and `T.make_swizzled_layout`; other paths stay as written.
std::string tileLangNamespace(llvm::StringRef path);

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_MODULELOADER_H
