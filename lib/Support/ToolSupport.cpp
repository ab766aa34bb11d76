//===- ToolSupport.cpp - shared pieces of the command-line tools ----------===//

#include "lib/Support/ToolSupport.h"
#include "lib/Support/BuildId.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

using namespace tilec;

std::string tilec::getCompilerIdentity() {
  return std::string("tilec ") + TILEC_VERSION + " (build " + TILEC_BUILD_ID + ")";
}

std::optional<std::pair<std::string, std::string>>
tilec::parseDefine(llvm::StringRef text) {
  auto [name, value] = text.split('=');
  name = name.trim();
  if (name.empty() || !text.contains('='))
    return std::nullopt;
  return std::make_pair(name.str(), value.trim().str());
}

bool tilec::parseAssignments(llvm::ArrayRef<std::string> items, llvm::StringRef flag,
                             std::vector<std::pair<std::string, std::string>> &out) {
  for (const std::string &item : items) {
    auto parsed = parseDefine(item);
    if (!parsed) {
      llvm::WithColor::error() << flag << " expects name=value, got '" << item << "'\n";
      return false;
    }
    out.push_back(*parsed);
  }
  return true;
}

ToolDiagnostics::ToolDiagnostics(llvm::SourceMgr &sourceMgr,
                                 mlir::MLIRContext &context, bool verify) {
  if (verify)
    verifier = std::make_unique<mlir::SourceMgrDiagnosticVerifierHandler>(
        sourceMgr, &context);
  else
    printer = std::make_unique<mlir::SourceMgrDiagnosticHandler>(sourceMgr,
                                                                 &context);
  // Errors about the command line (an unknown -D or --kernel) have no
  // source location: "tool: error: ..." instead of "<unknown>:0: error: ...".
  // Registered last, this handler is asked first.
  if (!verify)
    unlocatedHandler = context.getDiagEngine().registerHandler([](mlir::Diagnostic &diag) {
      if (!llvm::isa<mlir::UnknownLoc>(diag.getLocation()))
        return mlir::failure();
      (diag.getSeverity() == mlir::DiagnosticSeverity::Error     ? llvm::WithColor::error()
       : diag.getSeverity() == mlir::DiagnosticSeverity::Warning ? llvm::WithColor::warning()
                                                                 : llvm::WithColor::note())
          << diag.str() << "\n";
      for (const mlir::Diagnostic &note : diag.getNotes())
        llvm::WithColor::note() << note.str() << "\n";
      return mlir::success();
    });
  this->context = &context;
}

ToolDiagnostics::~ToolDiagnostics() {
  if (context && unlocatedHandler)
    context->getDiagEngine().eraseHandler(*unlocatedHandler);
}

bool ToolDiagnostics::verified() {
  return verifier && succeeded(verifier->verify());
}

unsigned tilec::addMainFile(llvm::SourceMgr &sourceMgr, llvm::StringRef path) {
  auto fileOrErr = path == "-" ? llvm::MemoryBuffer::getSTDIN()
                               : llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!fileOrErr) {
    llvm::WithColor::error() << "cannot read '" << path
                             << "': " << fileOrErr.getError().message() << "\n";
    return 0;
  }
  std::unique_ptr<llvm::MemoryBuffer> buffer = std::move(*fileOrErr);
  if (path == "-")
    buffer = llvm::MemoryBuffer::getMemBufferCopy(buffer->getBuffer(), "<stdin>");
  return sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
}

tilec::FloatingPointFlags::FloatingPointFlags(llvm::cl::OptionCategory &category)
    : fpContract("fp-contract",
                 llvm::cl::desc("Fuse float multiplies and adds into FMAs "
                                "(default on; --fp-contract=false keeps them apart)"),
                 llvm::cl::init(true), llvm::cl::cat(category)),
      fastMath("fast-math",
               llvm::cl::desc("Let math functions be approximated (exp, log, sin, "
                              "cos, erf: a few ulp or ~1e-7 absolute error)"),
               llvm::cl::cat(category)) {}
