// RUN: tile-opt %s --split-input-file --tile-software-pipeline | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-software-pipeline="warp-specialize=true" | FileCheck %s --check-prefix=WS

// Three stages: the shared tiles get a leading stage dimension (layout
// kept), two iterations' copies are issued before the loop, and each
// iteration issues the copies of the iteration two ahead, waits for its own
// group, and runs the rest of the body on its stage.
// CHECK-LABEL: func.func @gemm
// CHECK: %[[A:.*]] = tile.alloc {staged} : <3x64x64xf16, shared, #tile.swizzle<128>>
// CHECK-NOT: tile.alloc : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK: %[[BARS:.*]] = tile.alloc {mbarriers} : <3xi64, shared>
// Prologue: iterations 0 and 1 into stages 0 and 1, if they exist.
// CHECK: scf.if
// CHECK: %[[R0:.*]] = tile.region %[[A]][%[[S0:c0[_0-9]*]], %{{.*}}, %{{.*}}] sizes [1, 64, 64] : <3x64x64xf16, shared, #tile.swizzle<128>> -> <64x64xf16, shared, #tile.swizzle<128>, #tile.window<3x64x64, dims [1, 2]>>
// CHECK: tile.copy_async %{{.*}}, %[[R0]], %[[BARS]][%[[S0]]]
// CHECK: tile.async_commit %[[BARS]][%[[S0]]]
// CHECK: scf.if
// CHECK: tile.copy_async
// CHECK: tile.async_commit
// CHECK: scf.for %[[IV:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// Iteration i + 2 goes to stage (i + 2) mod 3, computed on 32 bits.
// CHECK: %[[AHEADIT:.*]] = arith.index_castui %{{.*}} : index to i32
// CHECK: %[[AHEADREM:.*]] = arith.remui %[[AHEADIT]], %c3_i32{{.*}} : i32
// CHECK-NEXT: %[[AHEADSTAGE:.*]] = arith.index_castui %[[AHEADREM]] : i32 to index
// CHECK: %[[AHEAD:.*]] = arith.addi %[[IV]], %{{.*}} : index
// CHECK: %[[EXISTS:.*]] = arith.cmpi slt, %[[AHEAD]], %{{.*}} : index
// CHECK: scf.if %[[EXISTS]] {
// CHECK: tile.copy_async {{.*}}, %[[BARS]][%[[AHEADSTAGE]]]
// CHECK: }
// CHECK: tile.async_commit %[[BARS]][%[[AHEADSTAGE]]] : <3xi64, shared>
// CHECK: %[[STAGE32:.*]] = arith.remui %[[IT:.*]], %c3_i32{{.*}} : i32
// CHECK-NEXT: %[[STAGE:.*]] = arith.index_castui %[[STAGE32]] : i32 to index
// CHECK-NEXT: %[[ROUND32:.*]] = arith.divui %[[IT]], %c3_i32{{.*}} : i32
// CHECK-NEXT: %[[ROUND:.*]] = arith.index_castui %[[ROUND32]] : i32 to index
// CHECK: %[[PHASE:.*]] = arith.remui %[[ROUND]], %c2{{.*}} : index
// CHECK: tile.async_wait %[[BARS]][%[[STAGE]]] phase(%[[PHASE]]) pending(2) : <3xi64, shared>
// CHECK: %[[CUR:.*]] = tile.region %[[A]][%[[STAGE]], %{{.*}}, %{{.*}}] sizes [1, 64, 64]
// CHECK-NOT: tile.copy
// CHECK: tile.gemm %[[CUR]], %[[CUR]], %{{.*}}
// CHECK-NOT: tile.pipelined
// With warp-specialize: a producer warpgroup waits until the consumers
// released stage i mod 3 (parity of the round + 1: round 0 passes at once),
// issues the copies and commits them on the stage's full barrier; the
// consumers wait for the full barrier (parity of the round), run the gemm
// on the stage and release it on the empty barrier (128 arrivals).
// WS-LABEL: func.func @gemm
// WS: %[[A:.*]] = tile.alloc {staged} : <3x64x64xf16, shared, #tile.swizzle<128>>
// WS: %[[FULL:.*]] = tile.alloc {mbarriers} : <3xi64, shared>
// WS: %[[EMPTY:.*]] = tile.alloc {arrivals = 128 : i64, mbarriers} : <3xi64, shared>
// WS: tile.warp_specialize producer {
// WS: scf.for %[[IV:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// WS: %[[S32:.*]] = arith.remui %[[IT:.*]], %c3_i32{{.*}} : i32
// WS-NEXT: %[[S:.*]] = arith.index_castui %[[S32]] : i32 to index
// WS-NEXT: %[[ROUND32:.*]] = arith.divui %[[IT]], %c3_i32{{.*}} : i32
// WS-NEXT: %[[ROUND:.*]] = arith.index_castui %[[ROUND32]] : i32 to index
// WS: %[[NEXT:.*]] = arith.addi %[[ROUND]], %c1{{.*}} : index
// WS: %[[FREE:.*]] = arith.remui %[[NEXT]], %c2{{.*}} : index
// WS: tile.barrier_wait %[[EMPTY]][%[[S]]] phase(%[[FREE]])
// WS: tile.copy_async %{{.*}}, %{{.*}}, %[[FULL]][%[[S]]]
// WS: tile.async_commit %[[FULL]][%[[S]]]
// WS: } consumers {
// WS: scf.for
// WS: %[[CS32:.*]] = arith.remui %[[CIT:.*]], %c3_i32{{.*}} : i32
// WS-NEXT: %[[CS:.*]] = arith.index_castui %[[CS32]] : i32 to index
// WS-NEXT: %[[CROUND32:.*]] = arith.divui %[[CIT]], %c3_i32{{.*}} : i32
// WS-NEXT: %[[CROUND:.*]] = arith.index_castui %[[CROUND32]] : i32 to index
// WS: %[[PHASE:.*]] = arith.remui %[[CROUND]], %c2{{.*}} : index
// WS: tile.barrier_wait %[[FULL]][%[[CS]]] phase(%[[PHASE]])
// WS: %[[CUR:.*]] = tile.region %[[A]][%[[CS]], %{{.*}}, %{{.*}}] sizes [1, 64, 64]
// WS: tile.gemm %[[CUR]], %[[CUR]]
// WS: tile.barrier_arrive %[[EMPTY]][%[[CS]]]
// A shared tile read after the loop keeps the plain loop either way.
// WS-LABEL: func.func @used_after
// WS-NOT: warp_specialize
func.func @gemm(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %K = tile.dim %A[1] : !tile.buffer<?x?xf16, global>
  %n = arith.ceildivsi %K, %c64 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.pipelined %k = %c0 to %n step %c1 num_stages(3) {
      %col = arith.muli %k, %c64 : index
      %r = tile.region %A[%c0, %col] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %r, %a : !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
      tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>, transpose_b}
          : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment>
    }
  }
  return
}

