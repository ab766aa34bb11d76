// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s

// Each launch of a kernel becomes its own gpu.func, numbered in program
// order; the host function keeps the launches (and the `scf.if` around
// one), each marked with its GPU kernel and shared-memory size. A grid of
// constant extents is the kernel's known grid size (bounding its block
// indices for integer range analysis); a symbolic one gives none.
// CHECK-LABEL: func.func @two
// CHECK: tile.launch grid(%{{.*}}) threads(32) attributes {block_threads = 32 : i64, gpu_kernel = @two_launch0, shared_bytes = 0 : i64}
// CHECK: scf.if
// CHECK: tile.launch grid(%{{.*}}) threads(64) attributes {block_threads = 64 : i64, gpu_kernel = @two_launch1, shared_bytes = 0 : i64}
// CHECK: gpu.module @tilec_kernels
// CHECK: gpu.func @two_launch0(%{{.*}}: !llvm.ptr<1> {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i32) kernel
// CHECK-SAME: {known_block_size = array<i32: 32, 1, 1>}
// CHECK: gpu.func @two_launch1(%{{.*}}: !llvm.ptr<1> {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i32) kernel
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>, known_grid_size = array<i32: 1, 1, 1>
func.func @two(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"},
               %n: i32 {tile.name = "n"}) attributes {tile.kernel} {
  %N = tile.dim %A[0] : !tile.buffer<?xf32, global>
  tile.launch grid(%N) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %v = arith.constant 1.0 : f32
    tile.store %v, %A[%bx] : !tile.buffer<?xf32, global>
  }
  %c0 = arith.constant 0 : i32
  %positive = arith.cmpi sgt, %n, %c0 : i32
  scf.if %positive {
    %c1 = arith.constant 1 : index
    tile.launch grid(%c1) threads(64) {
    ^bb0(%bx: index, %by: index, %bz: index):
      %v = arith.constant 2.0 : f32
      %c0i = arith.constant 0 : index
      tile.store %v, %A[%c0i] : !tile.buffer<?xf32, global>
    }
  }
  return
}
