//===- SerializePTX.cpp - gpu.modules to PTX, kernels in parallel ---------===//
//
// Compiles each gpu.module to PTX with its kernels going through LLVM at
// the same time, one module per kernel, and joins the texts (see
// TileSerializePTX in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Threading.h"
#include "llvm/ADT/StringSet.h"

namespace tilec {
#define GEN_PASS_DEF_TILESERIALIZEPTX
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// A kernel entry of a lowered gpu.module.
bool isKernel(LLVM::LLVMFuncOp func) {
  return !func.isExternal() && (func->hasAttr(gpu::GPUDialect::getKernelFuncAttrName()) ||
                                func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()));
}

/// The PTX of one part (a module with one kernel) cut where its entry
/// starts: `declarations`, the lines before it but the `// .globl` line
/// LLVM writes for the entry; `entry`, the entry to the end; `entryAt`,
/// where the entry starts in the text.
struct PTXPart {
  SmallVector<std::string> declarations;
  std::string entry;
  size_t entryAt = 0;
};

std::optional<PTXPart> cutAtEntry(StringRef ptx, StringRef kernel) {
  // A device function would be defined again by each part that calls it.
  for (StringRef line : llvm::split(ptx, '\n')) {
    StringRef code = line.ltrim();
    if (code.starts_with(".func") || code.starts_with(".visible .func") ||
        code.starts_with(".weak .func"))
      return std::nullopt;
  }
  std::string header = (".visible .entry " + kernel + "(").str();
  size_t at = ptx.find("\n" + header);
  if (at == StringRef::npos || ptx.find("\n" + header, at + 1) != StringRef::npos)
    return std::nullopt;
  PTXPart part;
  bool globl = false;
  for (StringRef line : llvm::split(ptx.take_front(at), '\n')) {
    if (line == ("\t// .globl\t" + kernel).str())
      globl = true;
    else if (!line.empty())
      part.declarations.push_back(line.str());
  }
  if (!globl)
    return std::nullopt;
  part.entry = ptx.drop_front(at + 1).rtrim('\n').str() + "\n";
  part.entryAt = at + 1;
  return part;
}

struct TileSerializePTXPass : public tilec::impl::TileSerializePTXBase<TileSerializePTXPass> {
  using TileSerializePTXBase::TileSerializePTXBase;

  void runOnOperation() override {
    ModuleOp top = getOperation();
    // Built before any part runs: the serializer may look symbols up, from
    // several threads.
    SymbolTable symbols(top);
    // TargetOptions keeps a reference to the callback: it must outlive them.
    auto symbolTable = [&]() -> SymbolTable * { return &symbols; };
    gpu::TargetOptions options(toolkitPath, /*librariesToLink=*/{}, /*cmdOptions=*/"",
                               /*elfSection=*/"", gpu::CompilationTarget::Assembly,
                               symbolTable);
    SmallVector<gpu::GPUModuleOp> modules(top.getOps<gpu::GPUModuleOp>());
    for (gpu::GPUModuleOp module : modules) {
      SmallVector<Attribute> objects;
      for (Attribute attr : module.getTargetsAttr() ? module.getTargetsAttr().getValue()
                                                    : ArrayRef<Attribute>()) {
        auto target = dyn_cast<gpu::TargetAttrInterface>(attr);
        if (!target) {
          module.emitError("the target ") << attr << " cannot serialize a module";
          return signalPassFailure();
        }
        std::optional<std::string> ptx = serialize(module, target, options);
        if (!ptx) {
          module.emitError("compiling the module to PTX for ") << attr << " failed";
          return signalPassFailure();
        }
        SmallVector<char, 0> bytes(ptx->begin(), ptx->end());
        Attribute object = target.createObject(module, bytes, options);
        if (!object) {
          module.emitError("no object for ") << attr;
          return signalPassFailure();
        }
        objects.push_back(object);
      }
      OpBuilder builder(module);
      gpu::BinaryOp::create(builder, module.getLoc(), module.getName(), /*offloadingHandler=*/
                            Attribute(), builder.getArrayAttr(objects));
      module.erase();
    }
  }

