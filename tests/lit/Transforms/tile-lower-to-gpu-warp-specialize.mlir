// RUN: tile-opt %s --split-input-file --tile-insert-barriers --tile-partition-parallel --tile-lower-to-gpu="async-copies=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefixes=CHECK,NOREALLOC
// RUN: tile-opt %s --split-input-file --tile-insert-barriers --tile-partition-parallel --tile-lower-to-gpu="async-copies=true setmaxnreg=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=REALLOC

// tile.warp_specialize: the block gets a producer warpgroup past the
// launch's 128 threads (known_block_size 256, block_threads for the
// metadata). Threads 128-255 run the producer region with thread ids
// counted from 0 (its copies spread over its 128 threads, cp.async arriving
// on the full barrier without incrementing it); threads 0-127 run the
// consumers, whose barriers are named barrier 1 of 128 threads. Barrier
// buffers are initialized by thread 0: copy barriers with one arrival per
// producer thread (no TMA here), the empty ones with tile.arrivals. The
// rest of the launch after the op runs in the consumers' branch (the
// producer has no part in it), synchronized by their named barrier.
// CHECK: func.func @ws
// CHECK: tile.launch
// CHECK-SAME: block_threads = 256 : i64
// CHECK: gpu.func @ws
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK: gpu.barrier
// CHECK: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK: gpu.barrier
// CHECK: %[[PRODUCER:.*]] = arith.cmpi uge, %thread_id_x, %c128{{.*}} : index
// CHECK: scf.if %[[PRODUCER]] {
// CHECK: %[[LOCAL:.*]] = arith.subi %thread_id_x, %c128{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: gpu.barrier
// CHECK: arith.addi %[[LOCAL]]
// CHECK: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true}
// CHECK: } else {
// CHECK: nvvm.mbarrier.try_wait.parity
// The consumers read the stage they waited for without a barrier; the copy
// overwriting what their fill wrote waits at the part's named barrier.
// CHECK-NOT: nvvm.barrier id
// CHECK: llvm.store
// CHECK: nvvm.barrier id = %c1_i32{{.*}} number_of_threads = %c128_i32
// CHECK-NOT: nvvm.barrier id
// CHECK: nvvm.mbarrier.arrive
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.barrier id = %c1_i32{{.*}} number_of_threads = %c128_i32
// CHECK-NOT: arith.cmpi ult, %thread_id_x, %c128{{.*}} : index
// CHECK: llvm.store %{{.*}} : f32, !llvm.ptr<1>
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.return
func.func @ws(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {staged} : !tile.buffer<2x256xf32, shared>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 128 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %t = tile.alloc : !tile.buffer<256xf32, shared>
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %r = tile.region %A[%c0] sizes [256] : !tile.buffer<?xf32, global> -> !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %zero = arith.constant 0.0 : f32
      tile.fill %t, %zero : !tile.buffer<256xf32, shared>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy %stage, %t : !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<256xf32, shared>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
    %r = tile.region %A[%c0] sizes [256] : !tile.buffer<?xf32, global> -> !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
    tile.copy %t, %r : !tile.buffer<256xf32, shared>, !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
  }
  return
}

// -----

// Two consumer warpgroups in a block whose shared memory (over 114 KB here)
// leaves one block an SM: with setmaxnreg the producer gives registers
// away first thing (56 a thread) and the consumers take them (224); the
// kernel's register count is pinned at the even split (168) they move within.
// REALLOC-LABEL: gpu.func @two_consumers
// REALLOC-SAME: nvvm.maxnreg = 168 : i32
// REALLOC: arith.cmpi uge, %thread_id_x, %c256{{.*}} : index
// REALLOC-NEXT: scf.if
// REALLOC-NEXT: nvvm.setmaxregister decrease 56
// REALLOC: nvvm.cp.async.mbarrier.arrive
// REALLOC-NEXT: } else {
// REALLOC-NEXT: nvvm.setmaxregister increase 224
// NOREALLOC-NOT: setmaxregister
func.func @two_consumers(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {staged} : !tile.buffer<2x256xf32, shared>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %t = tile.alloc : !tile.buffer<256x128xf32, shared>
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %r = tile.region %A[%c0] sizes [256] : !tile.buffer<?xf32, global> -> !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      %row = tile.region %t[%c0, %c0] sizes [256, 1] : !tile.buffer<256x128xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<256x128, dims [0]>>
      tile.copy %stage, %row : !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<256xf32, shared, #tile.window<256x128, dims [0]>>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
  }
  return
}

// -----

// The same with a few KB of shared memory and no fragments: blocks may
// share an SM, so the registers stay where ptxas puts them.
// REALLOC-LABEL: gpu.func @small_block
// REALLOC-NOT: maxnreg
// REALLOC-NOT: setmaxregister
// REALLOC: gpu.return
func.func @small_block(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {staged} : !tile.buffer<2x256xf32, shared>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %t = tile.alloc : !tile.buffer<256xf32, shared>
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %r = tile.region %A[%c0] sizes [256] : !tile.buffer<?xf32, global> -> !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy %stage, %t : !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<256xf32, shared>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
  }
  return
}

