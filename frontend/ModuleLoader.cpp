//===- ModuleLoader.cpp - finding, parsing and binding .tl modules --------===//

#include "frontend/ModuleLoader.h"

#include "frontend/ConstantArithmetic.h"
#include "frontend/EagerKernels.h"
#include "frontend/Parser.h"
#include "lib/ABI/DTypes.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <functional>

using namespace mlir;
using namespace tilec;
using namespace tilec::frontend;
using llvm::SMLoc;

//===----------------------------------------------------------------------===//
// ModuleLoader
//===----------------------------------------------------------------------===//

/// The key a module is cached under: its absolute, normalized path.
static std::string canonicalPath(StringRef path) {
  SmallString<256> canonical(path);
  llvm::sys::fs::make_absolute(canonical);
  llvm::sys::path::remove_dots(canonical, /*remove_dot_dot=*/true);
  return std::string(canonical);
}

/// The name a top-level `def` block defines ("" for other blocks).
static StringRef definedFunction(StringRef block) {
  for (StringRef line : llvm::split(block, '\n')) {
    line = line.ltrim();
    if (!line.consume_front("def "))
      continue;
    return line.take_while([](char c) { return llvm::isAlnum(c) || c == '_'; });
  }
  return "";
}

/// Whether a line binds names only: `x = ...`, `a, b = ...`, `(a,) = ...` or
/// an augmented assignment `x += ...` (-=, *=, //=).
static bool bindsNamesOnly(StringRef line) {
  line = line.trim();
  size_t equals = line.find('=');
  if (equals == StringRef::npos || equals == 0 || equals + 1 >= line.size() ||
      line[equals + 1] == '=')
    return false;
  StringRef target = line.take_front(equals).rtrim();
  if (target.consume_back("//") || target.consume_back("+") || target.consume_back("-") ||
      target.consume_back("*"))
    target = target.rtrim();
  if (target.size() > 2 && target.front() == '(' && target.back() == ')')
    target = target.drop_front().drop_back();
  target.consume_back(","); // a one-name tuple
  if (target.empty())
    return false;
  for (StringRef part : llvm::split(target, ',')) {
    part = part.trim();
    if (part.empty() || llvm::isDigit(part[0]) ||
        !llvm::all_of(part, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
      return false;
  }
  return true;
}

static std::string withoutComments(StringRef block);

/// Whether a top-level block of a Python file is host code: not an import,
/// not a function that is or holds a @T.prim_func or @T.macro (or that
/// kernel code calls: `helpers`), and not a plain constant.
static bool isHostBlock(StringRef block, const llvm::StringSet<> &helpers) {
  StringRef first = block.ltrim();
  if (first.starts_with("import ") || first.starts_with("from "))
    return false;
  bool function = first.starts_with("@") || first.starts_with("def ");
  // Kernel code: kernels, macros, factories (holding a prim_func), eager
  // kernels (a @jit function opening T.Kernel) and helpers kernel code calls.
  bool eager = first.starts_with("@") && block.contains("jit") && block.contains("Kernel(");
  if (function)
    return !(block.contains("prim_func") || block.contains("macro") || eager ||
             helpers.contains(definedFunction(block)));
  // Module-level values: kept when the tile language can read them —
  // assignments to names (`x = ...`, `a, b = ...`, `x += ...`) and `if`
  // blocks of those (not `if __name__ == "__main__":`).
  bool bindsNames = bindsNamesOnly(first.split('\n').first);
  if (first.starts_with("if ") && !first.contains("__name__")) {
    bindsNames = true;
    for (StringRef line : llvm::drop_begin(llvm::split(withoutComments(block), '\n'))) {
      StringRef body = line.trim();
      if (!body.empty() && !body.starts_with("else:") && !body.starts_with("elif ") &&
          !bindsNamesOnly(body))
        bindsNames = false;
    }
  }
  // (Python the tile language does not parse stays host code: f-strings,
  // comprehensions, lambdas, dicts and sets, matrix products.)
  return !bindsNames || block.contains("f\"") || block.contains("f'") ||
         block.contains(" for ") || block.contains("lambda") || block.contains("{") ||
         block.contains(" @ ");
}

/// `block` without its `#` comments (outside string literals on the line).
static std::string withoutComments(StringRef block) {
  std::string out;
  for (StringRef line : llvm::split(block, '\n')) {
    char quote = 0;
    size_t end = line.size();
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#') {
        end = i;
        break;
      }
    }
    out += line.take_front(end);
    out += '\n';
  }
  return out;
}

