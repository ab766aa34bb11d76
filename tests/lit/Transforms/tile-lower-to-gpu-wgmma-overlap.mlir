// RUN: tile-opt %s --split-input-file --tile-lower-to-gpu="wgmma-overlap=true" | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-lower-to-gpu | FileCheck %s --check-prefix=OFF

// Two gemms left in flight: the first accumulator's reader waits until at
// most one group (the second) is pending, the second's reader for all; the
// waited registers pass through the wait. Without the option each gemm is
// waited for as soon as it is issued.
// CHECK-LABEL: gpu.func @two_in_flight
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: wait
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned
// CHECK: llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 1;", "=f,{{.*}}"
// CHECK: llvm.inline_asm has_side_effects "wgmma.wait_group.sync.aligned 0;"
// CHECK: gpu.return
// OFF-LABEL: gpu.func @two_in_flight
// OFF: nvvm.wgmma.commit.group.sync.aligned
// OFF-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// OFF: nvvm.wgmma.commit.group.sync.aligned
// OFF-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// OFF-NOT: inline_asm
func.func @two_in_flight(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"},
                         %D: !tile.buffer<64x64xf32, global> {tile.name = "D"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc {shared_offset = 8192 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %d = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %b, %d {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
    tile.copy %d, %D : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// Shared memory a gemm in flight reads: written by this thread, or by
// others past a barrier before the next one, it is waited for first; a
// write of other bytes past a barrier leaves it in flight.
// CHECK-LABEL: gpu.func @shared_operands
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: gpu.barrier
// CHECK: llvm.store
// CHECK: "wgmma.wait_group.sync.aligned 0;"
// CHECK-NEXT: llvm.mlir.undef
// CHECK: gpu.barrier
// CHECK: llvm.store
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: llvm.store
// CHECK: "wgmma.wait_group.sync.aligned 0;"
// CHECK: llvm.store %{{.*}} : f16, !llvm.ptr<3>
// CHECK: gpu.return
func.func @shared_operands(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc {shared_offset = 8192 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %e = tile.alloc {shared_offset = 16384 : i64} : !tile.buffer<64x64xf16, shared>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %zero = arith.constant 0.0 : f16
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    // Other bytes before the next barrier: in flight across both.
    tile.barrier
    tile.fill %e, %zero : !tile.buffer<64x64xf16, shared>
    // A's bytes, by other threads past this barrier: waited for before it.
    tile.barrier
    tile.fill %a, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    // B's bytes, by this thread: waited for before the fill.
    tile.fill %b, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// A gemm in a loop is waited for by the end of its iteration.
// CHECK-LABEL: gpu.func @in_a_loop
// CHECK: scf.for
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: "wgmma.wait_group.sync.aligned 0;"
// CHECK-NEXT: llvm.mlir.undef
// CHECK: }
// CHECK: gpu.return
func.func @in_a_loop(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc {shared_offset = 8192 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %fzero = arith.constant 0.0 : f32
    tile.fill %c, %fzero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    scf.for %i = %c0 to %c4 step %c1 {
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    }
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}
