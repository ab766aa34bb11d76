// RUN: tile-opt %s --split-input-file --tile-stage-stores | FileCheck %s

// The accumulator's store to C goes through a 128-byte-swizzled shared
// tile: the operand tile %a, dead by then, has the bytes for it, so the
// kernel's shared memory does not grow (both planned at offset 0).
// CHECK-LABEL: func.func @staged
// CHECK: %[[STAGE:.*]] = tile.alloc {shared_offset = 0 : i64} : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.alloc {shared_offset = 0 : i64} : <64x128xf16, shared, #tile.swizzle<128>>
// CHECK: tile.region
// CHECK-NEXT: tile.copy %[[ACC:.*]], %[[STAGE]] : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: tile.copy %[[STAGE]], %{{.*}} : <64x64xf16, shared, #tile.swizzle<128>>, <64x64xf16, global>
// CHECK-NOT: tile.copy
func.func @staged(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %a, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global>
    tile.copy %acc, %r : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, global>
  }
  return
}

// -----

// Where the tile would need bytes of its own (the operand is still live
// for the gemm after the store), and for 32-bit outputs (no stmatrix),
// the stores stay as they are.
// CHECK-LABEL: func.func @not_staged
// CHECK-NOT: <64x64xf16, shared
// CHECK: tile.copy %{{.*}}, %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf16, global>
// CHECK: tile.gemm
// CHECK: tile.copy %{{.*}}, %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf32, global>
// CHECK-NOT: tile.copy
func.func @not_staged(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"},
                      %D: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "D"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %a, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global>
    tile.copy %acc, %r : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, global>
    tile.gemm %a, %a, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %d = tile.region %D[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf32, global> -> !tile.buffer<64x64xf32, global>
    tile.copy %acc, %d : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}
