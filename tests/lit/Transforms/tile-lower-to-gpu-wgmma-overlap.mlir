// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="wgmma-overlap=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=OFF

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
// OFF-NOT: inline_asm has_side_effects "wgmma.wait_group
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

// -----

// The consumers of a warp-specialized block keep gemms in flight too. A
// rotated loop issues Q K^T, then the previous step's P V; K's release is
// held until Q K^T is waited for (the softmax reads S: at most one group,
// P V, left in flight), V's release (in its branch) until P V is (the
// rescaling of O); writing P waits for nothing more. Waiting for a stage
// needs no wait for the tensor cores.
// CHECK-LABEL: gpu.func @consumers
// CHECK: scf.for
// CHECK: scf.for
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: wait_group
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: wait_group
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: wait_group
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: nvvm.mbarrier.arrive
// CHECK: "wgmma.wait_group.sync.aligned 1;"
// CHECK-NOT: wait_group
// CHECK: nvvm.mbarrier.arrive
// CHECK-NOT: nvvm.mbarrier.arrive
// CHECK: "wgmma.wait_group.sync.aligned 0;"
// CHECK-NOT: nvvm.mbarrier.arrive
// CHECK: scf.if
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: llvm.getelementptr
// CHECK-NEXT: nvvm.mbarrier.arrive
// CHECK-NOT: wait_group
// CHECK: gpu.return
// OFF-LABEL: gpu.func @consumers
// OFF: nvvm.wgmma.commit.group.sync.aligned
// OFF-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// OFF: nvvm.wgmma.commit.group.sync.aligned
// OFF-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
func.func @consumers(%K: !tile.buffer<512x64xf16, global> {tile.name = "K"},
                     %V: !tile.buffer<512x64xf16, global> {tile.name = "V"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    %ks = tile.alloc {shared_offset = 16384 : i64, staged} : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %vs = tile.alloc {shared_offset = 32768 : i64, staged} : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %full_k = tile.alloc {mbarriers, shared_offset = 49152 : i64} : !tile.buffer<2xi64, shared>
    %empty_k = tile.alloc {arrivals = 256 : i64, mbarriers, shared_offset = 49168 : i64} : !tile.buffer<2xi64, shared>
    %full_v = tile.alloc {mbarriers, shared_offset = 49184 : i64} : !tile.buffer<2xi64, shared>
    %empty_v = tile.alloc {arrivals = 256 : i64, mbarriers, shared_offset = 49200 : i64} : !tile.buffer<2xi64, shared>
    %s = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %p = tile.alloc : !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>
    %o = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %m = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    tile.warp_specialize producer {
      scf.for %j = %c0 to %c8 step %c1 {
        %stage = arith.remui %j, %c2 : index
        %row = arith.muli %j, %c64 : index
        tile.barrier_wait %empty_k[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
        %kg = tile.region %K[%row, %c0] sizes [64, 64] : !tile.buffer<512x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<512x64, dims [0, 1]>>
        %kt = tile.region %ks[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
        tile.copy_async %kg, %kt, %full_k[%stage] : !tile.buffer<64x64xf16, global, #tile.window<512x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<2xi64, shared>
        tile.async_commit %full_k[%stage] : !tile.buffer<2xi64, shared>
        tile.barrier_wait %empty_v[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
        %vg = tile.region %V[%row, %c0] sizes [64, 64] : !tile.buffer<512x64xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<512x64, dims [0, 1]>>
        %vt = tile.region %vs[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
        tile.copy_async %vg, %vt, %full_v[%stage] : !tile.buffer<64x64xf16, global, #tile.window<512x64, dims [0, 1]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<2xi64, shared>
        tile.async_commit %full_v[%stage] : !tile.buffer<2xi64, shared>
      }
    } consumers {
      scf.for %j = %c0 to %c8 step %c1 {
        %not_first = arith.cmpi sgt, %j, %c0 : index
        %jm1 = arith.subi %j, %c1 : index
        %prev = arith.select %not_first, %jm1, %c0 : index
        %stage = arith.remui %j, %c2 : index
        %prev_stage = arith.remui %prev, %c2 : index
        tile.barrier_wait %full_k[%stage] phase(%c0) : !tile.buffer<2xi64, shared>
        %k = tile.region %ks[%stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
        tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        %v = tile.region %vs[%prev_stage, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
        tile.barrier_wait %full_v[%prev_stage] phase(%c0) : !tile.buffer<2xi64, shared>
        tile.gemm %p, %v, %o {policy = #tile<gemm_policy full_row>}
            : !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        scf.if %not_first {
          tile.barrier_arrive %empty_v[%prev_stage] : !tile.buffer<2xi64, shared>
        }
        tile.barrier_arrive %empty_k[%stage] : !tile.buffer<2xi64, shared>
        tile.reduce max %s, %m dim(1) : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
        tile.fill %o, %zero : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
        tile.copy %s, %p : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x64xf16, fragment, #tile.wgmma<2>>
      }
    }
  }
  return
}

// -----

// A loop whose one gemm stays in flight into the next iteration (as
// tile-carry-gemms leaves it): each iteration issues its gemm on the
// previous one's accumulator without waiting, then waits until at most one
// group (its own) is pending and releases the previous iteration's stage;
// its results stay in flight past the loop's back edge. After the loop the
// last gemm is waited for (its registers passing through the wait) before
// its stage is released and the accumulator is read. Without the option
// each gemm is waited for where it is issued.
// CHECK-LABEL: gpu.func @carried
// CHECK: } else {
// CHECK: scf.for
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: wait
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NOT: wait
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NEXT: scf.if
// CHECK: nvvm.mbarrier.arrive
// CHECK-NOT: wait
// CHECK: llvm.store
// CHECK-NOT: wait
// CHECK: {{^        }$}}
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: "wgmma.wait_group.sync.aligned 0;", "=f,
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: scf.if
// CHECK: nvvm.mbarrier.arrive
// CHECK: gpu.return
// OFF-LABEL: gpu.func @carried
// OFF: nvvm.wgmma.commit.group.sync.aligned
// OFF-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
func.func @carried(%C: !tile.buffer<128x256xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %as = tile.alloc {shared_offset = 0 : i64, staged} : !tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>>
    %bs = tile.alloc {shared_offset = 49152 : i64, staged} : !tile.buffer<3x64x256xf16, shared, #tile.swizzle<128>>
    %full = tile.alloc {mbarriers, shared_offset = 147456 : i64} : !tile.buffer<3xi64, shared>
    %empty = tile.alloc {arrivals = 256 : i64, mbarriers, shared_offset = 147488 : i64} : !tile.buffer<3xi64, shared>
    %c = tile.alloc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    tile.warp_specialize producer {
      scf.for %k = %c0 to %c8 step %c1 {
        %stage = arith.remui %k, %c3 : index
        tile.barrier_wait %empty[%stage] phase(%c0) : !tile.buffer<3xi64, shared>
      }
    } consumers {
      tile.fill %c, %zero : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
      scf.for %k = %c0 to %c8 step %c1 {
        %stage = arith.remui %k, %c3 : index
        tile.barrier_wait %full[%stage] phase(%c0) : !tile.buffer<3xi64, shared>
        %a = tile.region %as[%stage, %c0, %c0] sizes [1, 128, 64] : !tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>
        %b = tile.region %bs[%stage, %c0, %c0] sizes [1, 64, 256] : !tile.buffer<3x64x256xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x256xf16, shared, #tile.swizzle<128>, #tile.window<3x64x256, dims [1, 2]>>
        tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>}
            : !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>, !tile.buffer<64x256xf16, shared, #tile.swizzle<128>, #tile.window<3x64x256, dims [1, 2]>>, !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
        %not_first = arith.cmpi sgt, %k, %c0 : index
        %km1 = arith.subi %k, %c1 : index
        %prev = arith.select %not_first, %km1, %c0 : index
        %prev_stage = arith.remui %prev, %c3 : index
        scf.if %not_first {
          tile.barrier_arrive %empty[%prev_stage] of_previous_iteration : !tile.buffer<3xi64, shared>
        }
      }
      %last_stage = arith.remui %c8, %c3 : index
      %any = arith.cmpi slt, %c0, %c8 : index
      scf.if %any {
        tile.barrier_arrive %empty[%last_stage] : !tile.buffer<3xi64, shared>
      }
      tile.copy %c, %C : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x256xf32, global>
    }
  }
  return
}
