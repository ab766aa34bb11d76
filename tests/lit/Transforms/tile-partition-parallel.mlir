// RUN: tile-opt %s --split-input-file --tile-partition-parallel | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=GPU

// A loop over a #tile.cyclic fragment of 2 x 128 elements on 128 threads:
// two trips, unrolled, thread tid running iteration tid + 128 k in trip k;
// the fragment's element of trip k is the thread's register slot k (a
// constant), the shared tile's is indexed by the loop's variables.
// CHECK-LABEL: func.func @cyclic
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[TID:.*]] = tile.thread_id
// CHECK-NEXT: %[[K0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[T0:.*]] = arith.constant 128 : index
// CHECK-NEXT: %[[M0:.*]] = arith.muli %[[K0]], %[[T0]] : index
// CHECK-NEXT: %[[F0:.*]] = arith.addi %[[TID]], %[[M0]] : index
// CHECK-NEXT: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NEXT: %[[J0:.*]] = arith.remui %[[F0]], %[[C128]] : index
// CHECK-NEXT: %[[I0:.*]] = arith.divui %[[F0]], %[[C128]] : index
// CHECK-NEXT: %[[V0:.*]] = tile.load_slot %{{.*}}[%[[K0]]] : <2x128xf32, fragment, #tile.cyclic<128>>
// CHECK-NEXT: %[[W0:.*]] = arith.mulf %[[V0]], %[[V0]] : f32
// CHECK-NEXT: tile.store_slot %[[W0]], %{{.*}}[%[[K0]]] : <2x128xf32, fragment, #tile.cyclic<128>>
// CHECK-NEXT: tile.store %[[W0]], %{{.*}}[%[[I0]], %[[J0]]] : <2x128xf32, shared>
// CHECK-NEXT: %[[K1:.*]] = arith.constant 1 : index
// CHECK: tile.load_slot %{{.*}}[%[[K1]]]
// CHECK: tile.store_slot %{{.*}}, %{{.*}}[%[[K1]]]
// CHECK-NOT: tile.parallel
// The slots are the thread's two private floats, at constant offsets.
// GPU-LABEL: gpu.func @cyclic(
// GPU: %[[SLOTS:.*]] = llvm.alloca %{{.*}} x f32
// GPU: %[[S0:.*]] = arith.index_cast %[[K0:.*]] : index to i64
// GPU-NEXT: %[[A0:.*]] = llvm.getelementptr %[[SLOTS]][%[[S0]]]
// GPU-NEXT: llvm.load %[[A0]] : !llvm.ptr -> f32
// GPU: gpu.return
func.func @cyclic(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<2x128xf32, shared>
    tile.parallel [2, 128] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %frag[%i, %j] : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
      %w = arith.mulf %v, %v : f32
      tile.store %w, %frag[%i, %j] : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
      tile.store %w, %s[%i, %j] : !tile.buffer<2x128xf32, shared>
    }
  }
  return
}

// -----

// No fragment: the trips stay a loop; 100 iterations on 64 threads leave
// the second trip partly empty, so each trip checks that its iteration
// lies inside the loop.
// CHECK-LABEL: func.func @ragged
// CHECK: tile.per_thread {
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[FLAT:.*]] = arith.addi %[[TID]], %{{.*}} : index
// CHECK: %[[LIMIT:.*]] = arith.constant 100 : index
// CHECK: %[[INSIDE:.*]] = arith.cmpi ult, %[[FLAT]], %[[LIMIT]] : index
// CHECK: scf.if %[[INSIDE]] {
// CHECK: tile.load %{{.*}}[%[[FLAT]]] : <100xf32, shared>
// The store into a 100-element tensor needs no guard: the trip's check
// bounds the index.
// GPU-LABEL: gpu.func @ragged(
// GPU: scf.for
// GPU: arith.cmpi ult
// GPU-NEXT: scf.if
// GPU: llvm.load
// GPU-NOT: scf.if
// GPU: llvm.store %{{.*}} : f32, !llvm.ptr<1>
func.func @ragged(%out: !tile.buffer<100xf32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<100xf32, shared>
    tile.parallel [100] {
    ^bb0(%i: index):
      %v = tile.load %s[%i] : !tile.buffer<100xf32, shared>
      tile.store %v, %out[%i] : !tile.buffer<100xf32, global>
    }
  }
  return
}

