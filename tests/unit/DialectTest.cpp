//===- DialectTest.cpp - buffer type and op verifiers ---------------------===//

#include "dialects/Tile/TileDialect.h"
#include "frontend/Frontend.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Parser/Parser.h"

#include <catch2/catch.hpp>

using namespace mlir;
using namespace tilec::tile;

TEST_CASE("buffer type parses, prints and rejects bad scopes", "[dialect]") {
  MLIRContext context;
  tilec::frontend::loadTileDialects(context);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  Type type = parseType("!tile.buffer<?x64xf16, global>", &context);
  REQUIRE(type);
  auto buffer = cast<BufferType>(type);
  CHECK(buffer.getScope() == MemoryScope::Global);
  CHECK(ShapedType::isDynamic(buffer.getShape()[0]));
  CHECK(buffer.getShape()[1] == 64);
  CHECK_FALSE(parseType("!tile.buffer<?x64xf16, shared>", &context));
  CHECK_FALSE(parseType("!tile.buffer<4xf16, nowhere>", &context));
  CHECK_FALSE(parseType("!tile.buffer<0xf16, shared>", &context));
}

TEST_CASE("gemm verifier checks K", "[dialect]") {
  MLIRContext context;
  tilec::frontend::loadTileDialects(context);
  std::string diagnostics;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &d) {
    diagnostics += d.str();
    return success();
  });
  auto module = parseSourceString<ModuleOp>(R"(
    func.func @f() {
      %a = tile.alloc : !tile.buffer<64x32xf16, shared>
      %b = tile.alloc : !tile.buffer<16x64xf16, shared>
      %c = tile.alloc : !tile.buffer<64x64xf32, fragment>
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>}
          : !tile.buffer<64x32xf16, shared>, !tile.buffer<16x64xf16, shared>,
            !tile.buffer<64x64xf32, fragment>
      return
    })", &context);
  CHECK_FALSE(module);
  CHECK(diagnostics.find("reduction extents differ") != std::string::npos);
}
