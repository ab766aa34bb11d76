//===- ParserTest.cpp - syntax tree shape and recovery --------------------===//

#include "frontend/Parser.h"

#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

using namespace tilec::frontend;

namespace {
struct Parsed {
  std::string dump;
  unsigned errors = 0;
};

Parsed parse(const std::string &text) {
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  mlir::ScopedDiagnosticHandler handler(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "parse.tl"), llvm::SMLoc());
  SourceContext source(sourceMgr, context);
  auto module = parseModule(source, id);
  Parsed result;
  llvm::raw_string_ostream os(result.dump);
  dumpAST(*module, os);
  result.errors = source.getNumErrors();
  return result;
}
} // namespace

TEST_CASE("operator precedence follows Python", "[parser]") {
  Parsed p = parse("x = a + b * c ** -d // e\n");
  CHECK(p.errors == 0);
  CHECK(p.dump.find("Assign x = (a + ((b * (c ** -d)) // e))") != std::string::npos);
}

TEST_CASE("comparisons, boolean operators and conditional expressions", "[parser]") {
  Parsed p = parse("y = u if not a < b and c else v\n");
  CHECK(p.errors == 0);
  CHECK(p.dump.find("(u if (not (a < b) and c) else v)") != std::string::npos);
}

TEST_CASE("kernel header, with and for statements", "[parser]") {
  Parsed p = parse("@T.prim_func\n"
                   "def k(A: T.Tensor((M, N), \"float16\"), bm: T.const = 64):\n"
                   "    with T.Kernel(T.ceildiv(M, bm), threads=128) as (bx,):\n"
                   "        for i, j in T.Parallel(bm, N):\n"
                   "            A[bx * bm + i, j:j + 1] = 0\n");
  CHECK(p.errors == 0);
  CHECK(p.dump.find("FunctionDef k @T.prim_func") != std::string::npos);
  CHECK(p.dump.find("Param bm: T.const = 64") != std::string::npos);
  CHECK(p.dump.find("With T.Kernel(T.ceildiv(M, bm), threads=128) as (bx)") !=
        std::string::npos);
  CHECK(p.dump.find("For i, j in T.Parallel(bm, N)") != std::string::npos);
  CHECK(p.dump.find("A[((bx * bm) + i), j:(j + 1)]") != std::string::npos);
}

TEST_CASE("elif chains nest in else branches", "[parser]") {
  Parsed p = parse("if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n");
  CHECK(p.errors == 0);
  CHECK(p.dump.find("Else\n    If b") != std::string::npos);
}

TEST_CASE("imports", "[parser]") {
  Parsed p = parse("import tilelang.language as T\nfrom .common import (a, b as c)\n");
  CHECK(p.errors == 0);
  CHECK(p.dump.find("Import tilelang.language as T") != std::string::npos);
  CHECK(p.dump.find("ImportFrom .common: a b as c") != std::string::npos);
}

TEST_CASE("syntax errors recover at the next statement", "[parser]") {
  Parsed p = parse("x = 1 +\ny = 2\nz = ]\nw = 3\n");
  CHECK(p.errors >= 2);
  CHECK(p.dump.find("Assign w = 3") != std::string::npos);
}

TEST_CASE("a broken block header skips its body", "[parser]") {
  Parsed p = parse("for i in :\n    x = 1\n    y = 2\nz = 3\n");
  CHECK(p.errors == 1);
  CHECK(p.dump.find("Assign z = 3") != std::string::npos);
}