// -----

// A warp-specialized block: before the split the producer's threads
// (128-255) reach the loop too and sit it out; in the producer's region
// its threads count from the launch's last; after the split only the
// consumers run the code.
// CHECK-LABEL: func.func @specialized
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[TID:.*]] = tile.thread_id
// CHECK-NEXT: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NEXT: %[[BELOW:.*]] = arith.cmpi ult, %[[TID]], %[[C128]] : index
// CHECK-NEXT: scf.if %[[BELOW]] {
// CHECK: tile.warp_specialize producer {
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[PTID:.*]] = tile.thread_id
// CHECK-NEXT: %[[FIRST:.*]] = arith.constant 128 : index
// CHECK-NEXT: %{{.*}} = arith.subi %[[PTID]], %[[FIRST]] : index
// CHECK: } consumers {
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[CTID:.*]] = tile.thread_id
// CHECK-NOT: arith.cmpi
// CHECK: scf.for
// CHECK: arith.addi %[[CTID]]
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[ATID:.*]] = tile.thread_id
// CHECK-NOT: arith.cmpi
// CHECK: scf.for
// CHECK: arith.addi %[[ATID]]
func.func @specialized(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<128xf32, shared>
    %one = arith.constant 1.0 : f32
    tile.parallel [128] {
    ^bb0(%i: index):
      tile.store %one, %s[%i] : !tile.buffer<128xf32, shared>
    }
    tile.warp_specialize producer {
      tile.parallel [128] {
      ^bb0(%i: index):
        tile.store %one, %s[%i] : !tile.buffer<128xf32, shared>
      }
    } consumers {
      tile.parallel [128] {
      ^bb0(%i: index):
        tile.store %one, %s[%i] : !tile.buffer<128xf32, shared>
      }
    }
    tile.parallel [128] {
    ^bb0(%i: index):
      tile.store %one, %s[%i] : !tile.buffer<128xf32, shared>
    }
  }
  return
}

// -----

