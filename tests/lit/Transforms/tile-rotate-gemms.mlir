// RUN: tile-opt %s --split-input-file --tile-rotate-gemms | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-rotate-gemms="setmaxnreg=true" | FileCheck %s --check-prefix=MOVED

// The consumers' loop of attention: Q K_j^T on stage j's K, the softmax,
// P V_j on stage j's V, V's release. P is zeroed before the loop; each
// iteration issues its Q K^T, then the previous iteration's P V (on stage
// max(j-1, 0): the first iteration multiplies the zeroed P by its own V)
// with the waits for that stage and its release (not in the first
// iteration), then its softmax; the last P V follows the loop.
// CHECK-LABEL: func.func @attention
// CHECK: } consumers {
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK-NEXT: tile.fill %[[P:.*]], %[[ZERO]] : <128x64xf16, fragment, #tile.wgmma<2>>
// CHECK-NEXT: scf.for %[[J:.*]] = %[[LB:.*]] to %{{.*}} step %[[STEP:.*]] {
// CHECK-NEXT: %[[NOT_FIRST:.*]] = arith.cmpi sgt, %[[J]], %[[LB]] : index
// CHECK-NEXT: %[[JM1:.*]] = arith.subi %[[J]], %[[STEP]] : index
// CHECK-NEXT: %[[PREV:.*]] = arith.select %[[NOT_FIRST]], %[[JM1]], %[[LB]] : index
// CHECK-NEXT: %[[STAGE:.*]] = arith.remui %[[J]], %c2
// CHECK-NEXT: tile.barrier_wait %[[FULL_K:.*]][%[[STAGE]]]
// CHECK: tile.gemm %{{.*}}, %{{.*}}, %[[S:.*]] {clear_accum
// CHECK-NEXT: %[[PREV_STAGE:.*]] = arith.remui %[[PREV]], %c2
// CHECK-NEXT: %[[V:.*]] = tile.region %{{.*}}[%[[PREV_STAGE]], %c0, %c0]
// CHECK-NEXT: tile.barrier_wait %[[FULL_V:.*]][%[[PREV_STAGE]]]
// CHECK-NEXT: tile.gemm %[[P]], %[[V]], %[[O:.*]] {policy
// CHECK-NEXT: scf.if %[[NOT_FIRST]] {
// CHECK-NEXT: tile.barrier_arrive %[[EMPTY_V:.*]][%[[PREV_STAGE]]]
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: tile.barrier_arrive %[[EMPTY_K:.*]][%[[STAGE]]]
// CHECK-NEXT: tile.reduce max %[[S]]
// CHECK-NEXT: tile.copy %[[S]], %[[P]]
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: %[[ANY:.*]] = arith.cmpi slt, %[[LB]], %{{.*}} : index
// CHECK-NEXT: scf.if %[[ANY]] {
// CHECK: tile.barrier_wait %[[FULL_V]]
// CHECK: tile.gemm %[[P]], %{{.*}}, %[[O]] {policy
// CHECK-NEXT: tile.barrier_arrive %[[EMPTY_V]]
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: {{^ *}}}{{$}}
// Its fragments take 81 registers a thread: rotated in 168 as in 224.
// MOVED-LABEL: func.func @attention
// MOVED: tile.fill
// MOVED-LABEL: func.func @one_stage
func.func @attention() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %ks = tile.alloc {staged} : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %vs = tile.alloc {staged} : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %p = tile.alloc : !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>
    %o = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %m = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    %full_k = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty_k = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %full_v = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty_v = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    tile.warp_specialize producer {
      scf.for %j = %c0 to %c8 step %c1 {
        %stage = arith.remui %j, %c2 : index
        tile.barrier_wait %empty_k[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
        tile.barrier_wait %empty_v[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
      }
    } consumers {
      scf.for %j = %c0 to %c8 step %c1 {
        %stage = arith.remui %j, %c2 : index
        tile.barrier_wait %full_k[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
        %k = tile.region %ks[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
        tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.barrier_arrive %empty_k[%stage] : !tile.buffer<2xi64, shared>
        tile.reduce max %s, %m dim(1) : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
        tile.copy %s, %p : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>
        %v = tile.region %vs[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
        tile.barrier_wait %full_v[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
        tile.gemm %p, %v, %o {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.barrier_arrive %empty_v[%stage] : !tile.buffer<2xi64, shared>
      }
    }
  }
  return
}

// -----

// One stage: the head of iteration j waits for the stage that the moved
// tail of iteration j-1 releases. Not rotated.
// CHECK-LABEL: func.func @one_stage
// CHECK-NOT: tile.fill
// CHECK: scf.for
// CHECK: tile.gemm %{{.*}}, %{{.*}}, %{{.*}} {clear_accum
// CHECK: tile.reduce
// CHECK: tile.gemm
// CHECK-NEXT: tile.barrier_arrive
// CHECK-NEXT: {{^ *}}}{{$}}
func.func @one_stage() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    %full = tile.alloc {mbarriers} : !tile.buffer<1xi64, shared>
    %empty = tile.alloc {arrivals = 128 : i64, mbarriers} : !tile.buffer<1xi64, shared>
    scf.for %j = %c0 to %c8 step %c1 {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<1xi64, shared>
      tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.reduce max %s, %m dim(1) : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      tile.copy %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
      tile.gemm %p, %k, %o {policy = #tile<gemm_policy full_row>}
          : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<1xi64, shared>
    }
  }
  return
}

// -----

// The tail reads what the head writes (the first gemm accumulates into the
// second's A), and P is read after the loop: either keeps the loop as it is.
// CHECK-LABEL: func.func @tail_reads_head
// CHECK-NOT: tile.fill
// CHECK: scf.for
// CHECK: tile.gemm
// CHECK: tile.reduce
// CHECK: tile.gemm
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-LABEL: func.func @a_used_after
// CHECK-NOT: tile.fill
// CHECK: scf.for
// CHECK: tile.reduce
// CHECK: tile.gemm
// CHECK-NEXT: {{^ *}}}{{$}}
func.func @tail_reads_head() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    scf.for %j = %c0 to %c8 step %c1 {
      tile.gemm %q, %k, %s {policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.reduce max %s, %m dim(1) : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      tile.gemm %q, %k, %s {policy = #tile<gemm_policy full_row>}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    }
  }
  return
}

func.func @a_used_after(%out: !tile.buffer<64x64xf16, global> {tile.name = "out"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    scf.for %j = %c0 to %c8 step %c1 {
      tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.reduce max %s, %m dim(1) : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      tile.copy %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
      tile.gemm %p, %k, %o {policy = #tile<gemm_policy full_row>}
          : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    }
    tile.copy %p, %out : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, global>
  }
  return
}

// -----

// Registers: S, P and O of a 128x128 tile on two warpgroups take 161
// registers a thread; with the headroom that exceeds the 168 a thread of a
// block of 256 consumers and a producer warpgroup: not rotated unless
// registers move to the consumers (MOVED, 224), which they do where the
// block has the SM to itself (here by its shared memory: 128 KiB, three
// stages).
// CHECK-LABEL: func.func @too_many_registers
// CHECK-NOT: tile.fill
// MOVED-LABEL: func.func @too_many_registers
// MOVED: tile.fill
func.func @too_many_registers() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<128x128xf16, shared, #tile.swizzle<128>>
    %ks = tile.alloc {staged} : !tile.buffer<3x128x128xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<128x128xf32, fragment, #tile.wgmma<2>>
    %p = tile.alloc : !tile.buffer<128x128xf16, fragment, #tile.wgmma<2>>
    %o = tile.alloc : !tile.buffer<128x128xf32, fragment, #tile.wgmma<2>>
    %m = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    %full = tile.alloc {mbarriers} : !tile.buffer<3xi64, shared>
    %empty = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<3xi64, shared>
    tile.warp_specialize producer {
      scf.for %j = %c0 to %c8 step %c1 {
        %stage = arith.remui %j, %c3 : index
        tile.barrier_wait %empty[%stage] phase(%c0) : !tile.buffer<3xi64, shared>
      }
    } consumers {
      scf.for %j = %c0 to %c8 step %c1 {
        %stage = arith.remui %j, %c3 : index
        tile.barrier_wait %full[%stage] phase(%c0) : !tile.buffer<3xi64, shared>
        %k = tile.region %ks[%stage, %c0, %c0] sizes [1, 128, 128] : !tile.buffer<3x128x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<3x128x128, dims [1, 2]>>
        tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
            : !tile.buffer<128x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<3x128x128, dims [1, 2]>>, !tile.buffer<128x128xf32, fragment, #tile.wgmma<2>>
        tile.reduce max %s, %m dim(1) : !tile.buffer<128x128xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
        tile.copy %s, %p : !tile.buffer<128x128xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x128xf16, fragment, #tile.wgmma<2>>
        tile.gemm %p, %k, %o {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x128xf16, fragment, #tile.wgmma<2>>, !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<3x128x128, dims [1, 2]>>, !tile.buffer<128x128xf32, fragment, #tile.wgmma<2>>
        tile.barrier_arrive %empty[%stage] : !tile.buffer<3xi64, shared>
      }
    }
  }
  return
}

// -----

// The body loads the tail's B itself (no producer): in the first iteration
// the moved gemm would read a V not loaded yet. Not rotated.
// CHECK-LABEL: func.func @b_loaded_in_body
// CHECK-NOT: tile.fill
// CHECK: scf.for
// CHECK: tile.copy %arg0, %[[V:.*]] :
// CHECK-NEXT: tile.gemm %{{.*}}, %[[V]]
// CHECK-NEXT: {{^ *}}}{{$}}
func.func @b_loaded_in_body(%Vg: !tile.buffer<64x64xf16, global> {tile.name = "V"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %v = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    scf.for %j = %c0 to %c8 step %c1 {
      tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.reduce max %s, %m dim(1) : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      tile.copy %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
      tile.copy %Vg, %v : !tile.buffer<64x64xf16, global>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
      tile.gemm %p, %v, %o {policy = #tile<gemm_policy full_row>}
          : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    }
  }
  return
}
