// RUN: tile-opt %s --tile-cleanup | FileCheck %s

// The clean-up folds static dimensions, removes duplicate index arithmetic
// and keeps every tile operation with an effect.

// CHECK-LABEL: func.func @cleanup
func.func @cleanup(%A: !tile.buffer<?x64xf16, global>) {
  // CHECK: %[[C64:.*]] = arith.constant 64 : index
  // CHECK: %[[M:.*]] = tile.dim %{{.*}}[0]
  // CHECK-NOT: tile.dim
  // CHECK: tile.launch grid(%[[M]], %[[C64]])
  %M = tile.dim %A[0] : !tile.buffer<?x64xf16, global>
  %K = tile.dim %A[1] : !tile.buffer<?x64xf16, global>
  tile.launch grid(%M, %K) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c64 = arith.constant 64 : index
    %s = tile.alloc : !tile.buffer<64x64xf16, shared>
    // CHECK: %[[ROW:.*]] = arith.muli
    // CHECK-NOT: arith.muli
    %r0 = arith.muli %bx, %c64 : index
    %r1 = arith.muli %bx, %c64 : index
    %c0 = arith.constant 0 : index
    // CHECK: %[[TILE:.*]] = tile.region %{{.*}}[%[[ROW]], %{{.*}}]
    %g = tile.region %A[%r0, %c0] sizes [64, 64] : !tile.buffer<?x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x64, dims [0, 1]>>
    // CHECK: tile.copy
    tile.copy %g, %s : !tile.buffer<64x64xf16, global, #tile.window<?x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
    // The same window twice is one region after CSE.
    // CHECK-NOT: tile.region
    // CHECK: tile.copy %{{.*}}, %[[TILE]]
    %h = tile.region %A[%r1, %c0] sizes [64, 64] : !tile.buffer<?x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x64, dims [0, 1]>>
    tile.copy %s, %h : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, global, #tile.window<?x64, dims [0, 1]>>
    // An unused region has no effect and goes away.
    %unused = tile.region %A[%r1, %c0] sizes [1, 64] : !tile.buffer<?x64xf16, global> -> !tile.buffer<64xf16, global, #tile.window<?x64, dims [1]>>
  }
  return
}