// A loop that follows a #tile.wgmma accumulator of one warpgroup (256
// threads: the second warpgroup holds nothing and sits it out) runs the
// eight elements each thread holds: rows 16 w + l / 4 (+ 8), columns
// 2 (l mod 4) (+ 1, + 8, + 9) of lane l of warp w, slot s for the s-th; the
// row statistics' element is the slot of the element's row (0, 0, 1, 1,
// 0, 0, 1, 1). A loop over the #tile.wgmma_rows fragment runs the two rows
// of the thread's quad, and only the quad's first lane writes memory.
// CHECK-LABEL: func.func @accumulator
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[TID:.*]] = tile.thread_id
// CHECK-NEXT: %[[HOLDING:.*]] = arith.constant 128 : index
// CHECK-NEXT: %[[BELOW:.*]] = arith.cmpi ult, %[[TID]], %[[HOLDING]] : index
// CHECK-NEXT: scf.if %[[BELOW]] {
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: %[[COLUMN:.*]] = arith.muli %{{.*}}, %[[TWO]] : index
// CHECK: arith.addi %[[COLUMN]], %{{.*}} : index
// CHECK-NEXT: %[[S0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[R0:.*]] = arith.constant 0 : index
// CHECK-NEXT: tile.load_slot %{{.*}}[%[[S0]]] : <64x16xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: tile.load_slot %{{.*}}[%[[R0]]] : <64xf32, fragment, #tile.wgmma_rows<1>>
// CHECK: tile.store_slot %{{.*}}, %{{.*}}[%[[S0]]] : <64x16xf32, fragment, #tile.wgmma<1>>
// CHECK: %[[S2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[R1:.*]] = arith.constant 1 : index
// CHECK-NEXT: tile.load_slot %{{.*}}[%[[S2]]] : <64x16xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: tile.load_slot %{{.*}}[%[[R1]]] : <64xf32, fragment, #tile.wgmma_rows<1>>
// CHECK: %[[S7:.*]] = arith.constant 7 : index
// CHECK-NEXT: %[[R7:.*]] = arith.constant 1 : index
// CHECK-NEXT: tile.load_slot %{{.*}}[%[[S7]]]
// CHECK-NEXT: tile.load_slot %{{.*}}[%[[R7]]]
// CHECK-NOT: tile.load_slot
// CHECK: tile.per_thread {
// CHECK: %[[QTID:.*]] = tile.thread_id
// CHECK: %[[V0:.*]] = tile.load_slot %{{.*}}[%{{.*}}] : <64xf32, fragment, #tile.wgmma_rows<1>>
// CHECK: %[[LANE:.*]] = arith.remui %[[QTID]], %{{.*}} : index
// CHECK-NEXT: %[[LEADER:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
// CHECK-NEXT: scf.if %[[LEADER]] {
// CHECK-NEXT: tile.store %[[V0]], %{{.*}}[%{{.*}}] : <64xf32, shared>
// A store the IR does not show inside its tensor checks that first.
// CHECK: %[[INSIDE:.*]] = tile.in_bounds %{{.*}}[%[[ROW:.*]]] : <?xf32, global>
// CHECK-NEXT: scf.if %[[INSIDE]] {
// CHECK: scf.if
// CHECK-NEXT: tile.store %[[V0]], %{{.*}}[%[[ROW]]] {inside} : <?xf32, global>
// CHECK: tile.load_slot
// CHECK-NOT: tile.load_slot
// CHECK-NOT: tile.parallel
// GPU-LABEL: gpu.func @accumulator(
// GPU-NOT: tile.
// GPU: gpu.return
func.func @accumulator(%out: !tile.buffer<?xf32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<64x16xf32, fragment, #tile.wgmma<1>>
    %rows = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64xf32, shared>
    tile.parallel [64, 16] attributes {layout = #tile.wgmma<1>} {
    ^bb0(%i: index, %j: index):
      %v = tile.load %acc[%i, %j] : !tile.buffer<64x16xf32, fragment, #tile.wgmma<1>>
      %m = tile.load %rows[%i] : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      %d = arith.subf %v, %m : f32
      tile.store %d, %acc[%i, %j] : !tile.buffer<64x16xf32, fragment, #tile.wgmma<1>>
    }
    tile.parallel [64] attributes {layout = #tile.wgmma_rows<1>} {
    ^bb0(%i: index):
      %m = tile.load %rows[%i] : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      tile.store %m, %s[%i] : !tile.buffer<64xf32, shared>
      tile.store %m, %out[%i] : !tile.buffer<?xf32, global>
    }
  }
  return
}

// -----

