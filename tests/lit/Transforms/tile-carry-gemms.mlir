// RUN: tile-opt %s --split-input-file --tile-carry-gemms | FileCheck %s

// The consumers' loop of a GEMM: wait for stage s, multiply, release it.
// Iteration k releases iteration k-1's stage after issuing its own gemm
// (marked of_previous_iteration; the first iteration releases nothing), and
// the last iteration's stage is released after the loop.
// CHECK-LABEL: func.func @gemm
// CHECK: } consumers {
// CHECK-NEXT: scf.for %[[K:.*]] = %[[LB:.*]] to %[[UB:.*]] step %[[STEP:.*]] {
// CHECK-NEXT: %[[STAGE:.*]] = arith.remui %[[K]], %c3
// CHECK-NEXT: tile.barrier_wait %[[FULL:.*]][%[[STAGE]]]
// CHECK-NEXT: %[[A:.*]] = tile.region
// CHECK-NEXT: %[[B:.*]] = tile.region
// CHECK-NEXT: tile.gemm %[[A]], %[[B]], %[[C:.*]] {policy
// CHECK-NEXT: %[[NOT_FIRST:.*]] = arith.cmpi sgt, %[[K]], %[[LB]] : index
// CHECK-NEXT: %[[KM1:.*]] = arith.subi %[[K]], %[[STEP]] : index
// CHECK-NEXT: %[[PREV:.*]] = arith.select %[[NOT_FIRST]], %[[KM1]], %[[LB]] : index
// CHECK-NEXT: %[[PREV_STAGE:.*]] = arith.remui %[[PREV]], %c3
// CHECK-NEXT: scf.if %[[NOT_FIRST]] {
// CHECK-NEXT: tile.barrier_arrive %[[EMPTY:.*]][%[[PREV_STAGE]]] of_previous_iteration
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: %[[ANY:.*]] = arith.cmpi slt, %[[LB]], %[[UB]] : index
// CHECK-NEXT: scf.if %[[ANY]] {
// CHECK: %[[LAST:.*]] = arith.addi %[[LB]], %{{.*}} : index
// CHECK-NEXT: %[[LAST_STAGE:.*]] = arith.remui %[[LAST]], %c3
// CHECK-NEXT: tile.barrier_arrive %[[EMPTY]][%[[LAST_STAGE]]] :
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: tile.copy %[[C]]
func.func @gemm() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %as = tile.alloc {staged} : !tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>>
    %bs = tile.alloc {staged} : !tile.buffer<3x64x256xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    %out = tile.alloc : !tile.buffer<128x256xf16, shared, #tile.swizzle<128>>
    %full = tile.alloc {mbarriers} : !tile.buffer<3xi64, shared>
    %empty = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<3xi64, shared>
    tile.warp_specialize producer {
      scf.for %k = %c0 to %c8 step %c1 {
        %stage = arith.remui %k, %c3 : index
        tile.barrier_wait %empty[%stage] phase(%c0) : !tile.buffer<3xi64, shared>
      }
    } consumers {
      scf.for %k = %c0 to %c8 step %c1 {
        %stage = arith.remui %k, %c3 : index
        tile.barrier_wait %full[%stage] phase(%c0) : !tile.buffer<3xi64, shared>
        %a = tile.region %as[%stage, %c0, %c0] sizes [1, 128, 64] : !tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>
        %b = tile.region %bs[%stage, %c0, %c0] sizes [1, 64, 256] : !tile.buffer<3x64x256xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x256xf16, shared, #tile.swizzle<128>, #tile.window<3x64x256, dims [1, 2]>>
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>, !tile.buffer<64x256xf16, shared, #tile.swizzle<128>, #tile.window<3x64x256, dims [1, 2]>>, !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
        tile.barrier_arrive %empty[%stage] : !tile.buffer<3xi64, shared>
      }
      tile.copy %c, %out : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x256xf16, shared, #tile.swizzle<128>>
    }
  }
  return
}

// -----

// Left alone: one stage (the next iteration would wait for the stage the
// previous one still holds), a gemm that clears its accumulator, and a
// loop with other work after its gemm.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: of_previous_iteration
// CHECK: return
func.func @left_alone() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a1 = tile.alloc : !tile.buffer<1x64x64xf16, shared, #tile.swizzle<128>>
    %b1 = tile.alloc : !tile.buffer<1x64x64xf16, shared, #tile.swizzle<128>>
    %as = tile.alloc : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %bs = tile.alloc : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %one = tile.alloc {mbarriers} : !tile.buffer<1xi64, shared>
    %two = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    scf.for %k = %c0 to %c8 step %c1 {
      %a = tile.region %a1[%c0, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<1x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<1x64x64, dims [1, 2]>>
      %b = tile.region %b1[%c0, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<1x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<1x64x64, dims [1, 2]>>
      tile.barrier_wait %one[%c0] phase(%c0) : !tile.buffer<1xi64, shared>
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<1x64x64, dims [1, 2]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<1x64x64, dims [1, 2]>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.barrier_arrive %one[%c0] : !tile.buffer<1xi64, shared>
    }
    scf.for %k = %c0 to %c8 step %c1 {
      %stage = arith.remui %k, %c2 : index
      %a = tile.region %as[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
      %b = tile.region %bs[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
      tile.barrier_wait %two[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
      tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.barrier_arrive %two[%stage] : !tile.buffer<2xi64, shared>
    }
    scf.for %k = %c0 to %c8 step %c1 {
      %stage = arith.remui %k, %c2 : index
      %a = tile.region %as[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
      %b = tile.region %bs[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
      tile.barrier_wait %two[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.barrier_arrive %two[%stage] : !tile.buffer<2xi64, shared>
      tile.fill %c, %zero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    }
  }
  return
}
