// RUN: tile-opt %s --split-input-file --tile-insert-barriers | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-insert-barriers="tma=true" | FileCheck %s --check-prefix=TMA

// Read after write through shared memory: the copy fills %s and the
// reduction reads it (other threads' elements): a barrier between them; the
// first loop reads %m, which the reduction wrote: another. The second loop
// touches only the thread's own registers: none.
// CHECK-LABEL: func.func @read_after_write
// CHECK: tile.copy
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.reduce
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.parallel
// CHECK-NOT: tile.barrier
// CHECK: tile.parallel
// CHECK-NOT: tile.barrier
// CHECK: return
func.func @read_after_write(%X: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "X"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<4x64xf32, shared>
    %m = tile.alloc {shared_offset = 1024 : i64} : !tile.buffer<4xf32, fragment>
    %t = tile.alloc : !tile.buffer<4x64xf32, fragment, #tile.cyclic<128>>
    %x = tile.region %X[%c0, %c0] sizes [4, 64] : !tile.buffer<?x?xf32, global> -> !tile.buffer<4x64xf32, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %x, %s : !tile.buffer<4x64xf32, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<4x64xf32, shared>
    tile.reduce max %s, %m dim(1) clear : !tile.buffer<4x64xf32, shared>, !tile.buffer<4xf32, fragment>
    tile.parallel [4, 64] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %s[%i, %j] : !tile.buffer<4x64xf32, shared>
      %w = tile.load %m[%i] : !tile.buffer<4xf32, fragment>
      %d = arith.subf %v, %w : f32
      tile.store %d, %t[%i, %j] : !tile.buffer<4x64xf32, fragment, #tile.cyclic<128>>
    }
    tile.parallel [4, 64] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %t[%i, %j] : !tile.buffer<4x64xf32, fragment, #tile.cyclic<128>>
      %w = arith.mulf %v, %v : f32
      tile.store %w, %t[%i, %j] : !tile.buffer<4x64xf32, fragment, #tile.cyclic<128>>
    }
  }
  return
}

// -----

// Write after read: the second loop overwrites bytes the first one read.
// Buffers planned onto the same bytes conflict although they are distinct;
// a buffer at other bytes does not.
// CHECK-LABEL: func.func @write_after_read
// CHECK: tile.parallel
// CHECK: tile.barrier
// CHECK-NEXT: tile.parallel
// CHECK-NOT: tile.barrier
// CHECK: tile.fill %{{.*}} : <64xf32, shared>
// CHECK: return
func.func @write_after_read(%Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %first = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    %second = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    %other = tile.alloc {shared_offset = 256 : i64} : !tile.buffer<64xf32, shared>
    %zero = arith.constant 0.0 : f32
    tile.parallel [64] {
    ^bb0(%i: index):
      %c63 = arith.constant 63 : index
      %j = arith.subi %c63, %i : index
      %v = tile.load %first[%j] : !tile.buffer<64xf32, shared>
      tile.store %v, %Y[%i] : !tile.buffer<?xf32, global>
    }
    tile.parallel [64] {
    ^bb0(%i: index):
      tile.store %zero, %second[%i] : !tile.buffer<64xf32, shared>
    }
    tile.fill %other, %zero : !tile.buffer<64xf32, shared>
  }
  return
}

// -----

// Loops: what an iteration leaves pending meets the next iteration. The
// loop reads %s after writing it (a barrier between), and the next
// iteration's write must wait for those reads: a barrier at the top of the
// body too.
// CHECK-LABEL: func.func @loop
// CHECK: scf.for
// CHECK: tile.barrier
// CHECK-NEXT: tile.fill
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.parallel
// CHECK-NOT: tile.barrier
// CHECK: return
func.func @loop(%Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    %acc = tile.alloc : !tile.buffer<64xf32, fragment, #tile.cyclic<64>>
    scf.for %k = %c0 to %c4 step %c1 {
      %f = arith.constant 1.0 : f32
      tile.fill %s, %f : !tile.buffer<64xf32, shared>
      tile.parallel [64] {
      ^bb0(%i: index):
        %c63 = arith.constant 63 : index
        %j = arith.subi %c63, %i : index
        %v = tile.load %s[%j] : !tile.buffer<64xf32, shared>
        tile.store %v, %acc[%i] : !tile.buffer<64xf32, fragment, #tile.cyclic<64>>
      }
    }
  }
  return
}

// -----