// A `vector` loop (tile-vectorize-parallel): thread tid runs vector
// tid + 128 k (iterations 4 v .. 4 v + 3 of a row) in trip k; where both
// tensors are aligned to 16 bytes and the vector's guard and unproven
// stores hold at its two end lanes, the lanes run op by op with one vector
// access each (the guard's branch inlined), else each lane as written.
// CHECK-LABEL: func.func @vector
// CHECK: tile.per_thread {
// CHECK: %[[XALIGNED:.*]] = tile.aligned %[[X:.*]], 16
// CHECK: %[[YALIGNED:.*]] = tile.aligned %[[Y:[^,]*]], 16
// CHECK: scf.for
// CHECK: %[[VECTOR:.*]] = arith.addi
// CHECK: %[[WIDTH:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.muli %[[VECTOR]], %[[WIDTH]] : index
// CHECK: %[[COLUMN:.*]] = arith.remui %[[FIRST]], %{{.*}} : index
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi slt
// CHECK: tile.in_bounds %[[Y]][%{{.*}}, %{{.*}}]
// CHECK: tile.in_bounds %[[Y]][%{{.*}}, %{{.*}}]
// CHECK: scf.if %{{.*}} {
// CHECK-NOT: scf.if
// CHECK: %[[LANES:.*]]:4 = tile.load_vector %[[X]][%{{.*}}, %{{.*}}] : <?x64xf32, global> -> f32, f32, f32, f32
// CHECK: %[[Y0:.*]] = arith.mulf %[[LANES]]#0, %[[LANES]]#0 : f32
// CHECK: %[[Y3:.*]] = arith.mulf %[[LANES]]#3, %[[LANES]]#3 : f32
// CHECK: tile.store_vector(%[[Y0]], %{{.*}}, %{{.*}}, %[[Y3]] : f32, f32, f32, f32), %[[Y]][%{{.*}}, %{{.*}}]
// CHECK-NEXT: } else {
// CHECK: scf.if
// CHECK: tile.load %[[X]]
// CHECK: tile.store %{{.*}}, %[[Y]]
// CHECK-NOT: tile.parallel
// GPU-LABEL: gpu.func @vector(
// GPU: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
// GPU: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
func.func @vector(%X: !tile.buffer<?x64xf32, global>, %Y: !tile.buffer<?x64xf32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %rows = tile.dim %X[0] : !tile.buffer<?x64xf32, global>
    tile.parallel [64, 64] attributes {vector = 4 : i64} {
    ^bb0(%i: index, %j: index):
      %row = arith.addi %bx, %i : index
      %inside = arith.cmpi slt, %row, %rows : index
      scf.if %inside {
        %x = tile.load %X[%row, %j] {contiguous} : !tile.buffer<?x64xf32, global>
        %y = arith.mulf %x, %x : f32
        tile.store %y, %Y[%row, %j] {contiguous} : !tile.buffer<?x64xf32, global>
      } {tile.vector_guard}
    }
  }
  return
}

// -----

// Fills of the block's tiles are partitioned as the loops they are: a
// shared tile's cyclically in a loop of trips, a #tile.cyclic fragment's
// in unrolled trips each in its slot, an accumulator's over the elements
// each thread holds; a local buffer (each thread's own) is filled whole
// by every thread, its few elements one store each.
// CHECK-LABEL: func.func @fills
// CHECK: tile.per_thread {
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: scf.for
// CHECK: %[[FLAT:.*]] = arith.addi %[[TID]], %{{.*}} : index
// CHECK: tile.store %[[ZERO:.*]], %{{.*}}[%{{.*}}, %{{.*}}] : <8x64xf32, shared>
// CHECK: tile.per_thread {
// CHECK: tile.store_slot %[[ZERO]], %{{.*}}[%{{.*}}] : <2x128xf32, fragment, #tile.cyclic<128>>
// CHECK: tile.store_slot %[[ZERO]], %{{.*}}[%{{.*}}] : <2x128xf32, fragment, #tile.cyclic<128>>
// CHECK-NOT: tile.store_slot {{.*}}cyclic
// CHECK: tile.per_thread {
// CHECK-COUNT-8: tile.store_slot %[[ZERO]], %{{.*}}[%{{.*}}] : <64x16xf32, fragment, #tile.wgmma<1>>
// CHECK-NOT: tile.store_slot
// CHECK: %[[OWN:.*]] = tile.alloc : <4xf32, local>
// CHECK-NEXT: tile.per_thread {
// CHECK-NOT: tile.thread_id
// CHECK-COUNT-4: tile.store %[[ZERO]], %[[OWN]][%{{.*}}] : <4xf32, local>
// CHECK-NOT: tile.fill
// CHECK-NOT: tile.parallel
// GPU-LABEL: gpu.func @fills(
// GPU-NOT: tile.
// GPU: gpu.return
func.func @fills(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %zero = arith.constant 0.0 : f32
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<8x64xf32, shared>
    tile.fill %s, %zero : !tile.buffer<8x64xf32, shared>
    %frag = tile.alloc : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
    tile.fill %frag, %zero : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
    %acc = tile.alloc : !tile.buffer<64x16xf32, fragment, #tile.wgmma<1>>
    tile.fill %acc, %zero : !tile.buffer<64x16xf32, fragment, #tile.wgmma<1>>
    %own = tile.alloc : !tile.buffer<4xf32, local>
    tile.fill %own, %zero : !tile.buffer<4xf32, local>
  }
  return
}

