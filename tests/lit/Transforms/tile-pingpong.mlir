// RUN: tile-opt %s --split-input-file --tile-pingpong | FileCheck %s

// Two consumer warpgroups, a loop of gemm, other work, gemm: the first gemm
// is bracketed by a wait for the warpgroup's turn and a hand-over (the
// second runs freely); the loop by start and finish. The stage barriers
// stay outside the turn.
// CHECK-LABEL: func.func @attention
// CHECK: } consumers {
// CHECK-NEXT: tile.warpgroup_turn start
// CHECK-NEXT: scf.for
// CHECK-NEXT: tile.barrier_wait
// CHECK-NEXT: tile.warpgroup_turn wait
// CHECK-NEXT: tile.gemm %{{.*}}, %{{.*}}, %[[S:.*]] {clear_accum
// CHECK-NEXT: tile.warpgroup_turn pass
// CHECK-NEXT: tile.reduce max %[[S]]
// CHECK: tile.copy %[[S]], %[[P:.*]] :
// CHECK-NEXT: tile.gemm %[[P]]
// CHECK-NEXT: tile.barrier_arrive
// CHECK-NEXT: }
// CHECK-NEXT: tile.warpgroup_turn finish
// CHECK-NEXT: }
func.func @attention() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %p = tile.alloc : !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>
    %o = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %m = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    %bars = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    tile.warp_specialize producer {
      scf.for %i = %c0 to %c4 step %c1 {
        tile.barrier_wait %bars[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      }
    } consumers {
      scf.for %i = %c0 to %c4 step %c1 {
        tile.barrier_wait %bars[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
        tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.reduce max %s, %m dim(1) : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
        tile.copy %s, %p : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>
        tile.gemm %p, %k, %o {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.barrier_arrive %bars[%c0] : !tile.buffer<2xi64, shared>
      }
    }
  }
  return
}

// -----

// Back-to-back gemms with only pure code and a warpgroup barrier between
// them take one turn; a barrier of the whole block ends it (the other
// warpgroup, waiting for the turn, could not reach that barrier), and the
// gemm after it runs freely.
// CHECK-LABEL: func.func @runs
// CHECK: tile.warpgroup_turn wait
// CHECK-NEXT: tile.gemm
// CHECK-NEXT: arith.addi
// CHECK-NEXT: tile.barrier {warpgroup}
// CHECK-NEXT: tile.gemm
// CHECK-NEXT: tile.warpgroup_turn pass
// CHECK-NEXT: tile.barrier{{$}}
// CHECK-NEXT: tile.gemm
// CHECK-NEXT: tile.fill
func.func @runs() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    tile.warp_specialize producer {
      tile.barrier
    } consumers {
      scf.for %i = %c0 to %c4 step %c1 {
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        %j = arith.addi %i, %c1 : index
        tile.barrier {warpgroup}
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.barrier
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.fill %c, %zero : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
      }
    }
  }
  return
}

// -----

// Left alone: a GEMM's loop (nothing but the gemm to overlap), one
// consumer warpgroup, a gemm under a branch, gemms on mma.sync.
// CHECK-LABEL: func.func @gemm_only
// CHECK-NOT: warpgroup_turn
// CHECK-LABEL: func.func @one_warpgroup
// CHECK-NOT: warpgroup_turn
// CHECK-LABEL: func.func @branch
// CHECK-NOT: warpgroup_turn
// CHECK-LABEL: func.func @mma_sync
// CHECK-NOT: warpgroup_turn
func.func @gemm_only() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %bars = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    tile.warp_specialize producer {
      tile.barrier
    } consumers {
      scf.for %i = %c0 to %c4 step %c1 {
        tile.barrier_wait %bars[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.barrier_arrive %bars[%c0] : !tile.buffer<2xi64, shared>
      }
    }
  }
  return
}
func.func @one_warpgroup() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.warp_specialize producer {
      tile.barrier
    } consumers {
      scf.for %i = %c0 to %c4 step %c1 {
        tile.gemm %a, %a, %c {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
        tile.fill %c, %zero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      }
    }
  }
  return
}
func.func @branch(%flag: i1) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    tile.warp_specialize producer {
      tile.barrier
    } consumers {
      scf.for %i = %c0 to %c4 step %c1 {
        scf.if %flag {
          tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>}
              : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        }
        tile.fill %c, %zero : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
      }
    }
  }
  return
}
func.func @mma_sync() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2, mma_sync>>
    tile.warp_specialize producer {
      tile.barrier
    } consumers {
      scf.for %i = %c0 to %c4 step %c1 {
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2, mma_sync>>
        tile.fill %c, %zero : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2, mma_sync>>
      }
    }
  }
  return
}