/// A Python file with its host code blanked (every character of those
/// top-level blocks but newlines): tilec reads the kernels, their macros,
/// imports and constants; the rest (torch code, benchmarks, `if __name__
/// == "__main__":`) may use Python that the tile language does not have.
/// Lines and columns stay where they were.
static std::string withoutHostCode(StringRef text, bool library) {
  std::string out(text);
  SmallVector<std::pair<size_t, size_t>> blocks; // [begin, end) of each top-level block
  size_t pos = 0, blockStart = StringRef::npos;
  bool decorated = false;
  StringRef openString; // the triple quote a multi-line string is open with
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == StringRef::npos)
      eol = text.size();
    StringRef line = text.slice(pos, eol);
    // Lines inside a triple-quoted string (a C source held in a Python
    // string, say) continue the block that opened it.
    bool inString = !openString.empty();
    for (size_t at = 0; at < line.size();) {
      if (openString.empty()) {
        size_t double3 = line.find("\"\"\"", at), single3 = line.find("'''", at);
        size_t first = std::min(double3, single3);
        if (first == StringRef::npos || line.find('#', at) < first)
          break;
        openString = first == double3 ? "\"\"\"" : "'''";
        at = first + 3;
      } else {
        size_t close = line.find(openString, at);
        if (close == StringRef::npos)
          break;
        openString = StringRef();
        at = close + 3;
      }
    }
    bool topLevel = !inString && !line.empty() && !llvm::isSpace(line[0]) && line[0] != '#' &&
                    line[0] != ')' && line[0] != ']' && line[0] != '}';
    if (topLevel && !decorated) {
      if (blockStart != StringRef::npos)
        blocks.push_back({blockStart, pos});
      blockStart = pos;
    }
    if (topLevel)
      decorated = line.starts_with("@");
    pos = eol + 1;
  }
  if (blockStart != StringRef::npos)
    blocks.push_back({blockStart, text.size()});
  // Plain functions that kernel code calls (a layout helper, say) are
  // kernel code too: the names kept blocks call, outside their decorators
  // and `def` lines, until no more are found.
  llvm::StringSet<> helpers;
  for (bool grew = true; grew;) {
    grew = false;
    llvm::StringSet<> used;
    for (auto [begin, end] : blocks) {
      StringRef block = text.slice(begin, end);
      if (isHostBlock(block, helpers))
        continue;
      for (StringRef line : llvm::split(block, '\n')) {
        if (line.ltrim().starts_with("@") || line.ltrim().starts_with("def "))
          continue;
        for (size_t i = 0; i < line.size();) {
          if (!(llvm::isAlpha(line[i]) || line[i] == '_')) {
            ++i;
            continue;
          }
          size_t j = i;
          while (j < line.size() && (llvm::isAlnum(line[j]) || line[j] == '_'))
            ++j;
          bool called = j < line.size() && line[j] == '(';
          bool attribute = i > 0 && line[i - 1] == '.';
          if (called && !attribute)
            used.insert(line.slice(i, j));
          i = j;
        }
      }
    }
    for (auto [begin, end] : blocks) {
      StringRef block = text.slice(begin, end);
      StringRef name = definedFunction(block);
      // (A library's functions are all offered to the modules importing it.)
      if (library && !name.empty())
        used.insert(name);
      // Only a helper the tile language can read: one that uses torch,
      // loops or catches exceptions (Python's own business) stays host
      // code; the device queries (torch.cuda.get_device_capability(),
      // is_available(), get_device_properties()) are answered for the
      // target.
      std::string code = withoutComments(block);
      for (StringRef query : {"torch.cuda.get_device_capability", "torch.cuda.is_available",
                              "torch.cuda.get_device_properties"})
        for (size_t at; (at = code.find(query.str())) != std::string::npos;)
          code.erase(at, 5); // no longer "torch."
      StringRef checked(code);
      bool hostOnly = checked.contains(" for ") || checked.contains("torch.") ||
                      checked.contains("try:");
      if (!name.empty() && !hostOnly && used.contains(name) && helpers.insert(name).second)
        grew = true;
    }
  }
  for (auto [begin, end] : blocks)
    if (isHostBlock(text.slice(begin, end), helpers))
      for (size_t i = begin; i < end; ++i)
        if (out[i] != '\n')
          out[i] = ' ';
  return out;
}