// -----

// What the block does once (a print, one element's atomic add, a signal, a
// wait) runs on the first thread of the part that reaches it: thread 0,
// or the producer's first (128) in its region. A signal gathers the
// block's writes at a barrier first; after a wait, a barrier holds the
// others until the first thread has seen the flag. In a T.Parallel body
// each thread prints its own.
// CHECK-LABEL: func.func @once_per_block
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[TID:.*]] = tile.thread_id
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %[[C0]] : index
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK-NEXT: tile.print
// CHECK: tile.per_thread {
// CHECK: scf.if
// CHECK-NEXT: tile.atomic_add
// CHECK: tile.barrier
// CHECK-NEXT: tile.per_thread {
// CHECK: scf.if
// CHECK-NEXT: tile.signal
// CHECK: tile.per_thread {
// CHECK: scf.if
// CHECK-NEXT: tile.wait_signal
// CHECK: }
// CHECK-NEXT: }
// CHECK-NEXT: tile.barrier
// CHECK: tile.warp_specialize producer {
// CHECK: tile.per_thread {
// CHECK-NEXT: %[[PTID:.*]] = tile.thread_id
// CHECK-NEXT: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NEXT: arith.cmpi eq, %[[PTID]], %[[C128]] : index
// CHECK: tile.print
// CHECK: } consumers {
// CHECK: tile.per_thread {
// CHECK-NOT: arith.cmpi eq
// CHECK: tile.print %{{.*}} {message = "each"}
func.func @once_per_block(%R: !tile.buffer<?xf32, global>, %F: !tile.buffer<8xi32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    tile.print %bx {message = "block"} : index
    tile.atomic_add %one, %R[%bx] : f32, !tile.buffer<?xf32, global>
    tile.signal %F[%bx] : !tile.buffer<8xi32, global>
    tile.wait_signal %F[%c0] : !tile.buffer<8xi32, global>
    tile.warp_specialize producer {
      tile.print %bx {message = "producer"} : index
    } consumers {
      tile.parallel [128] {
      ^bb0(%i: index):
        tile.print %i {message = "each"} : index
      }
    }
  }
  return
}


// -----