// -----

// A shared tile also read after the loop, or a single stage, keeps the
// plain loop.
// CHECK-LABEL: func.func @used_after
// CHECK: tile.pipelined
// CHECK: tile.copy %{{.*}}, %{{.*}} : <64xf32, global, #tile.window<?, dims [0]>>, <64xf32, shared>
// CHECK-NOT: copy_async
// CHECK-LABEL: func.func @one_stage
// CHECK: tile.pipelined
// CHECK-NOT: copy_async
func.func @used_after(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    tile.pipelined %k = %c0 to %c4 step %c1 num_stages(2) {
      %r = tile.region %X[%k] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r, %s : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
    }
    %r = tile.region %X[%c0] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.copy %s, %r : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
  }
  return
}
func.func @one_stage(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    tile.pipelined %k = %c0 to %c4 step %c1 num_stages(1) {
      %r = tile.region %X[%k] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r, %s : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
      %v = tile.load %s[%c0] : !tile.buffer<64xf32, shared>
      tile.store %v, %r[%c0] : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    }
  }
  return
}

// -----

// A tile whose place comes from a tensor the kernel only reads (a
// block-sparse kernel's block indices) is loaded ahead: the index load runs
// with the copy, for the iteration the copy is for, and again in the body.
// CHECK-LABEL: func.func @gather
// CHECK: scf.if
// CHECK: %[[FIRST:.*]] = tile.load %{{.*}}[%{{.*}}] : <?xi32, global>
// CHECK: %[[FIRSTROW:.*]] = arith.index_cast %[[FIRST]]
// CHECK: tile.region %{{.*}}[%[[FIRSTROW]]] sizes [64]
// CHECK: tile.copy_async
// CHECK: scf.for %[[IV:.*]] =
// CHECK: %[[AHEAD:.*]] = arith.addi %[[IV]]
// CHECK: scf.if
// CHECK: tile.load %{{.*}}[%[[AHEAD]]] : <?xi32, global>
// CHECK: tile.copy_async
// CHECK: tile.async_wait
// CHECK: tile.load %{{.*}}[%[[IV]]] : <?xi32, global>
// CHECK-NOT: tile.pipelined
// An index tensor the kernel also writes keeps the plain loop.
// CHECK-LABEL: func.func @gather_written
// CHECK: tile.pipelined
// CHECK-NOT: copy_async
func.func @gather(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                  %I: !tile.buffer<?xi32, global> {tile.dims = ["n"], tile.name = "I"},
                  %Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    %acc = tile.alloc : !tile.buffer<64xf32, fragment>
    tile.pipelined %k = %c0 to %c4 step %c1 num_stages(2) {
      %block = tile.load %I[%k] : !tile.buffer<?xi32, global>
      %row = arith.index_cast %block : i32 to index
      %r = tile.region %X[%row] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r, %s : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
      tile.copy %s, %acc : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, fragment>
    }
    %out = tile.region %Y[%c0] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.copy %acc, %out : !tile.buffer<64xf32, fragment>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
  }
  return
}
func.func @gather_written(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                          %I: !tile.buffer<?xi32, global> {tile.dims = ["n"], tile.name = "I"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    tile.pipelined %k = %c0 to %c4 step %c1 num_stages(2) {
      %block = tile.load %I[%k] : !tile.buffer<?xi32, global>
      %row = arith.index_cast %block : i32 to index
      %r = tile.region %X[%row] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r, %s : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
      tile.store %zero, %I[%k] : !tile.buffer<?xi32, global>
    }
  }
  return
}

