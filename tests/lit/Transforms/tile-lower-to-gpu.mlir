// RUN: tile-opt %s --tile-lower-to-gpu | FileCheck %s

// A tensor parameter becomes a global pointer plus one i64 per dimension
// bound at launch; shared buffers are carved from one extern array; tile ops
// are loops over the block's threads between barriers; copies from and to
// global memory are predicated at the tensor's edge.

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @scale
// CHECK-SAME: tile.gpu_kernel = @tilec_kernels::@scale
// CHECK-SAME: tile.shared_bytes = 256 : i64
func.func @scale(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"},
                 %factor: f32 {tile.name = "factor"}) attributes {tile.kernel} {
  %N = tile.dim %A[0] : !tile.buffer<?xf32, global>
  %c64 = arith.constant 64 : index
  %grid = arith.ceildivsi %N, %c64 : index
  tile.launch grid(%grid) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    %row = arith.muli %bx, %c64 : index
    %r = tile.region %A[%row] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global>
    tile.copy %r, %s : !tile.buffer<64xf32, global>, !tile.buffer<64xf32, shared>
    tile.parallel [64] {
    ^bb0(%i: index):
      %v = tile.load %s[%i] : !tile.buffer<64xf32, shared>
      %w = arith.mulf %v, %factor : f32
      tile.store %w, %s[%i] : !tile.buffer<64xf32, shared>
    }
    tile.copy %s, %r : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, global>
  }
  return
}

// CHECK: gpu.module @tilec_kernels {
// CHECK: llvm.mlir.global external @tilec_dsmem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK: gpu.func @scale(%[[PTR:.*]]: !llvm.ptr<1> {llvm.noalias}, %[[DIM:.*]]: i64, %[[F:.*]]: f32) kernel
// CHECK-SAME: known_block_size = array<i32: 32, 1, 1>
// CHECK: %[[N:.*]] = arith.index_cast %[[DIM]] : i64 to index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @tilec_dsmem : !llvm.ptr<3>
// CHECK: %[[BX:.*]] = gpu.block_id x
// The copy in: predicated load, zero outside.
// 64 elements over 32 threads: two trips each, element tid + k * 32.
// CHECK: gpu.barrier
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[STEP:.*]] = arith.muli %[[K]], %{{.*}} : index
// CHECK: arith.addi %[[TID]], %[[STEP]] : index
// CHECK: arith.cmpi ult, %{{.*}}, %[[N]] : index
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: llvm.load %{{.*}} : !llvm.ptr<1> -> f32
// CHECK: } else {
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: gpu.barrier
// The parallel loop: one element per thread and step.
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: arith.addi %[[TID]]
// CHECK: arith.mulf %{{.*}}, %[[F]] : f32
// CHECK: gpu.barrier
// The copy out: predicated store.
// CHECK: scf.for
// CHECK: scf.if %{{.*}} {
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: gpu.return