// A reduction of a shared tile is a loop over its outputs, spread over
// the threads (240 outputs on 128 threads: two trips, the second guarded),
// each folding its row in order from the identity and combined with the
// target's value (no `clear`); into a local buffer every thread computes
// every output (its own copy) in a loop of its own. 16-bit floats are
// summed in f32.
// CHECK-LABEL: func.func @reductions
// CHECK: tile.per_thread {
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: scf.for %[[TRIP:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[FLAT:.*]] = arith.addi %[[TID]], %{{.*}} : index
// CHECK: %[[RAGGED:.*]] = arith.cmpi ult, %[[FLAT]], %{{.*}} : index
// CHECK: scf.if %[[RAGGED]] {
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[NEG]]) -> (f32) {
// CHECK: %[[X:.*]] = tile.load %{{.*}}[%[[FLAT]], %[[K]]] : <240x64xf32, shared>
// CHECK: %[[M:.*]] = arith.maximumf %[[ACC]], %[[X]] : f32
// CHECK: scf.yield %[[M]] : f32
// CHECK: %[[OLD:.*]] = tile.load %{{.*}}[%[[FLAT]], %{{.*}}] : <240x1xf32, shared>
// CHECK: %[[NEW:.*]] = arith.maximumf %[[OLD]], %[[MAX]] : f32
// CHECK: tile.store %[[NEW]], %{{.*}}[%[[FLAT]], %{{.*}}] : <240x1xf32, shared>
// CHECK: tile.per_thread {
// CHECK-NOT: tile.thread_id
// CHECK: scf.for %[[OUT:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.for %[[K2:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SUM:.*]] = %[[ZERO]]) -> (f32) {
// CHECK: %[[Y:.*]] = tile.load %{{.*}}[%[[OUT]], %[[K2]]] : <240x64xf16, shared>
// CHECK: %[[WIDE:.*]] = arith.extf %[[Y]] : f16 to f32
// CHECK: %[[ABS:.*]] = math.absf %[[WIDE]] : f32
// CHECK: arith.addf %[[SUM]], %[[ABS]] : f32
// CHECK-NOT: tile.load {{.*}}local
// CHECK: tile.store %{{.*}}, %{{.*}}[%[[OUT]]] : <240xf32, local>
// CHECK-NOT: tile.reduce
// GPU-LABEL: gpu.func @reductions(
// GPU-NOT: tile.
// GPU: gpu.return
func.func @reductions(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<240x64xf32, shared>
    %m = tile.alloc {shared_offset = 61440 : i64} : !tile.buffer<240x1xf32, shared>
    tile.reduce max %s, %m dim(1) : !tile.buffer<240x64xf32, shared>, !tile.buffer<240x1xf32, shared>
    %h = tile.alloc {shared_offset = 62464 : i64} : !tile.buffer<240x64xf16, shared>
    %own = tile.alloc : !tile.buffer<240xf32, local>
    tile.reduce abssum %h, %own dim(1) clear : !tile.buffer<240x64xf16, shared>, !tile.buffer<240xf32, local>
  }
  return
}

// -----

// A prefix sum is a loop over its lines (8 lines on 128 threads: the
// first 8 threads, one line each), each summed along the line in f32
// (f16 elements), in reverse: step k reads and writes element 63 - k.
// CHECK-LABEL: func.func @prefix_sum
// CHECK: tile.per_thread {
// CHECK: %[[TID:.*]] = tile.thread_id
// CHECK: %[[LINE:.*]] = arith.addi %[[TID]], %{{.*}} : index
// CHECK: arith.cmpi ult, %[[LINE]], %{{.*}} : index
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SUM:.*]] = %[[ZERO]]) -> (f32) {
// CHECK: %[[AT:.*]] = arith.subi %{{.*}}, %[[K]] : index
// CHECK: %[[X:.*]] = tile.load %[[S:.*]][%[[LINE]], %[[AT]]] : <8x64xf16, shared>
// CHECK: %[[WIDE:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[NEXT:.*]] = arith.addf %[[SUM]], %[[WIDE]] : f32
// CHECK: %[[NARROW:.*]] = arith.truncf %[[NEXT]] : f32 to f16
// CHECK: tile.store %[[NARROW]], %[[S]][%[[LINE]], %[[AT]]] : <8x64xf16, shared>
// CHECK: scf.yield %[[NEXT]] : f32
// CHECK-NOT: tile.cumsum
// GPU-LABEL: gpu.func @prefix_sum(
// GPU-NOT: tile.
// GPU: gpu.return
func.func @prefix_sum(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<8x64xf16, shared>
    tile.cumsum %s, %s dim(1) reverse : !tile.buffer<8x64xf16, shared>, !tile.buffer<8x64xf16, shared>
  }
  return
}

