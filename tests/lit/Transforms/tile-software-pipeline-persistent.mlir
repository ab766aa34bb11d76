// RUN: tile-opt %s --split-input-file --tile-software-pipeline="warp-specialize=true persistent=true sm-count=132" | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-software-pipeline="warp-specialize=true" | FileCheck %s --check-prefix=PLAIN

// A GEMM-like launch whose stages (3 x 48 KB) and staged epilogue (64 KB)
// take an SM's shared memory becomes persistent: the grid is min(tiles,
// 132), producer and consumers each loop over the block's
// tiles (from its block index, a grid apart) carrying the pipelined
// iterations modulo 6 (two rounds of the 3 stages), from which stages and
// phases count on 32 bits. The tile's indices
// follow T.use_swizzle's panels; the code before the loop runs per tile
// (the fill on the consumers only), the code after it on the consumers,
// with the indices computed again.
// CHECK-LABEL: func.func @gemm
// CHECK: %[[TILES:.*]] = arith.muli %[[GX:.*]], %[[GY:.*]] : index
// CHECK: %[[GRID:.*]] = arith.minsi %[[TILES]], %c132 : index
// CHECK: tile.launch grid(%[[GRID]]) threads(256) {
// CHECK-NEXT: ^bb0(%[[BLOCK:.*]]: index, %{{.*}}: index, %{{.*}}: index):
// CHECK-NOT: tile.use_swizzle
// CHECK: tile.warp_specialize producer {
// CHECK-NEXT: %{{.*}} = scf.for %[[T:.*]] = %[[BLOCK]] to %[[TILES]] step %[[GRID]] iter_args(%[[BASE:.*]] = %{{.*}}) -> (index) {
// CHECK: %[[PANEL:.*]] = arith.muli %c4{{.*}}, %[[GY]] : index
// CHECK-NOT: tile.fill
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %[[N:.*]] step %{{.*}} {
// CHECK: %[[LOCAL:.*]] = arith.divui
// CHECK-NEXT: %[[LOCAL32:.*]] = arith.index_castui %[[LOCAL]] : index to i32
// CHECK-NEXT: %[[BASE32:.*]] = arith.index_castui %[[BASE]] : index to i32
// CHECK-NEXT: %[[IT:.*]] = arith.addi %[[LOCAL32]], %[[BASE32]] : i32
// CHECK-NEXT: %{{.*}} = arith.constant 3 : i32
// CHECK-NEXT: %[[S32:.*]] = arith.remui %[[IT]]
// CHECK-NEXT: %[[S:.*]] = arith.index_castui %[[S32]] : i32 to index
// CHECK: tile.barrier_wait %{{.*}}[%[[S]]]
// CHECK: tile.copy_async
// CHECK: }
// CHECK: %[[TRIPS:.*]] = arith.ceildivsi
// CHECK-NEXT: %[[C6:.*]] = arith.constant 6 : index
// CHECK-NEXT: %[[SUM:.*]] = arith.addi %[[BASE]], %[[TRIPS]] : index
// CHECK-NEXT: %[[NEXT:.*]] = arith.remui %[[SUM]], %[[C6]] : index
// CHECK-NEXT: scf.yield %[[NEXT]] : index
// CHECK: } consumers {
// CHECK-NEXT: %{{.*}} = scf.for %{{.*}} = %[[BLOCK]] to %[[TILES]] step %[[GRID]] iter_args(%[[CBASE:.*]] = %{{.*}}) -> (index) {
// CHECK: tile.fill
// CHECK: scf.for
// CHECK: arith.index_castui %[[CBASE]] : index to i32
// CHECK: tile.gemm
// CHECK: tile.barrier_arrive
// CHECK: }
// CHECK: arith.muli %c4{{.*}}, %[[GY]] : index
// CHECK: tile.copy %{{.*}}, %{{.*}} : <128x256xf32, fragment, #tile.wgmma<2>>, <128x256xf16, global, #tile.window<?x?, dims [0, 1]>>
// CHECK: scf.yield
// CHECK: } {persistent}
// CHECK-NEXT: }
// CHECK-NEXT: return

// Without the option the launch keeps its grid.
// PLAIN-LABEL: func.func @gemm
// PLAIN: tile.launch grid(%{{.*}}, %{{.*}}) threads(256)
// PLAIN: tile.use_swizzle 4
// PLAIN-NOT: persistent
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

// The loop's bound comes from memory (a per-block length): the producer
// could not compute it without loading, so the launch keeps its grid
// (although its three 64 KB stages take an SM's shared memory).
// CHECK-LABEL: func.func @bound_from_memory
// CHECK: tile.launch grid(%{{.*}}) threads(512)
// CHECK: tile.warp_specialize producer
// CHECK-NOT: persistent
func.func @bound_from_memory(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"},
                             %L: !tile.buffer<?xi32, global> {tile.dims = ["M"], tile.name = "L"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %M = tile.dim %A[0] : !tile.buffer<?x?xf16, global>
  tile.launch grid(%M) threads(512) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<256x256xf32, fragment, #tile.wgmma<4>>
    %len = tile.load %L[%bx] : !tile.buffer<?xi32, global>
    %lenx = arith.index_cast %len : i32 to index
    tile.pipelined %k = %c0 to %lenx step %c1 num_stages(3) {
      %col = arith.muli %k, %c64 : index
      %ra = tile.region %A[%c0, %col] sizes [256, 128] : !tile.buffer<?x?xf16, global> -> !tile.buffer<256x128xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %ra, %a : !tile.buffer<256x128xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>
      tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>, transpose_b}
          : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<256x256xf32, fragment, #tile.wgmma<4>>
    }
  }
  return
}