// The same in a while loop: the condition block runs before every
// iteration and at the exit. Its barrier orders the previous iteration's
// reads of the tile before the body's fill and the store to the counter
// before the read; the fill and the reads need one between them, and the
// counter's store one after every thread's read of it.
// CHECK-LABEL: func.func @while_loop
// CHECK: scf.while
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.load %[[COUNT:.*]][
// CHECK: } do {
// CHECK-NEXT: arith.constant
// CHECK-NEXT: tile.fill
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.parallel
// CHECK: tile.load %[[COUNT]]
// CHECK-NEXT: arith.addi
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.store
// CHECK-NEXT: scf.yield
func.func @while_loop(%Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : i32
    %one = arith.constant 1 : i32
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    %count = tile.alloc {shared_offset = 256 : i64} : !tile.buffer<1xi32, fragment>
    %acc = tile.alloc : !tile.buffer<64xf32, fragment, #tile.cyclic<64>>
    %zero = arith.constant 0 : i32
    tile.store %zero, %count[%c0] : !tile.buffer<1xi32, fragment>
    scf.while : () -> () {
      %n = tile.load %count[%c0] : !tile.buffer<1xi32, fragment>
      %more = arith.cmpi slt, %n, %c4 : i32
      scf.condition(%more)
    } do {
      %f = arith.constant 1.0 : f32
      tile.fill %s, %f : !tile.buffer<64xf32, shared>
      tile.parallel [64] {
      ^bb0(%i: index):
        %c63 = arith.constant 63 : index
        %j = arith.subi %c63, %i : index
        %v = tile.load %s[%j] : !tile.buffer<64xf32, shared>
        tile.store %v, %acc[%i] : !tile.buffer<64xf32, fragment, #tile.cyclic<64>>
      }
      %n = tile.load %count[%c0] : !tile.buffer<1xi32, fragment>
      %next = arith.addi %n, %one : i32
      tile.store %next, %count[%c0] : !tile.buffer<1xi32, fragment>
      scf.yield
    }
  }
  return
}

// -----

// A wgmma reads its shared operands through the async proxy: the barrier
// after the ordinary stores that filled them carries the proxy fence. The
// accumulator is registers: nothing orders the copy out after the gemm.
// CHECK-LABEL: func.func @wgmma
// CHECK: tile.fill %{{.*}} : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.fill %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: tile.barrier {async_proxy}
// CHECK-NEXT: tile.gemm
// CHECK-NEXT: tile.copy
func.func @wgmma(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %zero = arith.constant 0.0 : f16
    %fzero = arith.constant 0.0 : f32
    tile.fill %a, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.fill %c, %fzero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// The same accumulator layout on mma.sync (sm_80): ldmatrix reads through
// the generic proxy, so the barrier has no proxy fence, and no barrier fences.
// CHECK-LABEL: func.func @mma_sync
// CHECK: tile.fill %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
// CHECK-NEXT: tile.barrier{{$}}
// CHECK-NEXT: tile.gemm
// CHECK-NEXT: tile.copy
// CHECK-NOT: async_proxy
func.func @mma_sync(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
    %zero = arith.constant 0.0 : f16
    %fzero = arith.constant 0.0 : f32
    tile.fill %a, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.fill %c, %fzero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
    tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>, !tile.buffer<64x64xf32, global>
    tile.fill %a, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
  }
  return
}

// -----