// -----

// A whole tile's atomic add is a loop of element adds (the value converted
// to the target's type) where no target path adds many elements at once:
// a #tile.cyclic fragment's in unrolled trips, each element in its slot.
// A relaxed float32 add from a shared tile stays whole (bulk reductions),
// one with release order does not.
// CHECK-LABEL: func.func @atomic_adds
// CHECK: tile.per_thread {
// CHECK: %[[X:.*]] = tile.load_slot %{{.*}}[%{{.*}}] : <2x128xf16, fragment, #tile.cyclic<128>>
// CHECK: %[[WIDE:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: tile.atomic_add %[[WIDE]], %{{.*}}[%{{.*}}, %{{.*}}] : f32, <2x128xf32, global>
// CHECK: tile.load_slot
// CHECK: tile.atomic_add
// CHECK-NOT: tile.atomic_add
// CHECK: tile.atomic_add %{{.*}}, %{{.*}} : !tile.buffer<8x64xf32, shared>, <8x64xf32, global>
// CHECK: tile.per_thread {
// CHECK: scf.for
// CHECK: tile.atomic_add %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] {memory_order = #tile<memory_order release>} : f32, <8x64xf32, global>
// GPU-LABEL: gpu.func @atomic_adds(
// GPU-COUNT-2: llvm.atomicrmw fadd
// GPU: gpu.return
func.func @atomic_adds(%G: !tile.buffer<2x128xf32, global>, %H: !tile.buffer<8x64xf32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<2x128xf16, fragment, #tile.cyclic<128>>
    tile.atomic_add %frag, %G : !tile.buffer<2x128xf16, fragment, #tile.cyclic<128>>, !tile.buffer<2x128xf32, global>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<8x64xf32, shared>
    tile.atomic_add %s, %H : !tile.buffer<8x64xf32, shared>, !tile.buffer<8x64xf32, global>
    tile.atomic_add %s, %H {memory_order = #tile<memory_order release>} : !tile.buffer<8x64xf32, shared>, !tile.buffer<8x64xf32, global>
  }
  return
}

// -----

// A copy to or from an accumulator's rows is the loop over the rows each
// quad holds: from a tensor each row is read (as zero outside it) into its
// slot; into a tensor only the quad's first lane stores, where the row is
// inside.
// CHECK-LABEL: func.func @rows_copies
// CHECK: tile.per_thread {
// CHECK: %[[IN:.*]] = tile.load %{{.*}}[%{{.*}}] : <64xf32, global, #tile.window<?, dims [0]>>
// CHECK: tile.store_slot %[[IN]], %{{.*}}[%{{.*}}] : <64xf32, fragment, #tile.wgmma_rows<1>>
// CHECK: tile.per_thread {
// CHECK: %[[ROW:.*]] = tile.load_slot %{{.*}}[%{{.*}}] : <64xf32, fragment, #tile.wgmma_rows<1>>
// CHECK: %[[INSIDE:.*]] = tile.in_bounds %{{.*}}[%{{.*}}] : <64xf32, global, #tile.window<?, dims [0]>>
// CHECK: scf.if %[[INSIDE]] {
// CHECK: arith.remui
// CHECK: scf.if
// CHECK: tile.store %[[ROW]], %{{.*}}[%{{.*}}] {inside} : <64xf32, global, #tile.window<?, dims [0]>>
// CHECK-NOT: tile.copy
// GPU-LABEL: gpu.func @rows_copies(
// GPU-NOT: tile.
// GPU: gpu.return
func.func @rows_copies(%X: !tile.buffer<?xf32, global>, %Y: !tile.buffer<?xf32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c64 = arith.constant 64 : index
    %start = arith.muli %bx, %c64 : index
    %x = tile.region %X[%start] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    %y = tile.region %Y[%start] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    %rows = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    tile.copy %x, %rows : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    tile.copy %rows, %y : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
  }
  return
}