// -----

// Stages that leave room for a second block (3 x 16 KB here) keep the
// grid: registers, unknown here, might let two blocks share an SM, and a
// grid of one block an SM would then leave half of them waiting.
// CHECK-LABEL: func.func @small_stages
// CHECK: tile.launch grid(%{{.*}}) threads(128)
// CHECK-NOT: persistent
func.func @small_stages(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %K = tile.dim %A[1] : !tile.buffer<?x?xf16, global>
  %n = arith.ceildivsi %K, %c64 : index
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.pipelined %k = %c0 to %n step %c1 num_stages(3) {
      %col = arith.muli %k, %c64 : index
      %ra = tile.region %A[%c0, %col] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %ra, %a : !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
      tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    }
  }
  return
}

// -----

// The same with the loop's bound from the shapes: persistent. The load
// before the loop (and what computes from it) runs on the consumers only.
// CHECK-LABEL: func.func @load_before_loop
// CHECK: tile.warp_specialize producer {
// CHECK-NOT: tile.load
// CHECK: } consumers {
// CHECK: tile.load
// CHECK-NEXT: arith.index_cast
// CHECK: } {persistent}
func.func @load_before_loop(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"},
                             %L: !tile.buffer<?xi32, global> {tile.dims = ["M"], tile.name = "L"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %M = tile.dim %A[0] : !tile.buffer<?x?xf16, global>
  tile.launch grid(%M) threads(512) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<256x256xf32, fragment, #tile.wgmma<4>>
    %len = tile.load %L[%bx] : !tile.buffer<?xi32, global>
    %lenx = arith.index_cast %len : i32 to index
    tile.pipelined %k = %c0 to %M step %c1 num_stages(3) {
      %col = arith.muli %k, %c64 : index
      %ra = tile.region %A[%c0, %col] sizes [256, 128] : !tile.buffer<?x?xf16, global> -> !tile.buffer<256x128xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %ra, %a : !tile.buffer<256x128xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>
      tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>, transpose_b}
          : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<256x256xf32, fragment, #tile.wgmma<4>>
    }
  }
  return
}
