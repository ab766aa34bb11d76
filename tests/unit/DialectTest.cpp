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

TEST_CASE("a view's type composes windows and follows its buffer's layout", "[dialect]") {
  MLIRContext context;
  tilec::frontend::loadTileDialects(context);
  auto parse = [&](StringRef text) { return cast<BufferType>(parseType(text, &context)); };
  // Q[b, r:r+64, h, :] of ?x?x?x128, then one row of that view.
  BufferType tensor = parse("!tile.buffer<?x?x?x128xf16, global>");
  BufferType rows = RegionOp::viewType(tensor, {1, 64, 1, 128}, {64, 128});
  CHECK(rows == parse("!tile.buffer<64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>>"));
  BufferType row = RegionOp::viewType(rows, {1, 128}, {128});
  CHECK(row.getStorageShape() == tensor.getShape());
  CHECK(row.getStorageDims() == SmallVector<unsigned>{3});
  // A unit dimension the view keeps is placed in the storage too.
  BufferType column = RegionOp::viewType(rows, {64, 1}, {64, 1});
  CHECK(column.getStorageDims() == SmallVector<unsigned>{1, 3});
  // A stage of a swizzled three-stage tile keeps the swizzle; a window of
  // a whole buffer over all of it is the buffer itself.
  BufferType stages = parse("!tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>>");
  BufferType stage = RegionOp::viewType(stages, {1, 128, 64}, {128, 64});
  CHECK(stage.getLayout() == stages.getLayout());
  CHECK(stage.getStorageShape() == stages.getShape());
  BufferType tile = parse("!tile.buffer<128x64xf16, shared>");
  CHECK(RegionOp::viewType(tile, {128, 64}, {128, 64}) == tile);
  CHECK_FALSE(tile.getWindow());
  // New buffers made from a view's type are whole buffers.
  CHECK_FALSE(stage.cloneWith(std::nullopt, stage.getElementType()).getWindow());
  CHECK_FALSE(stage.withScope(MemoryScope::Fragment).getWindow());
  CHECK(stage.withLayout(Attribute()).getWindow() == stage.getWindow());
}