// A staged epilogue: the threads write the swizzled tile, then one thread
// hands it to TMA (tma=true), which reads through the async proxy: the
// writers fence at the barrier. Without TMA an ordinary barrier.
// CHECK-LABEL: func.func @staged_store
// CHECK: tile.copy %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1, mma_sync>>, <64x64xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: tile.barrier{{$}}
// CHECK-NEXT: tile.copy %{{.*}} : <64x64xf16, shared, #tile.swizzle<128>>, <64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
// TMA-LABEL: func.func @staged_store
// TMA: tile.copy %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1, mma_sync>>, <64x64xf16, shared, #tile.swizzle<128>>
// TMA-NEXT: tile.barrier {async_proxy}
// TMA-NEXT: tile.copy %{{.*}} : <64x64xf16, shared, #tile.swizzle<128>>, <64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
func.func @staged_store(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %r = tile.region %C[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %acc, %s : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.copy %s, %r : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}

// -----

// An atomic add of a float32 shared tile into a tensor may go through the
// copy engine's bulk reductions (tma=true), which read through the async
// proxy: the writers fence at the barrier.
// CHECK-LABEL: func.func @bulk_reduction
// CHECK: tile.copy
// CHECK-NEXT: tile.barrier{{$}}
// CHECK-NEXT: tile.atomic_add
// TMA-LABEL: func.func @bulk_reduction
// TMA: tile.copy
// TMA-NEXT: tile.barrier {async_proxy}
// TMA-NEXT: tile.atomic_add
func.func @bulk_reduction(%C: !tile.buffer<?x64xf32, global> {tile.dims = ["M", ""], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf32, shared>
    %r = tile.region %C[%bx, %c0] sizes [64, 64] : !tile.buffer<?x64xf32, global> -> !tile.buffer<64x64xf32, global, #tile.window<?x64, dims [0, 1]>>
    tile.copy %acc, %s : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, mma_sync>>, !tile.buffer<64x64xf32, shared>
    tile.atomic_add %s, %r : !tile.buffer<64x64xf32, shared>, <64x64xf32, global, #tile.window<?x64, dims [0, 1]>>
  }
  return
}

// Asynchronous copies wait at their issue for earlier reads of the target
// (the stage the last iteration computed on); their data is the mbarrier
// protocol's to publish, so reading it after tile.async_wait needs no
// barrier. In a warp-specialized loop each part is synchronized on its own:
// the producer's copies were ordered by the consumers' empty-barrier
// arrivals, not by a block barrier.
// The loop's reads of the stage are still pending when the producer's
// copies may overwrite it: one block barrier before the warp_specialize.
// CHECK-LABEL: func.func @pipelines
// CHECK: scf.for
// CHECK: tile.barrier
// CHECK-NEXT: tile.copy_async
// CHECK-NEXT: tile.async_commit
// CHECK-NEXT: tile.async_wait
// CHECK-NEXT: tile.parallel
// CHECK: tile.barrier
// CHECK-NEXT: tile.warp_specialize producer {
// CHECK-NOT: tile.barrier{{$}}
// CHECK: } consumers {
// CHECK-NOT: tile.barrier{{$}}
// CHECK: tile.barrier_arrive
// CHECK-NEXT: }
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.copy
func.func @pipelines(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %s = tile.alloc {shared_offset = 0 : i64, staged} : !tile.buffer<2x256xf32, shared>
    %full = tile.alloc {mbarriers, shared_offset = 2048 : i64} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 128 : i64, mbarriers, shared_offset = 2064 : i64} : !tile.buffer<2xi64, shared>
    %t = tile.alloc {shared_offset = 4096 : i64} : !tile.buffer<256xf32, shared>
    %acc = tile.alloc : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
    %r = tile.region %A[%c0] sizes [256] : !tile.buffer<?xf32, global> -> !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
    scf.for %k = %c0 to %c4 step %c1 {
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
      tile.async_wait %full[%c0] phase(%c0) pending(0) : !tile.buffer<2xi64, shared>
      tile.parallel [256] {
      ^bb0(%i: index):
        %v = tile.load %stage[%i] : !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
        tile.store %v, %acc[%i] : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
      }
    }
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %stage = tile.region %s[%c0, %c0] sizes [1, 256] : !tile.buffer<2x256xf32, shared> -> !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>
      tile.copy %stage, %t : !tile.buffer<256xf32, shared, #tile.window<2x256, dims [1]>>, !tile.buffer<256xf32, shared>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
    tile.copy %t, %r : !tile.buffer<256xf32, shared>, !tile.buffer<256xf32, global, #tile.window<?, dims [0]>>
  }
  return
}

// -----

// Attention's probabilities: each warpgroup writes its own rows of %p (the
// conversion out of the accumulator) and its wgmma reads those rows as A: the
// warpgroups synchronize on their own (with the proxy fence). The next
// iteration's copy overwrites rows whose wgmma the same warpgroup waited
// for: no barrier. A loop reading %p with the block's threads needs one.
// CHECK-LABEL: func.func @own_rows
// CHECK: scf.for
// CHECK-NOT: tile.barrier
// CHECK: tile.convert_layout %{{.*}}, %{{.*}} : <128x64xf32, fragment, #tile.wgmma<2>>, <128x64xf16, fragment, #tile.swizzle<128>>
// CHECK-NEXT: tile.barrier {async_proxy, warpgroup}
// CHECK-NEXT: tile.gemm
// CHECK-NEXT: {{^ *}}}{{$}}
// In a kernel with wgmma every block barrier also fences.
// CHECK-NEXT: tile.barrier {async_proxy}
// CHECK-NEXT: tile.parallel
func.func @own_rows(%Y: !tile.buffer<?xf16, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %s = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %p = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>
    %v = tile.alloc {shared_offset = 16384 : i64} : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %o = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    scf.for %k = %c0 to %c4 step %c1 {
      tile.convert_layout %s, %p : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>
      tile.gemm %p, %v, %o {policy = #tile<gemm_policy full_row>}
          : !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    }
    tile.parallel [128] {
    ^bb0(%i: index):
      %x = tile.load %p[%i, %c0] : !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>
      tile.store %x, %Y[%i] : !tile.buffer<?xf16, global>
    }
  }
  return
}

