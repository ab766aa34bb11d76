// RUN: tile-opt %s | tile-opt | FileCheck %s

// CHECK-LABEL: func.func @all_ops
// CHECK-SAME: tile.dims = ["M", "K"]
func.func @all_ops(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"]},
                   %idx: !tile.buffer<?xi32, global>) attributes {tile.kernel} {
  // CHECK: %[[M:.*]] = tile.dim %{{.*}}[0] : <?x?xf16, global>
  %M = tile.dim %A[0] : !tile.buffer<?x?xf16, global>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // CHECK: %[[WS:.*]] = tile.alloc_global(%[[M]]) {name = "workspace0"} : <?x4xf32, global>
  %ws = tile.alloc_global(%M) {name = "workspace0"} : !tile.buffer<?x4xf32, global>
  // CHECK: tile.alloc_global(%[[M]]) {name = "workspace1", uninitialized} : <?x4xbf16, global>
  %unfilled = tile.alloc_global(%M) {name = "workspace1", uninitialized} : !tile.buffer<?x4xbf16, global>
  // CHECK: tile.launch grid(%{{.*}}, %{{.*}}) threads(128) {
  // CHECK-NEXT: ^bb0(%[[BX:.*]]: index, %{{.*}}: index, %{{.*}}: index):
  tile.launch grid(%M, %c4) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // CHECK: tile.use_swizzle 8
    tile.use_swizzle 8
    // CHECK: tile.alloc : <64x32xf16, shared>
    %s = tile.alloc : !tile.buffer<64x32xf16, shared>
    %b = tile.alloc : !tile.buffer<32x64xf16, shared>
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %red = tile.alloc : !tile.buffer<64xf32, fragment>
    %var = tile.alloc : !tile.buffer<f32, local>
    // CHECK: tile.alloc {mbarriers} : <2xi64, shared>
    %bars = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    // CHECK: tile.annotate_layout %{{.*}} layout(#tile.swizzle<64>) : <64x32xf16, shared>
    tile.annotate_layout %s layout(#tile.swizzle<64>) : !tile.buffer<64x32xf16, shared>
    %zero = arith.constant 0.0 : f32
    // CHECK: tile.fill %{{.*}}, %{{.*}} : <64x64xf32, fragment>
    tile.fill %acc, %zero : !tile.buffer<64x64xf32, fragment>
    // CHECK: tile.pipelined %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} num_stages(3) attributes {order = array<i64: 1, 0>, stage = array<i64: 0, 1>} {
    tile.pipelined %k = %c0 to %M step %c1 num_stages(3) attributes {order = array<i64: 1, 0>, stage = array<i64: 0, 1>} {
      // CHECK: tile.region %{{.*}}[%{{.*}}, %{{.*}}] sizes [64, 32] : <?x?xf16, global> -> <64x32xf16, global, #tile.window<?x?, dims [0, 1]>>
      %r = tile.region %A[%bx, %k] sizes [64, 32] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x32xf16, global, #tile.window<?x?, dims [0, 1]>>
      tile.copy %r, %s : !tile.buffer<64x32xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x32xf16, shared>
      // CHECK: tile.copy_async %{{.*}}, %{{.*}}, %{{.*}}[%{{.*}}] : <64x32xf16, global, #tile.window<?x?, dims [0, 1]>>, <64x32xf16, shared>, <2xi64, shared>
      tile.copy_async %r, %s, %bars[%k] : !tile.buffer<64x32xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x32xf16, shared>, !tile.buffer<2xi64, shared>
      // CHECK: tile.async_commit %{{.*}}[%{{.*}}] : <2xi64, shared>
      tile.async_commit %bars[%k] : !tile.buffer<2xi64, shared>
      // CHECK: tile.async_wait %{{.*}}[%{{.*}}] phase(%{{.*}}) pending(1) : <2xi64, shared>
      tile.async_wait %bars[%k] phase(%c1) pending(1) : !tile.buffer<2xi64, shared>
      // CHECK: tile.warp_specialize producer {
      // CHECK-NEXT: tile.barrier_wait %{{.*}}[%{{.*}}] phase(%{{.*}}) : <2xi64, shared>
      // CHECK-NEXT: } consumers {
      // CHECK-NEXT: tile.barrier_arrive %{{.*}}[%{{.*}}] : <2xi64, shared>
      // CHECK-NEXT: tile.warpgroup_turn start
      // CHECK-NEXT: tile.warpgroup_turn wait
      // CHECK-NEXT: tile.warpgroup_turn pass
      // CHECK-NEXT: tile.warpgroup_turn finish
      tile.warp_specialize producer {
        tile.barrier_wait %bars[%k] phase(%c1) : !tile.buffer<2xi64, shared>
      } consumers {
        tile.barrier_arrive %bars[%k] : !tile.buffer<2xi64, shared>
        tile.warpgroup_turn start
        tile.warpgroup_turn wait
        tile.warpgroup_turn pass
        tile.warpgroup_turn finish
      }
      // CHECK: tile.gemm %{{.*}}, %{{.*}}, %{{.*}} {policy = #tile<gemm_policy square>, transpose_a, transpose_b}
      tile.gemm %b, %s, %acc {transpose_a, transpose_b, policy = #tile<gemm_policy square>}
          : !tile.buffer<32x64xf16, shared>, !tile.buffer<64x32xf16, shared>, !tile.buffer<64x64xf32, fragment>
      // CHECK: tile.gemm %{{.*}}, %{{.*}}, %{{.*}} {clear_accum, policy = #tile<gemm_policy full_row>}
      tile.gemm %s, %b, %acc {clear_accum, policy = #tile<gemm_policy full_row>}
          : !tile.buffer<64x32xf16, shared>, !tile.buffer<32x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    }
    // CHECK: tile.reduce max %{{.*}}, %{{.*}} dim(1) clear : <64x64xf32, fragment>, <64xf32, fragment>
    tile.reduce max %acc, %red dim(1) clear : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64xf32, fragment>
    // CHECK: tile.reduce sum %{{.*}}, %{{.*}} dim(0) : <64x64xf32, fragment>, <64xf32, fragment>
    tile.reduce sum %acc, %red dim(0) : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64xf32, fragment>
    // CHECK: tile.cumsum %{{.*}}, %{{.*}} dim(1) reverse : <64x64xf32, fragment>, <64x64xf32, fragment>
    tile.cumsum %acc, %acc dim(1) reverse : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, fragment>
    // CHECK: tile.cumsum %{{.*}}, %{{.*}} dim(0) : <64x64xf32, fragment>, <64x64xf32, fragment>
    tile.cumsum %acc, %acc dim(0) : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, fragment>
    // CHECK: tile.parallel [64, 64] {
    // CHECK-NEXT: ^bb0(%[[I:.*]]: index, %[[J:.*]]: index):
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      // CHECK: tile.load %{{.*}}[%[[I]], %[[J]]] : <64x64xf32, fragment>
      %v = tile.load %acc[%i, %j] : !tile.buffer<64x64xf32, fragment>
      %w = arith.mulf %v, %v : f32
      tile.store %w, %acc[%i, %j] : !tile.buffer<64x64xf32, fragment>
    }
    // CHECK: tile.load %{{.*}}[] : <f32, local>
    %s0 = tile.load %var[] : !tile.buffer<f32, local>
    %e = tile.load %idx[%bx] : !tile.buffer<?xi32, global>
    // CHECK: tile.atomic_add %{{.*}}, %{{.*}}[%{{.*}}] : i32, <?xi32, global>
    tile.atomic_add %e, %idx[%bx] : i32, !tile.buffer<?xi32, global>
    // CHECK: tile.atomic_add %{{.*}}, %{{.*}}[%{{.*}}] {inside} : i32, <?xi32, global>
    tile.atomic_add %e, %idx[%bx] {inside} : i32, !tile.buffer<?xi32, global>
    // CHECK: tile.print %{{.*}} {message = "x"} : f32
    tile.print %s0 {message = "x"} : f32
    %ok = arith.constant true
    // CHECK: tile.assert %{{.*}}, "in range"
    tile.assert %ok, "in range"
  }
  return
}

// Register layouts and barriers round-trip.
// CHECK-LABEL: func.func @layouts
// CHECK: tile.alloc : <128x64xf32, fragment, #tile.wgmma<2>>
// CHECK: tile.alloc : <128x64xf32, fragment, #tile.wgmma<2, mma_sync>>
// CHECK: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1, columns 2, mma_sync>>
// CHECK: tile.alloc : <128xf32, fragment, #tile.wgmma_rows<2>>
// CHECK: tile.alloc : <4x64xf32, fragment, #tile.cyclic<256>>
// CHECK: tile.barrier{{$}}
// CHECK: tile.barrier {async_proxy, warpgroup}
func.func @layouts() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    %s2 = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2, mma_sync>>
    %s3 = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1, columns 2, mma_sync>>
    %m = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    %c = tile.alloc : !tile.buffer<4x64xf32, fragment, #tile.cyclic<256>>
    tile.barrier
    tile.barrier {async_proxy, warpgroup}
  }
  return
}

