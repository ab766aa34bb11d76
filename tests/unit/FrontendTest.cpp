//===- FrontendTest.cpp - semantic checks and generated IR ----------------===//

#include "TestUtil.h"

#include <catch2/catch.hpp>

using tilec::test::compile;

static const char *kCopyKernel = R"(
import tilelang.language as T

@T.prim_func
def copy(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype),
         block: T.const = 64, dtype: T.const = "float16"):
    with T.Kernel(T.ceildiv(M, block), threads=128) as bx:
        s = T.alloc_shared((block, N_TILE), dtype)
        T.copy(A[bx * block, 0], s)
        T.copy(s, B[bx * block, 0])
)";

TEST_CASE("symbolic dimensions become tile.dim and argument names", "[frontend]") {
  std::string source = kCopyKernel;
  source.replace(source.find("N_TILE"), 6, "32");
  auto c = compile(source);
  REQUIRE(c.ok);
  CHECK(c.ir.find("tile.dims = [\"M\", \"N\"]") != std::string::npos);
  CHECK(c.ir.find("tile.dim %arg0[0]") != std::string::npos);
  CHECK(c.ir.find("sizes [64, 32]") != std::string::npos);
}

TEST_CASE("-D overrides a compile-time parameter", "[frontend]") {
  std::string source = kCopyKernel;
  source.replace(source.find("N_TILE"), 6, "32");
  tilec::frontend::FrontendOptions options;
  options.defines = {{"block", "16"}, {"dtype", "bfloat16"}};
  auto c = compile(source, options);
  REQUIRE(c.ok);
  CHECK(c.ir.find("<16x32xbf16, shared>") != std::string::npos);
  CHECK(c.ir.find("block = 16 : i64") != std::string::npos);
}

TEST_CASE("an unknown -D name is an error", "[frontend]") {
  std::string source = kCopyKernel;
  source.replace(source.find("N_TILE"), 6, "32");
  tilec::frontend::FrontendOptions options;
  options.defines = {{"blk", "16"}};
  auto c = compile(source, options);
  CHECK_FALSE(c.ok);
  REQUIRE(c.errors.size() == 1);
  CHECK(c.errors[0].find("named 'blk'") != std::string::npos);
}

TEST_CASE("a symbolic shared-memory shape is located at the dimension", "[frontend]") {
  std::string source = kCopyKernel;
  source.replace(source.find("N_TILE"), 6, "N");
  auto c = compile(source);
  CHECK_FALSE(c.ok);
  REQUIRE(c.errors.size() >= 1);
  INFO(c.errors[0]);
  CHECK(c.errors[0].rfind("8:36:", 0) == 0);
  CHECK(c.errors[0].find("compile-time integers") != std::string::npos);
}

TEST_CASE("several errors are reported in one run", "[frontend]") {
  auto c = compile(R"(
import tilelang.language as T

@T.prim_func
def k(A: T.Tensor((M,), "float32")):
    with T.Kernel(1, threads=32) as bx:
        a = nope1
        b = nope2
        T.fill(A, 1.0)
)");
  CHECK_FALSE(c.ok);
  CHECK(c.errors.size() == 2);
}

TEST_CASE("constants fold with Python semantics", "[frontend]") {
  auto c = compile(R"(
import tilelang.language as T

@T.prim_func
def k(A: T.Tensor((M,), "float32")):
    with T.Kernel(1, threads=32) as bx:
        s = T.alloc_shared((-7 // 2 + 10, 7 % -3 + 10, 2 ** 3), "float32")
)");
  REQUIRE(c.ok);
  CHECK(c.ir.find("<6x8x8xf32, shared>") != std::string::npos);
}

TEST_CASE("break in a serial loop lowers to flags", "[frontend]") {
  auto c = compile(R"(
import tilelang.language as T

@T.prim_func
def k(A: T.Tensor((M,), "int32")):
    with T.Kernel(1, threads=1) as bx:
        for i in T.serial(M):
            if A[i] < 0:
                break
            A[i] = 0
)");
  REQUIRE(c.ok);
  CHECK(c.ir.find("scf.while") != std::string::npos);
  CHECK(c.ir.find("scf.for") == std::string::npos);
}
