// RUN: tile-opt %s --split-input-file --tile-insert-barriers="per-thread-only=true" --verify-diagnostics | FileCheck %s

// A per-thread launch: each thread stores into shared memory, adds into one
// element of it, reads it back. Every access is each thread's, so a block
// barrier orders each one after the others' earlier ones (the branch that
// depends on the thread holds a store only: the barrier follows it).
// CHECK-LABEL: func.func @per_thread
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: scf.if
// CHECK-NEXT: tile.store
// CHECK-NEXT: }
// CHECK-NEXT: tile.load %{{.*}}[%[[TID]]] : <128xf32, global>
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.atomic_add
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.load %{{.*}}[%[[TID]]] : <128xf32, shared>
func.func @per_thread(%A: !tile.buffer<128xf32, global>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    %first = arith.cmpi eq, %tid, %c0 : index
    scf.if %first {
      tile.store %zero, %s[%c0] : !tile.buffer<128xf32, shared>
    }
    %v = tile.load %A[%tid] : !tile.buffer<128xf32, global>
    tile.atomic_add %v, %s[%c0] : f32, !tile.buffer<128xf32, shared>
    %sum = tile.load %s[%tid] : !tile.buffer<128xf32, shared>
    tile.store %sum, %A[%tid] : !tile.buffer<128xf32, global>
  }
  return
}

// -----

// With per-thread-only (the cpu target), other launches keep their ops as
// they are.
// CHECK-LABEL: func.func @block_wide
// CHECK-NOT: tile.barrier
func.func @block_wide(%A: !tile.buffer<128xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    tile.copy %A, %s : !tile.buffer<128xf32, global>, !tile.buffer<128xf32, shared>
    tile.copy %s, %A : !tile.buffer<128xf32, shared>, !tile.buffer<128xf32, global>
  }
  return
}

// -----

// A barrier some threads would not reach is an error at the access it
// orders.
func.func @divergent(%A: !tile.buffer<128xf32, global>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    %low = arith.cmpi ult, %tid, %c64 : index
    // expected-note @+1 {{the condition or loop that depends on it}}
    scf.if %low {
      %v = tile.load %A[%tid] : !tile.buffer<128xf32, global>
      tile.store %v, %s[%tid] : !tile.buffer<128xf32, shared>
      %next = arith.addi %tid, %c1 : index
      // expected-error @+1 {{threads of the block share this memory with accesses before it, which needs a block barrier here; but whether a thread gets here depends on its index (T.get_thread_binding), and every thread must reach a barrier: move the shared-memory access out of the condition or loop}}
      %w = tile.load %s[%next] : !tile.buffer<128xf32, shared>
      tile.store %w, %A[%tid] : !tile.buffer<128xf32, global>
    }
  }
  return
}