// -----

// The block to load chosen by a branch of such code (ReSA: a selected block
// or the dense tail's next one): the branch runs ahead with the copy, and a
// copy further down the body takes along what the branch uses from it.
// CHECK-LABEL: func.func @choose
// CHECK: scf.for %[[IV:.*]] =
// CHECK: %[[AHEAD:.*]] = arith.addi %[[IV]]
// CHECK: scf.if
// CHECK: %[[SELECTED:.*]] = arith.cmpi slt, %[[AHEAD]], %{{.*}} : index
// CHECK: %[[BLOCK:.*]] = scf.if %[[SELECTED]] -> (index) {
// CHECK: tile.load %{{.*}}[%[[AHEAD]]] : <?xi32, global>
// CHECK: tile.region %{{.*}}[%[[BLOCK]]] sizes [64]
// CHECK: tile.copy_async
// CHECK: %[[BLOCK2:.*]] = scf.if
// CHECK: tile.load %{{.*}}[%[[AHEAD]]] : <?xi32, global>
// CHECK: tile.region %{{.*}}[%[[BLOCK2]]] sizes [64]
// CHECK: tile.copy_async
// CHECK: tile.async_wait
// CHECK-NOT: tile.pipelined
func.func @choose(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                  %I: !tile.buffer<?xi32, global> {tile.dims = ["n"], tile.name = "I"},
                  %Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    %s2 = tile.alloc : !tile.buffer<64xf32, shared>
    %acc = tile.alloc : !tile.buffer<64xf32, fragment>
    tile.pipelined %k = %c0 to %c4 step %c1 num_stages(2) {
      %selected = arith.cmpi slt, %k, %c2 : index
      %block = scf.if %selected -> (index) {
        %b = tile.load %I[%k] : !tile.buffer<?xi32, global>
        %bi = arith.index_cast %b : i32 to index
        scf.yield %bi : index
      } else {
        scf.yield %k : index
      }
      %r = tile.region %X[%block] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r, %s : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
      tile.copy %s, %acc : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, fragment>
      %r2 = tile.region %Y[%block] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r2, %s2 : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
      tile.copy %s2, %acc : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, fragment>
    }
    %out = tile.region %Y[%c0] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.copy %acc, %out : !tile.buffer<64xf32, fragment>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
  }
  return
}