// -----

// Branches join: a write in one branch is still pending after the scf.if
// (the read after it waits); a write in both branches likewise. Nothing in
// the branch itself needs a barrier.
// CHECK-LABEL: func.func @branches
// CHECK: scf.if
// CHECK-NEXT: tile.fill
// CHECK-NEXT: }
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.parallel
func.func @branches(%Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %n = tile.dim %Y[0] : !tile.buffer<?xf32, global>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    %zero = arith.constant 0.0 : f32
    %big = arith.cmpi sgt, %n, %c0 : index
    scf.if %big {
      tile.fill %s, %zero : !tile.buffer<64xf32, shared>
    }
    tile.parallel [64] {
    ^bb0(%i: index):
      %c63 = arith.constant 63 : index
      %j = arith.subi %c63, %i : index
      %v = tile.load %s[%j] : !tile.buffer<64xf32, shared>
      tile.store %v, %Y[%i] : !tile.buffer<?xf32, global>
    }
  }
  return
}

// -----

// A loop that may run no iteration: what came before it is still pending
// after it, so the read of %s after the loop waits for the fill before it
// although the body touches only global memory (the read writes %t, which
// nothing else touches: the fill is the only reason for that barrier). In the body, each store to
// Y waits for the previous iteration's (each tensor is one resource to the
// analysis).
// CHECK-LABEL: func.func @zero_trips
// CHECK: tile.fill
// CHECK-NEXT: scf.for
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.parallel [64]
// CHECK: {{^ *}}}{{$}}
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.parallel [64]
func.func @zero_trips(%Y: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %n = tile.dim %Y[0] : !tile.buffer<?xf32, global>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    %t = tile.alloc {shared_offset = 256 : i64} : !tile.buffer<64xf32, shared>
    %zero = arith.constant 0.0 : f32
    tile.fill %s, %zero : !tile.buffer<64xf32, shared>
    scf.for %k = %c0 to %n step %c1 {
      tile.parallel [64] {
      ^bb0(%i: index):
        %f = arith.index_cast %k : index to i64
        %x = arith.sitofp %f : i64 to f32
        tile.store %x, %Y[%i] : !tile.buffer<?xf32, global>
      }
    }
    tile.parallel [64] {
    ^bb0(%i: index):
      %c63 = arith.constant 63 : index
      %j = arith.subi %c63, %i : index
      %v = tile.load %s[%j] : !tile.buffer<64xf32, shared>
      tile.store %v, %t[%i] : !tile.buffer<64xf32, shared>
    }
  }
  return
}

// -----

// The tensors of one launch do not overlap (the lowering marks them
// noalias): writing Z after other threads read X and wrote Y needs no
// barrier; writing X after other threads read it does.
// CHECK-LABEL: func.func @distinct_tensors
// CHECK: tile.parallel [64]
// CHECK-NOT: tile.barrier
// CHECK: tile.parallel [64]
// CHECK: tile.barrier
// CHECK-NEXT: tile.parallel [64]
func.func @distinct_tensors(%X: !tile.buffer<64xf32, global> {tile.name = "X"},
                            %Y: !tile.buffer<64xf32, global> {tile.name = "Y"},
                            %Z: !tile.buffer<64xf32, global> {tile.name = "Z"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c63 = arith.constant 63 : index
    tile.parallel [64] {
    ^bb0(%i: index):
      %j = arith.subi %c63, %i : index
      %v = tile.load %X[%j] : !tile.buffer<64xf32, global>
      tile.store %v, %Y[%i] : !tile.buffer<64xf32, global>
    }
    tile.parallel [64] {
    ^bb0(%i: index):
      %one = arith.constant 1.0 : f32
      tile.store %one, %Z[%i] : !tile.buffer<64xf32, global>
    }
    tile.parallel [64] {
    ^bb0(%i: index):
      %zero = arith.constant 0.0 : f32
      tile.store %zero, %X[%i] : !tile.buffer<64xf32, global>
    }
  }
  return
}