  /// `module`'s PTX for `target`: its kernels compiled in parallel and
  /// joined where that is exact, else the module compiled whole.
  std::optional<std::string> serialize(gpu::GPUModuleOp module, gpu::TargetAttrInterface target,
                                       const gpu::TargetOptions &options) {
    auto whole = [&]() -> std::optional<std::string> {
      std::optional<SmallVector<char, 0>> ptx = target.serializeToObject(module, options);
      if (!ptx)
        return std::nullopt;
      return std::string(ptx->begin(), ptx->end());
    };
    SmallVector<std::string> kernels;
    for (LLVM::LLVMFuncOp func : module.getOps<LLVM::LLVMFuncOp>())
      if (isKernel(func))
        kernels.push_back(func.getSymName().str());
    if (kernels.size() < 2 || !getContext().isMultithreadingEnabled())
      return whole();

    // One module per kernel, the others' definitions left out (cloned on
    // this thread; the parts then only read their own IR).
    SmallVector<OwningOpRef<gpu::GPUModuleOp>> parts;
    for (const std::string &kernel : kernels) {
      OwningOpRef<gpu::GPUModuleOp> part = module.clone();
      for (LLVM::LLVMFuncOp func :
           llvm::make_early_inc_range(part->getOps<LLVM::LLVMFuncOp>()))
        if (isKernel(func) && func.getSymName() != kernel)
          func.erase();
      parts.push_back(std::move(part));
    }
    SmallVector<std::string> texts(parts.size());
    LogicalResult compiled =
        failableParallelForEach(&getContext(), llvm::seq<size_t>(0, parts.size()), [&](size_t i) {
          std::optional<SmallVector<char, 0>> ptx = target.serializeToObject(*parts[i], options);
          if (!ptx)
            return failure();
          texts[i].assign(ptx->begin(), ptx->end());
          return success();
        });
    if (failed(compiled))
      return std::nullopt;

    // The first part whole, with the `.extern` declarations only other
    // parts make (a kernel that uses no dynamic shared memory declares
    // none) and the globals without contents only they define (the zeros
    // that guarded loads read, kept only by the parts that read them: a
    // clone of the module's one global, the same line wherever it stands)
    // added before its entry; then each other part's entry after the
    // `// .globl` line LLVM writes before an entry. Any other line a part
    // has and the first has not (a header line, a global defined with
    // contents, which may differ under a name each part numbers alike, a
    // declaration over several lines) makes the joined text unsafe:
    // compiled whole.
    std::optional<PTXPart> first = cutAtEntry(texts[0], kernels[0]);
    if (!first)
      return whole();
    llvm::StringSet<> declared;
    for (const std::string &line : first->declarations)
      declared.insert(line);
    std::string added, entries;
    for (size_t i = 1; i < texts.size(); ++i) {
      std::optional<PTXPart> part = cutAtEntry(texts[i], kernels[i]);
      if (!part)
        return whole();
      for (const std::string &line : part->declarations) {
        if (StringRef(line).starts_with("//") || declared.contains(line))
          continue;
        StringRef code(line);
        bool declaration = code.starts_with(".extern ");
        bool emptyGlobal = code.starts_with(".global ") && !code.contains('=') &&
                           code.ends_with(";");
        if (!(declaration || emptyGlobal) || code.contains(".func"))
          return whole();
        declared.insert(line);
        added += line + "\n";
      }
      entries += "\t// .globl\t" + kernels[i] + "\n" + part->entry;
    }
    std::string joined = texts[0].substr(0, first->entryAt);
    if (!added.empty())
      joined += added + "\n";
    return joined + first->entry + entries;
  }
};

} // namespace