// The scheduling facts passes record on ops, and the dialect's attributes
// on scf loops, round-trip.
// CHECK-LABEL: func.func @scheduling_facts
// CHECK: tile.alloc {arrivals = 256 : i64, mbarriers} : <4xi64, shared>
// CHECK: tile.alloc {shared_offset = 1024 : i64, staged} : <4x64x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.parallel [128, 64] attributes {layout = #tile.wgmma<2>}
// CHECK: tile.parallel [64] attributes {vector = 4 : i64}
// CHECK: tile.load %{{.*}}[%{{.*}}] {contiguous} : <64xf32, global>
// CHECK: tile.store %{{.*}}, %{{.*}}[%{{.*}}] {contiguous} : <64xf32, global>
// CHECK: tile.load %{{.*}}[%{{.*}}] {speculative} : <64xf32, global>
// CHECK: tile.convert_layout %{{.*}}, %{{.*}} : <128x64xf32, fragment, #tile.wgmma<2>>, <128x64xf16, fragment, #tile.swizzle<128>>
// CHECK: scf.for {{.*}} {
// CHECK: } {tile.unroll}
func.func @scheduling_facts(%A: !tile.buffer<64xf32, global>) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %full = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<4xi64, shared>
    %stages = tile.alloc {shared_offset = 1024 : i64, staged} : !tile.buffer<4x64x64xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    tile.parallel [128, 64] attributes {layout = #tile.wgmma<2>} {
    ^bb0(%i: index, %j: index):
      %v = tile.load %acc[%i, %j] : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>
    }
    tile.parallel [64] attributes {vector = 4 : i64} {
    ^bb0(%i: index):
      %v = tile.load %A[%i] {contiguous} : !tile.buffer<64xf32, global>
      tile.store %v, %A[%i] {contiguous} : !tile.buffer<64xf32, global>
    }
    %s = tile.load %A[%c0] {speculative} : !tile.buffer<64xf32, global>
    %p = tile.alloc : !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>
    tile.convert_layout %acc, %p : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>, !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>
    scf.for %k = %c0 to %c4 step %c1 {
    } {tile.unroll}
  }
  return
}