// -----

// With a producer warpgroup, the producer loads the block index for the
// copy it issues; the consumers load it again for their own use.
// WS-LABEL: func.func @gather_specialized
// WS: tile.warp_specialize producer {
// WS: scf.for %[[PIV:.*]] =
// WS: tile.barrier_wait
// WS: tile.load %{{.*}}[%[[PIV]]] : <?xi32, global>
// WS: tile.copy_async
// WS: } consumers {
// WS: scf.for %[[CIV:.*]] =
// WS: tile.barrier_wait
// WS: tile.load %{{.*}}[%[[CIV]]] : <?xi32, global>
// WS: tile.barrier_arrive
func.func @gather_specialized(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                              %I: !tile.buffer<?xi32, global> {tile.dims = ["n"], tile.name = "I"},
                              %Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    %acc = tile.alloc : !tile.buffer<128xf32, fragment>
    tile.pipelined %k = %c0 to %c4 step %c1 num_stages(2) {
      %block = tile.load %I[%k] : !tile.buffer<?xi32, global>
      %row = arith.index_cast %block : i32 to index
      %r = tile.region %X[%row] sizes [128] : !tile.buffer<?xf32, global> -> !tile.buffer<128xf32, global, #tile.window<?, dims [0]>>
      tile.copy %r, %s : !tile.buffer<128xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<128xf32, shared>
      %out = tile.region %Y[%row] sizes [128] : !tile.buffer<?xf32, global> -> !tile.buffer<128xf32, global, #tile.window<?, dims [0]>>
      tile.copy %s, %acc : !tile.buffer<128xf32, shared>, !tile.buffer<128xf32, fragment>
      tile.copy %acc, %out : !tile.buffer<128xf32, fragment>, !tile.buffer<128xf32, global, #tile.window<?, dims [0]>>
    }
  }
  return
}

// -----