ModuleInfo *ModuleLoader::loadBuffer(unsigned bufferId) {
  StringRef path =
      source.getSourceMgr().getMemoryBuffer(bufferId)->getBufferIdentifier();
  std::string key = canonicalPath(path);
  auto it = modules.find(key);
  if (it != modules.end())
    return it->second.get();
  if (path.ends_with(".py")) {
    // The kernels of a Python file, read from a copy without its host code.
    std::string kernels =
        withoutHostCode(source.getSourceMgr().getMemoryBuffer(bufferId)->getBuffer(),
                        libraries.count(key) != 0);
    bufferId = source.getSourceMgr().AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(kernels, path), SMLoc());
  }
  auto info = std::make_unique<ModuleInfo>();
  info->path = key;
  info->ast = parseModule(source, bufferId);
  if (info->ast)
    rewriteEagerKernels(*info->ast);
  ModuleInfo *result = info.get();
  modules[key] = std::move(info);
  return result;
}

ModuleInfo *ModuleLoader::load(StringRef path, SMLoc importLoc) {
  auto it = modules.find(canonicalPath(path));
  if (it != modules.end())
    return it->second.get();
  auto fileOrErr = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!fileOrErr) {
    source.emitError(importLoc.isValid()
                         ? source.getLoc(importLoc)
                         : Location(UnknownLoc::get(&source.getContext())))
        << "cannot read '" << path << "': " << fileOrErr.getError().message();
    return nullptr;
  }
  unsigned bufferId =
      source.getSourceMgr().AddNewSourceBuffer(std::move(*fileOrErr), SMLoc());
  return loadBuffer(bufferId);
}

ModuleInfo *ModuleLoader::loadImport(ModuleInfo &importer, StringRef module,
                                     SMLoc loc) {
  // Leading dots: relative to the importing file's folder (one dot = same).
  size_t dots = 0;
  while (dots < module.size() && module[dots] == '.')
    ++dots;
  StringRef rest = module.drop_front(dots);
  SmallString<256> relative;
  for (StringRef part : llvm::split(rest, '.'))
    llvm::sys::path::append(relative, part);
  relative += ".tl";

  SmallVector<std::string> candidates;
  SmallString<256> base = llvm::sys::path::parent_path(importer.path);
  for (size_t i = 1; i < dots; ++i)
    base = llvm::sys::path::parent_path(base);
  SmallString<256> local(base);
  llvm::sys::path::append(local, relative);
  candidates.push_back(std::string(local));
  if (dots == 0)
    for (const std::string &dir : includeDirs) {
      SmallString<256> candidate(dir);
      llvm::sys::path::append(candidate, relative);
      candidates.push_back(std::string(candidate));
    }
  for (const std::string &candidate : candidates)
    if (llvm::sys::fs::exists(candidate))
      return load(candidate, loc);
  auto diag = source.emitError(loc);
  diag << "cannot find module '" << module << "'";
  for (const std::string &candidate : candidates)
    diag.attachNote() << "looked for '" << candidate << "'";
  return nullptr;
}

ModuleInfo *ModuleLoader::loadPythonLibrary(ModuleInfo &importer, StringRef module) {
  size_t dots = 0;
  while (dots < module.size() && module[dots] == '.')
    ++dots;
  SmallString<256> base = llvm::sys::path::parent_path(importer.path);
  for (size_t i = 1; i < dots; ++i)
    base = llvm::sys::path::parent_path(base);
  for (StringRef part : llvm::split(module.drop_front(dots), '.'))
    llvm::sys::path::append(base, part);
  SmallString<256> file(base), package(base);
  file += ".py";
  llvm::sys::path::append(package, "__init__.py");
  for (StringRef candidate : {StringRef(file), StringRef(package)}) {
    if (!llvm::sys::fs::is_regular_file(candidate))
      continue;
    libraries.insert(canonicalPath(candidate));
    return load(candidate, SMLoc());
  }
  return nullptr;
}