// A per-thread launch: tile.thread_id, a shared buffer between the threads,
// each thread's local buffer.
// CHECK-LABEL: func.func @per_thread
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: tile.store %{{.*}}, %{{.*}}[%[[TID]]] : <128xf32, shared>
func.func @per_thread(%A: !tile.buffer<128xf32, global>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    %acc = tile.alloc : !tile.buffer<1xf32, local>
    %v = tile.load %A[%tid] : !tile.buffer<128xf32, global>
    tile.store %v, %s[%tid] : !tile.buffer<128xf32, shared>
    tile.fill %acc, %v : !tile.buffer<1xf32, local>
    tile.atomic_add %v, %s[%c0] : f32, !tile.buffer<128xf32, shared>
  }
  return
}

// A warp shuffle: each thread reads its xor-partner's value.
// CHECK-LABEL: func.func @shuffle
// CHECK: tile.shuffle %{{.*}} from %{{.*}} : f16
func.func @shuffle(%A: !tile.buffer<128xf16, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %v = tile.load %A[%tid] : !tile.buffer<128xf16, global>
    %partner = arith.xori %tid, %c1 : index
    %w = tile.shuffle %v from %partner : f16
    tile.store %w, %A[%tid] : !tile.buffer<128xf16, global>
  }
  return
}

// A stage release moved into the next iteration (tile-carry-gemms).
// CHECK-LABEL: func.func @release_of_previous_iteration
// CHECK: tile.barrier_arrive %{{.*}}[%{{.*}}] of_previous_iteration : <2xi64, shared>
func.func @release_of_previous_iteration(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %bars = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    scf.for %k = %c0 to %n step %c1 {
      %s = arith.remui %k, %c2 : index
      tile.barrier_arrive %bars[%s] of_previous_iteration : !tile.buffer<2xi64, shared>
    }
  }
  return
}