// Tiles the body first uses in different ops (attention's K in Q K^T, V in
// P V) get barriers of their own: the producer waits for each group's
// release and commits its copies to the group's full barrier; the
// consumers wait for K before Q K^T and release it right after, and wait
// for V before P V and release it after. One group (both tiles first used
// by the same op) keeps one pair of barriers around the whole body.
// WS-LABEL: func.func @two_groups
// WS: %[[FULL_K:.*]] = tile.alloc {mbarriers} : <2xi64, shared>
// WS-NEXT: %[[EMPTY_K:.*]] = tile.alloc {arrivals = 128 : i64, mbarriers} : <2xi64, shared>
// WS-NEXT: %[[FULL_V:.*]] = tile.alloc {mbarriers} : <2xi64, shared>
// WS-NEXT: %[[EMPTY_V:.*]] = tile.alloc {arrivals = 128 : i64, mbarriers} : <2xi64, shared>
// WS: tile.warp_specialize producer {
// WS: tile.barrier_wait %[[EMPTY_K]]
// WS: tile.copy_async %{{.*}}, %{{.*}}, %[[FULL_K]]
// WS: tile.async_commit %[[FULL_K]]
// WS-NEXT: tile.barrier_wait %[[EMPTY_V]]
// WS: tile.copy_async %{{.*}}, %{{.*}}, %[[FULL_V]]
// WS: tile.async_commit %[[FULL_V]]
// WS: } consumers {
// WS: tile.barrier_wait %[[FULL_K]]
// WS-NEXT: tile.gemm %{{.*}}, %{{.*}}, %[[S:.*]] {clear_accum
// WS-NEXT: tile.barrier_arrive %[[EMPTY_K]]
// WS-NEXT: tile.copy %[[S]], %[[P:.*]] :
// WS: tile.barrier_wait %[[FULL_V]]
// WS-NEXT: tile.gemm %[[P]]
// WS-NEXT: tile.barrier_arrive %[[EMPTY_V]]
// WS-LABEL: func.func @one_group
// WS: tile.alloc {mbarriers}
// WS-NEXT: tile.alloc {arrivals = 128 : i64, mbarriers}
// WS-NOT: mbarriers
// WS: } consumers {
// WS: scf.for
// WS: tile.barrier_wait
// WS: tile.gemm
// WS-NEXT: tile.barrier_arrive
func.func @two_groups(%K: !tile.buffer<1024x64xf16, global> {tile.name = "K"},
                      %V: !tile.buffer<1024x64xf16, global> {tile.name = "V"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared>
    %v = tile.alloc : !tile.buffer<64x64xf16, shared>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.pipelined %j = %c0 to %c16 step %c1 num_stages(2) {
      %row = arith.muli %j, %c64 : index
      %kr = tile.region %K[%row, %c0] sizes [64, 64] : !tile.buffer<1024x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>
      tile.copy %kr, %k : !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
      %vr = tile.region %V[%row, %c0] sizes [64, 64] : !tile.buffer<1024x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>
      tile.copy %vr, %v : !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
      tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
      tile.copy %s, %p : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf16, fragment>
      tile.gemm %p, %v, %o {policy = #tile<gemm_policy full_row>}
          : !tile.buffer<64x64xf16, fragment>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    }
  }
  return
}

func.func @one_group(%A: !tile.buffer<1024x64xf16, global> {tile.name = "A"},
                     %B: !tile.buffer<1024x64xf16, global> {tile.name = "B"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.pipelined %j = %c0 to %c16 step %c1 num_stages(2) {
      %row = arith.muli %j, %c64 : index
      %ar = tile.region %A[%row, %c0] sizes [64, 64] : !tile.buffer<1024x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>
      tile.copy %ar, %a : !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
      %br = tile.region %B[%row, %c0] sizes [64, 64] : !tile.buffer<1024x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>
      tile.copy %br, %b : !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
      tile.gemm %a, %b, %c {policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    }
  }
  return
}

// -----

// A tile the launch copies from a read-only tensor before the loop and only
// the loop reads (attention's Q) is loaded by the producer ahead of the
// stages, on a barrier of its own; the consumers wait for it before their
// loop. A tile the loop writes (here %w) keeps its copy in place.
// WS-LABEL: func.func @leading_copy
// WS: %[[LEAD:.*]] = tile.alloc {mbarriers} : <1xi64, shared>
// WS: tile.copy %{{.*}}, %[[W:.*]] : <64x64xf16, global>, <64x64xf16, shared>
// WS-NEXT: tile.warp_specialize producer {
// WS-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// WS-NEXT: tile.copy_async %{{.*}}, %[[Q:.*]], %[[LEAD]][%[[ZERO]]] : <64x64xf16, global>, <64x64xf16, shared>, <1xi64, shared>
// WS-NEXT: tile.async_commit %[[LEAD]][%[[ZERO]]]
// WS-NEXT: scf.for
// WS: } consumers {
// WS: tile.barrier_wait %[[LEAD]][%{{.*}}] phase(%{{.*}})
// WS-NEXT: scf.for
// WS: tile.gemm %[[Q]]
func.func @leading_copy(%Q: !tile.buffer<64x64xf16, global> {tile.name = "Q"},
                        %W: !tile.buffer<64x64xf16, global> {tile.name = "W"},
                        %K: !tile.buffer<1024x64xf16, global> {tile.name = "K"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f16
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    %w = tile.alloc : !tile.buffer<64x64xf16, shared>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.copy %Q, %q : !tile.buffer<64x64xf16, global>, !tile.buffer<64x64xf16, shared>
    tile.copy %W, %w : !tile.buffer<64x64xf16, global>, !tile.buffer<64x64xf16, shared>
    tile.pipelined %j = %c0 to %c16 step %c1 num_stages(2) {
      %row = arith.muli %j, %c64 : index
      %kr = tile.region %K[%row, %c0] sizes [64, 64] : !tile.buffer<1024x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>
      tile.copy %kr, %k : !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
      tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
      tile.gemm %w, %k, %s {policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
      tile.fill %w, %zero : !tile.buffer<64x64xf16, shared>
    }
  }
  return
}

// -----

// A leading tile may be written after the loop (the backward's K tile,
// reused to stage dK): the code after the loop follows the consumers' wait.
// One that the launch reads before the loop (%p) keeps its copy in place.
// WS-LABEL: func.func @leading_copy_reused_after
// WS: %[[LEAD:.*]] = tile.alloc {mbarriers} : <1xi64, shared>
// WS: tile.copy %{{.*}}, %[[P:.*]] : <64x64xf16, global>, <64x64xf16, shared>
// WS-NEXT: tile.copy %[[P]], %{{.*}} : <64x64xf16, shared>, <64x64xf16, global>
// WS-NEXT: tile.warp_specialize producer {
// WS-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// WS-NEXT: tile.copy_async %{{.*}}, %[[K:.*]], %[[LEAD]][%[[ZERO]]] : <64x64xf16, global>, <64x64xf16, shared>, <1xi64, shared>
// WS-NEXT: tile.async_commit %[[LEAD]][%[[ZERO]]]
// WS: } consumers {
// WS: tile.barrier_wait %[[LEAD]][%{{.*}}] phase(%{{.*}})
// WS-NEXT: scf.for
// WS: tile.gemm %[[K]]
// WS: }
// WS: tile.copy %{{.*}}, %[[K]] : <64x64xf32, fragment>, <64x64xf16, shared>
// WS-NEXT: tile.copy %[[K]], %{{.*}} : <64x64xf16, shared>, <64x64xf16, global>
func.func @leading_copy_reused_after(%K: !tile.buffer<64x64xf16, global> {tile.name = "K"},
                                     %P: !tile.buffer<64x64xf16, global> {tile.name = "P"},
                                     %Q: !tile.buffer<1024x64xf16, global> {tile.name = "Q"},
                                     %dK: !tile.buffer<64x64xf16, global> {tile.name = "dK"},
                                     %dP: !tile.buffer<64x64xf16, global> {tile.name = "dP"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %k = tile.alloc : !tile.buffer<64x64xf16, shared>
    %p = tile.alloc : !tile.buffer<64x64xf16, shared>
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.copy %K, %k : !tile.buffer<64x64xf16, global>, !tile.buffer<64x64xf16, shared>
    tile.copy %P, %p : !tile.buffer<64x64xf16, global>, !tile.buffer<64x64xf16, shared>
    tile.copy %p, %dP : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, global>
    tile.pipelined %j = %c0 to %c16 step %c1 num_stages(2) {
      %row = arith.muli %j, %c64 : index
      %qr = tile.region %Q[%row, %c0] sizes [64, 64] : !tile.buffer<1024x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>
      tile.copy %qr, %q : !tile.buffer<64x64xf16, global, #tile.window<1024x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
      tile.gemm %k, %q, %s {policy = #tile<gemm_policy full_row>, transpose_b}
          : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    }
    tile.copy %s, %k : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf16, shared>
    tile.copy %k, %dK : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, global>
  }
  return
}
