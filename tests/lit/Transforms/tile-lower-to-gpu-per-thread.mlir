// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s

// A per-thread launch: tile.thread_id is the GPU thread index, and each
// thread adds its own value (no first-thread guard, as block-wide scalar
// code has). The index lies in [0, threads): A[tid] needs no bounds guard.
// CHECK-LABEL: gpu.func @per_thread
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK-NOT: scf.if
// CHECK: arith.addi %{{.*}}, %[[TID]]
// CHECK-NOT: scf.if
// CHECK: llvm.load %{{.*}} : !llvm.ptr<1> -> f32
// CHECK-NOT: scf.if
// CHECK: llvm.atomicrmw fadd
// CHECK: gpu.return
func.func @per_thread(%A: !tile.buffer<128xf32, global> {tile.dims = [""], tile.name = "A"},
                      %S: !tile.buffer<1xf32, global> {tile.dims = [""], tile.name = "S"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %v = tile.load %A[%tid] : !tile.buffer<128xf32, global>
    tile.atomic_add %v, %S[%c0] : f32, !tile.buffer<1xf32, global>
  }
  return
}

// -----

// A local buffer is each thread's own whole copy: a fill (T.clear) writes
// all of its elements on every thread, not a share of them per thread.
// CHECK-LABEL: gpu.func @local_fill
// CHECK: %[[LOCAL:.*]] = llvm.alloca %c2_i64 x f32
// CHECK-NOT: scf.if
// CHECK: llvm.getelementptr %[[LOCAL]]
// CHECK-NEXT: llvm.store
// CHECK: llvm.getelementptr %[[LOCAL]]
// CHECK-NEXT: llvm.store
func.func @local_fill(%A: !tile.buffer<4xf32, global> {tile.dims = [""], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<2xf32, local>
    tile.fill %acc, %zero : !tile.buffer<2xf32, local>
    %v = tile.load %acc[%c1] : !tile.buffer<2xf32, local>
    tile.store %v, %A[%bx] : !tile.buffer<4xf32, global>
  }
  return
}

// -----

// A copy of a 16-byte row of a tensor into a local buffer: one vector load
// where both ends lie inside the tensor and the start is aligned, else
// element by element, each clipped.
// CHECK-LABEL: gpu.func @row_to_local
// CHECK: %[[ALIGNED:.*]] = arith.cmpi eq, %{{.*}}, %c0_i64
// CHECK: %[[WHOLE:.*]] = arith.andi %{{.*}}, %[[ALIGNED]] : i1
// CHECK: scf.if %[[WHOLE]] {
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xf16>
// CHECK-COUNT-8: vector.extract
// CHECK: } else {
// CHECK-COUNT-8: scf.if
func.func @row_to_local(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["N", "K"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %a = tile.alloc : !tile.buffer<8xf16, local>
    %row = tile.region %A[%tid, %bx] sizes [1, 8] : !tile.buffer<?x?xf16, global> -> !tile.buffer<8xf16, global, #tile.window<?x?, dims [1]>>
    tile.copy %row, %a : !tile.buffer<8xf16, global, #tile.window<?x?, dims [1]>>, !tile.buffer<8xf16, local>
    %v = tile.load %a[%c0] : !tile.buffer<8xf16, local>
    tile.store %v, %A[%tid, %c0] : !tile.buffer<?x?xf16, global>
  }
  return
}

// -----

// A warp shuffle is one index shuffle of 32-bit words: an f16 travels
// widened, an f64 as two words; no barrier.
// CHECK-LABEL: gpu.func @shuffles
// CHECK-NOT: gpu.barrier
// CHECK: arith.extui %{{.*}} : i16 to i32
// CHECK: gpu.shuffle  idx %{{.*}}, %{{.*}}, %c32_i32 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i16
// CHECK-COUNT-2: gpu.shuffle  idx
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return
func.func @shuffles(%A: !tile.buffer<64xf16, global> {tile.dims = [""], tile.name = "A"},
                    %B: !tile.buffer<64xf64, global> {tile.dims = [""], tile.name = "B"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %partner = arith.xori %tid, %c1 : index
    %a = tile.load %A[%tid] : !tile.buffer<64xf16, global>
    %a2 = tile.shuffle %a from %partner : f16
    tile.store %a2, %A[%tid] : !tile.buffer<64xf16, global>
    %b = tile.load %B[%tid] : !tile.buffer<64xf64, global>
    %b2 = tile.shuffle %b from %partner : f64
    tile.store %b2, %B[%tid] : !tile.buffer<64xf64, global>
  }
  return
}
