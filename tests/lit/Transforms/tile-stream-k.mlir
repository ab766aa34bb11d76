// RUN: tile-opt %s --split-input-file --tile-software-pipeline="warp-specialize=true persistent=true sm-count=132" --tile-stream-k | FileCheck %s

// A persistent GEMM-like launch: the grid becomes all 132 resident blocks,
// with a float32 slot per block for partial accumulators and a flag per
// block (zero-filled). Both sides walk the same pieces in one loop that
// carries the pipelined iterations and the end of the block's remaining
// share; each piece clears the accumulator (consumers), runs its part of
// the k-loop, and on the consumers either publishes the partial (a piece
// that does not end its tile) or adds the earlier blocks' partials before
// the epilogue (a piece that ends a tile it did not start).
// CHECK-LABEL: func.func @gemm
// CHECK: %[[PARTIALS:.*]] = tile.alloc_global() {name = "stream_k_partials", uninitialized} : <132x128x256xf32, global>
// CHECK: %[[FLAGS:.*]] = tile.alloc_global() {name = "stream_k_flags"} : <132xi32, global>
// CHECK: tile.launch grid(%c132{{.*}}) threads(256) {
// CHECK-NEXT: ^bb0(%[[BLOCK:.*]]: index, %{{.*}}: index, %{{.*}}: index):
// CHECK: tile.warp_specialize producer {
// CHECK: %{{.*}}:2 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (index, index) {
// CHECK: scf.if %{{.*}} -> (index) {
// CHECK-NOT: tile.fill
// CHECK: scf.for
// CHECK: tile.copy_async
// CHECK-NOT: tile.signal
// CHECK: } consumers {
// CHECK: %{{.*}}:2 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (index, index) {
// CHECK: scf.if %{{.*}} -> (index) {
// CHECK: tile.fill %[[ACC:.*]], %{{.*}} : <128x256xf32, fragment, #tile.wgmma<2>>
// CHECK: %[[LOWER:.*]] = arith.addi
// CHECK: %[[UPPER:.*]] = arith.minsi
// CHECK: scf.for %{{.*}} = %[[LOWER]] to %[[UPPER]] step
// CHECK: tile.gemm
// CHECK: scf.if %{{.*}} {
// CHECK: scf.if %{{.*}} {
// CHECK: scf.for %[[OTHER:.*]] = %{{.*}} to %[[BLOCK]] step
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: tile.wait_signal %[[FLAGS]][%[[OTHER]]] : <132xi32, global>
// CHECK: %[[SLOT:.*]] = tile.region %[[PARTIALS]][%[[OTHER]], %{{.*}}, %{{.*}}] sizes [1, 128, 256]
// CHECK: tile.parallel [128, 256] attributes {layout = #tile.wgmma<2>} {
// CHECK: tile.load %[[ACC]]
// CHECK: tile.load %[[SLOT]]
// CHECK: arith.addf
// CHECK: tile.store
// CHECK: tile.copy %[[ACC]], %{{.*}} : <128x256xf32, fragment, #tile.wgmma<2>>, <128x256xf16, global, #tile.window<?x?, dims [0, 1]>>
// CHECK-NEXT: } else {
// CHECK: %[[OWN:.*]] = tile.region %[[PARTIALS]][%[[BLOCK]], %{{.*}}, %{{.*}}] sizes [1, 128, 256]
// CHECK-NEXT: tile.copy %[[ACC]], %[[OWN]]
// CHECK-NEXT: tile.signal %[[FLAGS]][%[[BLOCK]]] : <132xi32, global>
// CHECK: } {persistent}
func.func @gemm(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"},
                %B: !tile.buffer<?x?xf16, global> {tile.dims = ["K", "N"], tile.name = "B"},
                %C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  %M = tile.dim %A[0] : !tile.buffer<?x?xf16, global>
  %K = tile.dim %A[1] : !tile.buffer<?x?xf16, global>
  %N = tile.dim %B[1] : !tile.buffer<?x?xf16, global>
  %gx = arith.ceildivsi %N, %c256 : index
  %gy = arith.ceildivsi %M, %c128 : index
  %n = arith.ceildivsi %K, %c64 : index
  tile.launch grid(%gx, %gy) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x256xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    tile.use_swizzle 4
    tile.fill %c, %zero : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    tile.pipelined %k = %c0 to %n step %c1 num_stages(3) {
      %row = arith.muli %by, %c128 : index
      %col = arith.muli %k, %c64 : index
      %ra = tile.region %A[%row, %col] sizes [128, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<128x64xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %ra, %a : !tile.buffer<128x64xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
      %ncol = arith.muli %bx, %c256 : index
      %rb = tile.region %B[%col, %ncol] sizes [64, 256] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x256xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %rb, %b : !tile.buffer<64x256xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x256xf16, shared, #tile.swizzle<128>>
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>}
          : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x256xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    }
    %orow = arith.muli %by, %c128 : index
    %ocol = arith.muli %bx, %c256 : index
    %rc = tile.region %C[%orow, %ocol] sizes [128, 256] : !tile.buffer<?x?xf16, global> -> !tile.buffer<128x256xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %c, %rc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x256xf16, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}

// -----

// A k-loop that does more than accumulate (here it also adds the stage
// into a second fragment, state that a piece of a tile would lose) stays
// data-parallel: the launch keeps its persistent grid.
// CHECK-LABEL: func.func @not_only_accumulating
// CHECK-NOT: tile.alloc_global
// CHECK: %[[GRID:.*]] = arith.minsi %{{.*}}, %c132 : index
// CHECK: tile.launch grid(%[[GRID]])
// CHECK-NOT: tile.signal
func.func @not_only_accumulating(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"},
                %B: !tile.buffer<?x?xf16, global> {tile.dims = ["K", "N"], tile.name = "B"},
                %C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  %M = tile.dim %A[0] : !tile.buffer<?x?xf16, global>
  %K = tile.dim %A[1] : !tile.buffer<?x?xf16, global>
  %N = tile.dim %B[1] : !tile.buffer<?x?xf16, global>
  %gx = arith.ceildivsi %N, %c256 : index
  %gy = arith.ceildivsi %M, %c128 : index
  %n = arith.ceildivsi %K, %c64 : index
  tile.launch grid(%gx, %gy) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x256xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    %d = tile.alloc : !tile.buffer<128x64xf16, fragment>
    tile.use_swizzle 4
    tile.fill %c, %zero : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    tile.pipelined %k = %c0 to %n step %c1 num_stages(3) {
      %row = arith.muli %by, %c128 : index
      %col = arith.muli %k, %c64 : index
      %ra = tile.region %A[%row, %col] sizes [128, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<128x64xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %ra, %a : !tile.buffer<128x64xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
      %ncol = arith.muli %bx, %c256 : index
      %rb = tile.region %B[%col, %ncol] sizes [64, 256] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x256xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %rb, %b : !tile.buffer<64x256xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x256xf16, shared, #tile.swizzle<128>>
      tile.copy %a, %d : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf16, fragment>
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>}
          : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x256xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    }
    %orow = arith.muli %by, %c128 : index
    %ocol = arith.muli %bx, %c256 : index
    %rc = tile.region %C[%orow, %ocol] sizes [128, 256] : !tile.buffer<?x?xf16, global> -> !tile.buffer<128x256xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %c, %rc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x256xf16, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}