// -----

// Three consumer warpgroups: 32 a thread for the producer, 160 for each
// consumer, within the 128 each of four warpgroups has at launch.
// REALLOC-LABEL: gpu.func @three_consumers
// REALLOC-SAME: nvvm.maxnreg = 128 : i32
// REALLOC: arith.cmpi uge, %thread_id_x, %c384{{.*}} : index
// REALLOC-NEXT: scf.if
// REALLOC-NEXT: nvvm.setmaxregister decrease 32
// REALLOC: nvvm.setmaxregister increase 160
func.func @three_consumers(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(384) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {staged} : !tile.buffer<2x384xf32, shared>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 384 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %t = tile.alloc : !tile.buffer<384x128xf32, shared>
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %r = tile.region %A[%c0] sizes [384] : !tile.buffer<?xf32, global> -> !tile.buffer<384xf32, global, #tile.window<?, dims [0]>>
      %stage = tile.region %s[%c0, %c0] sizes [1, 384] : !tile.buffer<2x384xf32, shared> -> !tile.buffer<384xf32, shared, #tile.window<2x384, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<384xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<384xf32, shared, #tile.window<2x384, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %stage = tile.region %s[%c0, %c0] sizes [1, 384] : !tile.buffer<2x384xf32, shared> -> !tile.buffer<384xf32, shared, #tile.window<2x384, dims [1]>>
      %row = tile.region %t[%c0, %c0] sizes [384, 1] : !tile.buffer<384x128xf32, shared> -> !tile.buffer<384xf32, shared, #tile.window<384x128, dims [0]>>
      tile.copy %stage, %row : !tile.buffer<384xf32, shared, #tile.window<2x384, dims [1]>>, !tile.buffer<384xf32, shared, #tile.window<384x128, dims [0]>>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
  }
  return
}

// -----

// Little shared memory but accumulators (a 128x256 float32 tile: 128
// registers a consumer thread) that two blocks an SM (80 registers a
// thread) could not hold: the block has the SM to itself anyway, and the
// registers move.
// REALLOC-LABEL: gpu.func @large_fragments
// REALLOC-SAME: nvvm.maxnreg = 168 : i32
// REALLOC: nvvm.setmaxregister decrease 56
// REALLOC: nvvm.setmaxregister increase 224
func.func @large_fragments(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {staged} : !tile.buffer<2x256xf32, shared>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %acc = tile.alloc : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %r = tile.region %A[%c0] sizes [256] : !tile.buffer<?xf32, global> -> !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      tile.fill %acc, %zero : !tile.buffer<128x256xf32, fragment, #tile.wgmma<2>>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
  }
  return
}

// -----

// Turns of two consumer warpgroups: warpgroup w waits on named barrier
// 8 + w (256 threads: 128 hand over, 128 wait) and hands over on the next
// one's; warpgroup 1 gives the first turn, warpgroup 0 takes the last one
// back. In the loop the id is computed (one instruction, no branch for
// code to move across); start and finish are branches.
// CHECK-LABEL: gpu.func @turns
// CHECK: } else {
// CHECK: %[[WG:.*]] = arith.divui %thread_id_x, %c128
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[IS1:.*]] = arith.cmpi eq, %[[WG]], %[[ONE]]
// CHECK-NEXT: scf.if %[[IS1]] {
// CHECK: nvvm.barrier.arrive id = %{{.*}} number_of_threads = %{{.*}}
// CHECK: scf.for
// CHECK: %[[W:.*]] = arith.divui %thread_id_x, %c128
// CHECK: %[[MINE:.*]] = arith.addi %[[W]], %c8
// CHECK: %[[MINE32:.*]] = arith.index_cast %[[MINE]] : index to i32
// CHECK: nvvm.barrier id = %[[MINE32]] number_of_threads = %{{.*}}
// CHECK: %[[NEXT:.*]] = arith.remui %{{.*}}, %c2
// CHECK: %[[THEIRS:.*]] = arith.addi %[[NEXT]], %c8
// CHECK: %[[THEIRS32:.*]] = arith.index_cast %[[THEIRS]] : index to i32
// CHECK: nvvm.barrier.arrive id = %[[THEIRS32]] number_of_threads = %{{.*}}
// CHECK: }
// CHECK: %[[IS0:.*]] = arith.cmpi eq, %{{.*}}, %c0{{.*}} : index
// CHECK-NEXT: scf.if %[[IS0]] {
// CHECK: nvvm.barrier id = %{{.*}} number_of_threads = %{{.*}}
// CHECK-NEXT: }
// CHECK-NEXT: }
func.func @turns() attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.warp_specialize producer {
      scf.for %i = %c0 to %c4 step %c1 {
      }
    } consumers {
      tile.warpgroup_turn start
      scf.for %i = %c0 to %c4 step %c1 {
        tile.warpgroup_turn wait
        tile.warpgroup_turn pass
      }
      tile.warpgroup_turn finish
    }
  }
  return
}
