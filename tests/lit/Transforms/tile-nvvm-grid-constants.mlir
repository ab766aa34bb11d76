// RUN: tile-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(tile-nvvm-grid-constants))" --verify-diagnostics | FileCheck %s

// The parameters listed in tile.grid_constants become 128-byte by-value
// grid constants; the list itself goes.
// CHECK-LABEL: llvm.func @k(
// CHECK-SAME: %{{.*}}: !llvm.ptr<1>,
// CHECK-SAME: %{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant})
// CHECK-NOT: tile.grid_constants
module attributes {gpu.container_module} {
  gpu.module @m {
    llvm.func @k(%a: !llvm.ptr<1>, %map: !llvm.ptr) attributes {nvvm.kernel, tile.grid_constants = array<i32: 1>} {
      llvm.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @m {
    // expected-error @+1 {{tile.grid_constants names parameter 0, not a pointer}}
    llvm.func @k(%a: i32) attributes {nvvm.kernel, tile.grid_constants = array<i32: 0>} {
      llvm.return
    }
  }
}