/// Whether a module name is TileLang's own (`tilelang`, `tilelang.language`),
/// which tilec provides as the `T` namespace.
static bool isTileLangModule(StringRef name) {
  return name == "tilelang" || name.starts_with("tilelang.");
}

std::string tilec::frontend::tileLangNamespace(StringRef path) {
  // tilelang.language is the T namespace; the layout helpers TileLang keeps
  // in tilelang.layout are T's too.
  if (path == "tilelang.language")
    return "T";
  if (path == "tilelang.cdiv")
    return "T.ceildiv";
  if (path == "tvm.tirx" || path == "tvm.tir")
    return "tirx";
  if (path == "tilelang.DataType" || path == "tvm.DataType")
    return "T.DataType";
  if (path == "tilelang.tvm") // `from tilelang import tvm`
    return "tvm";
  if (path == "tilelang.next_power_of_2" || path == "tilelang.math.next_power_of_2")
    return "math.next_power_of_2";
  // The swizzle TileLang's MMA helpers put shared tiles in: a layout hint,
  // as T.make_swizzled_layout's (tilec picks the swizzle its copies need).
  if (path == "tilelang.tileop.base.GemmWarpPolicy" || path == "tilelang.tileop.GemmWarpPolicy")
    return "T.GemmWarpPolicy";
  if (path == "tilelang.cuda.intrinsics.make_mma_swizzle_layout" ||
      path == "tilelang.intrinsics.make_mma_swizzle_layout")
    return "T.make_swizzled_layout";
  for (StringRef prefix : {"tilelang.language.", "tilelang.layout."})
    if (path.starts_with(prefix))
      return ("T." + path.drop_front(prefix.size())).str();
  return path.str();
}

void ModuleLoader::bindImport(ModuleInfo &module, const ImportStmt &importStmt,
                              std::map<std::string, RValue> &names) {
  const ImportStmt *imp = &importStmt;
  bool hostPython = StringRef(module.path).ends_with(".py");
  if (isTileLangModule(imp->module)) {
    // `import tilelang.language as T`, `import tilelang` (then
    // `tilelang.language.copy`, `tilelang.layout.make_swizzled_layout`),
    // `from tilelang import language as T`,
    // `from tilelang.layout import make_swizzled_layout`.
    if (!imp->isFrom) {
      if (!imp->moduleAlias.empty())
        names[imp->moduleAlias] =
            RValue::ofNamespace(tileLangNamespace(imp->module));
      else
        names["tilelang"] = RValue::ofNamespace("tilelang");
      return;
    }
    for (const auto &name : imp->names)
      names[name.alias.empty() ? name.name : name.alias] =
          RValue::ofNamespace(tileLangNamespace(imp->module + "." + name.name));
    return;
  }
  StringRef moduleName = imp->module;
  if (moduleName == "math" || moduleName == "tvm" || moduleName.starts_with("tvm.")) {
    // Python's math on compile-time numbers (math.sqrt(dim), math.pi);
    // TVM's DataType(dtype), whose .bits kernels size vectors by, and its
    // expression builders tvm.tirx (tvm.tir) that helpers write element
    // conversions with (tirx.const, tirx.reinterpret, ...).
    if (!imp->isFrom) {
      bool aliased = !imp->moduleAlias.empty();
      std::string root = moduleName.split('.').first.str();
      names[aliased ? imp->moduleAlias : root] =
          RValue::ofNamespace(aliased ? tileLangNamespace(moduleName) : root);
    }
    for (const auto &name : imp->names)
      names[name.alias.empty() ? name.name : name.alias] =
          RValue::ofNamespace(tileLangNamespace(imp->module + "." + name.name));
    return;
  }
  if (hostPython && imp->module == "torch" && !imp->isFrom) {
    // For the device queries helpers make (torch.cuda.get_device_capability),
    // and the tensors and dtypes of module-level code (torch.randn, ...).
    names[imp->moduleAlias.empty() ? "torch" : imp->moduleAlias] =
        RValue::ofNamespace("torch");
    return;
  }
  ModuleInfo *imported = hostPython ? loadPythonLibrary(module, imp->module)
                                    : loadImport(module, imp->module, imp->getLoc());
  if (hostPython && !imported)
    return; // a Python package (torch, tilec, ...): host code's
  if (!imported)
    return;
  if (imported->resolving) {
    source.emitError(imp->getLoc())
        << "circular import of '" << imp->module << "'";
    return;
  }
  resolveGlobals(*imported);
  if (!imp->isFrom) {
    RValue value;
    value.kind = RValue::Kind::Module;
    value.module = imported;
    std::string alias = imp->moduleAlias;
    if (alias.empty())
      alias = StringRef(imp->module).ltrim('.').split('.').first.str();
    names[alias] = value;
    return;
  }
  for (const auto &name : imp->names) {
    if (name.name == "*") {
      for (auto &[key, value] : imported->globals)
        if (value.kind == RValue::Kind::Macro || value.kind == RValue::Kind::Const ||
            value.kind == RValue::Kind::TensorAnnotation)
          names[key] = value;
      continue;
    }
    auto found = imported->globals.find(name.name);
    if (found == imported->globals.end() && hostPython)
      continue; // host code of a Python library: its importer's host code uses it
    if (found == imported->globals.end()) {
      source.emitError(name.loc) << "module '" << imp->module
                                 << "' has no name '" << name.name << "'";
      continue;
    }
    names[name.alias.empty() ? name.name : name.alias] = found->second;
  }
}