// Views carry their layout and where they lie in the storage; a layout is
// checked against the storage (one 64-row block of a two-warpgroup
// accumulator).
// CHECK-LABEL: func.func @windows
// CHECK-SAME: !tile.buffer<64x64xf32, fragment, #tile.wgmma<2>, #tile.window<128x64, dims [0, 1]>>
// CHECK: tile.region %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] sizes [1, 64, 1, 128] : <?x?x?x128xf16, global> -> <64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>>
// CHECK: tile.region %{{.*}}[%{{.*}}, %{{.*}}] sizes [1, 128] : <64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>> -> <128xf16, global, #tile.window<?x?x?x128, dims [3]>>
// CHECK: tile.region %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] sizes [1, 128, 64] : <3x128x64xf16, shared, #tile.swizzle<128>> -> <128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>
func.func @windows(%Q: !tile.buffer<?x?x?x128xf16, global>,
                   %rows: !tile.buffer<64x64xf32, fragment, #tile.wgmma<2>, #tile.window<128x64, dims [0, 1]>>,
                   %i: index) {
  %q = tile.region %Q[%i, %i, %i, %i] sizes [1, 64, 1, 128] : !tile.buffer<?x?x?x128xf16, global> -> !tile.buffer<64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>>
  %row = tile.region %q[%i, %i] sizes [1, 128] : !tile.buffer<64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>> -> !tile.buffer<128xf16, global, #tile.window<?x?x?x128, dims [3]>>
  %stages = tile.alloc : !tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>>
  %stage = tile.region %stages[%i, %i, %i] sizes [1, 128, 64] : !tile.buffer<3x128x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>
  return
}

// Flags between blocks (tile-stream-k).
// CHECK-LABEL: func.func @signals
// CHECK: tile.signal %{{.*}}[%{{.*}}] : <132xi32, global>
// CHECK: tile.wait_signal %{{.*}}[%{{.*}}] : <132xi32, global>
func.func @signals(%flags: !tile.buffer<132xi32, global>, %i: index, %j: index) {
  tile.signal %flags[%i] : !tile.buffer<132xi32, global>
  tile.wait_signal %flags[%j] : !tile.buffer<132xi32, global>
  return
}

// A thread's share of a loop: its iterations by thread index, a register
// fragment's elements by slot.
// CHECK-LABEL: func.func @partitioned
// CHECK: tile.per_thread {
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: %[[V:.*]] = tile.load_slot %{{.*}}[%{{.*}}] : <256xf32, fragment, #tile.cyclic<128>>
// CHECK: tile.store_slot %[[V]], %{{.*}}[%{{.*}}] : <256xf32, fragment, #tile.cyclic<128>>
func.func @partitioned(%n: index) {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
    %s = tile.alloc : !tile.buffer<256xf32, shared>
    tile.per_thread {
      %tid = tile.thread_id
      %c1 = arith.constant 1 : index
      %v = tile.load_slot %frag[%c1] : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
      tile.store_slot %v, %frag[%c1] : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
      tile.store %v, %s[%tid] : !tile.buffer<256xf32, shared>
    }
  }
  return
}

// Vector accesses and the checks that guard them; bytes of uint8 count as
// stored (one each), though read as i32.
// CHECK-LABEL: func.func @vector_accesses
// CHECK: tile.aligned %{{.*}}, 16 : <64xui8, global>
// CHECK: tile.in_bounds %{{.*}}[%{{.*}}] : <64xui8, global>
// CHECK: %{{.*}}:16 = tile.load_vector
// CHECK: tile.store_vector(%{{.*}}, %{{.*}} : i32, i32), %{{.*}}[%{{.*}}] : <64xui8, global>
func.func @vector_accesses(%X: !tile.buffer<64xui8, global>, %i: index) {
  %ok = tile.aligned %X, 16 : !tile.buffer<64xui8, global>
  %inside = tile.in_bounds %X[%i] : !tile.buffer<64xui8, global>
  %a:16 = tile.load_vector %X[%i] : !tile.buffer<64xui8, global> -> i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32
  tile.store_vector (%a#0, %a#1 : i32, i32), %X[%i] : !tile.buffer<64xui8, global>
  return
}