void ModuleLoader::resolveGlobals(ModuleInfo &module) {
  if (module.resolved || module.resolving)
    return;
  module.resolving = true;
  // A Python file holds host code beside its kernels (imports of torch,
  // helper functions, `if __name__ == "__main__":`): tilec compiles the
  // kernels, macros and constants and leaves the rest to Python.
  bool hostPython = StringRef(module.path).ends_with(".py");
  // Once one statement is left to the kernel generator, so are the
  // assignments after it (they may read or rebind its names).
  auto deferToGenerator = [&](const Stmt &stmt) { module.hostStatements.push_back(&stmt); };
  for (const StmtPtr &stmt : module.ast->body) {
    if (auto *imp = dyn_cast<ImportStmt>(stmt.get())) {
      bindImport(module, *imp, module.globals);
      continue;
    }
    if (auto *def = dyn_cast<FunctionDef>(stmt.get())) {
      RValue value;
      value.function = def;
      value.module = &module;
      if (def->hasDecorator("prim_func") || def->factoryKernel()) {
        value.kind = RValue::Kind::Kernel;
      } else if (def->hasDecorator("macro")) {
        value.kind = RValue::Kind::Macro;
      } else if (hostPython) {
        // A plain function kernel code calls (the host code was blanked):
        // inlined where it is called, as Python would run it while tracing.
        value.kind = RValue::Kind::Macro;
      } else {
        source.emitError(def->getLoc())
            << "function '" << def->name
            << "' needs a decorator: @T.prim_func for a kernel or @T.macro "
               "for a macro (or, as a kernel factory, to return a @T.prim_func it "
               "defines)";
        continue;
      }
      // (A Python file may define a function again: the last one counts.)
      if (module.globals.count(def->name) && !hostPython)
        source.emitError(def->getLoc())
            << "'" << def->name << "' is defined twice in this module";
      module.globals[def->name] = value;
      continue;
    }
    if (auto *assign = dyn_cast<AssignStmt>(stmt.get())) {
      // Module-level constants: literals, and expressions of earlier ones.
      std::function<RValue(const Expr &)> evalConst =
          [&](const Expr &e) -> RValue {
        switch (e.getKind()) {
        case Expr::Kind::Int: return RValue::ofInt(cast<IntExpr>(e).value);
        case Expr::Kind::Float: return RValue::ofFloat(cast<FloatExpr>(e).value);
        case Expr::Kind::Bool: return RValue::ofBool(cast<BoolExpr>(e).value);
        case Expr::Kind::String: return RValue::ofStr(cast<StringExpr>(e).value);
        case Expr::Kind::Name: {
          auto found = module.globals.find(cast<NameExpr>(e).name);
          if (found != module.globals.end() && found->second.isConst())
            return found->second;
          return RValue::error();
        }
        case Expr::Kind::Attribute: {
          // A dtype: `T.bfloat16` (T the tile language's namespace).
          auto &attr = cast<AttributeExpr>(e);
          auto *base = dyn_cast<NameExpr>(attr.base.get());
          auto found = base ? module.globals.find(base->name) : module.globals.end();
          if (found != module.globals.end() && found->second.kind == RValue::Kind::Namespace &&
              found->second.str == "T")
            if (std::optional<DType> dtype = parseDTypeName(attr.name))
              return RValue::ofDType(tile::getElementType(&source.getContext(), *dtype));
          return RValue::error();
        }
        case Expr::Kind::Unary: {
          auto &un = cast<UnaryExpr>(e);
          RValue v = evalConst(*un.operand);
          if (!v.isConstNumber() || un.op != UnaryOp::Neg)
            return RValue::error();
          if (v.constKind == RValue::ConstKind::Float)
            return RValue::ofFloat(-v.floatValue);
          std::optional<int64_t> negated = negateInteger(v.intValue);
          return negated ? RValue::ofInt(*negated) : RValue::error();
        }
        case Expr::Kind::Binary: {
          auto &bin = cast<BinaryExpr>(e);
          RValue l = evalConst(*bin.lhs), r = evalConst(*bin.rhs);
          if (!l.isConstInt() || !r.isConstInt())
            return RValue::error();
          bool arithmetic = bin.op == BinaryOp::Add || bin.op == BinaryOp::Sub ||
                            bin.op == BinaryOp::Mul || bin.op == BinaryOp::FloorDiv;
          if (!arithmetic || (bin.op == BinaryOp::FloorDiv && r.intValue == 0))
            return RValue::error();
          // An int64 overflow is "not a constant expression" (an error below).
          std::optional<int64_t> folded = foldInteger(bin.op, l.intValue, r.intValue);
          return folded ? RValue::ofInt(*folded) : RValue::error();
        }
        default:
          return RValue::error();
        }
      };
      bool allNames = llvm::all_of(assign->targets(),
                                   [](const Expr *target) { return isa<NameExpr>(target); });
      if (hostPython && assign->annotation)
        continue;
      if (hostPython && (!allNames || !module.hostStatements.empty())) {
        deferToGenerator(*assign);
        continue;
      }
      if (!allNames || assign->annotation || !assign->value) {
        source.emitError(assign->getLoc())
            << "only constants can be assigned at module level";
        continue;
      }
      // `Queries = T.Tensor((batch, q_len, heads, dim), dtype)`: an alias
      // for parameter annotations, its names resolved where it is used.
      if (auto *call = dyn_cast<CallExpr>(assign->value.get())) {
        auto *callee = dyn_cast<AttributeExpr>(call->callee.get());
        auto *base = callee ? dyn_cast<NameExpr>(callee->base.get()) : nullptr;
        auto ns = base ? module.globals.find(base->name) : module.globals.end();
        if (ns != module.globals.end() && ns->second.kind == RValue::Kind::Namespace &&
            ns->second.str == "T" && (callee->name == "Tensor" || callee->name == "Buffer")) {
          RValue alias;
          alias.kind = RValue::Kind::TensorAnnotation;
          alias.annotation = call;
          for (const Expr *target : assign->targets())
            module.globals[cast<NameExpr>(target)->name] = alias;
          continue;
        }
      }
      RValue value = evalConst(*assign->value);
      if (value.isError() && hostPython) {
        deferToGenerator(*assign); // more than a constant expression
        continue;
      }
      if (value.isError()) {
        source.emitError(assign->value->getLoc())
            << "a module-level value must be a constant expression";
        continue;
      }
      for (const Expr *target : assign->targets())
        module.globals[cast<NameExpr>(target)->name] = value;
      continue;
    }
    if (auto *expr = dyn_cast<ExprStmt>(stmt.get()))
      if (isa<StringExpr>(expr->value.get()))
        continue; // a docstring
    if (isa<SimpleStmt>(stmt.get()) && stmt->getKind() == Stmt::Kind::Pass)
      continue;
    if (hostPython) {
      if (isa<IfStmt, AugAssignStmt>(stmt.get()))
        deferToGenerator(*stmt);
      continue;
    }
    source.emitError(stmt->getLoc())
        << "only imports, constants and function definitions may appear at "
           "module level";
  }
  module.resolving = false;
  module.resolved = true;
}

