// RUN: tile-opt %s --split-input-file --tile-flatten-conditionals | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-flatten-conditionals=max-ops=2 | FileCheck %s --check-prefix=SMALL

// The mask of packed documents, `q >= k and ids[b, q] == ids[b, k]`: the
// loads run unconditionally (a load outside its tensor reads zero) and the
// `and` is an arith.andi.
// CHECK-LABEL: func.func @document_mask
// CHECK-NOT: scf.if
// CHECK: %[[CAUSAL:.*]] = arith.cmpi sge
// CHECK: %[[AT_Q:.*]] = tile.load %arg0[%{{.*}}, %{{.*}}] {speculative} : <?x?xi32, global>
// CHECK: %[[AT_K:.*]] = tile.load %arg0[%{{.*}}, %{{.*}}] {speculative} : <?x?xi32, global>
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[AT_Q]], %[[AT_K]] : i32
// CHECK: %[[SEEN:.*]] = arith.andi %[[CAUSAL]], %[[SAME]] : i1
// CHECK: arith.select %[[SEEN]]
// The same with at most two ops a side: the then side has three.
// SMALL-LABEL: func.func @document_mask
// SMALL: scf.if %{{.*}} -> (i1)
func.func @document_mask(%ids: !tile.buffer<?x?xi32, global> {tile.dims = ["batch", "len"], tile.name = "ids"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %false = arith.constant false
  %zero = arith.constant 0.0 : f32
  %hidden = arith.constant 0xFF800000 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %scores = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.parallel [64, 64] {
    ^bb0(%q: index, %k: index):
      %causal = arith.cmpi sge, %q, %k : index
      %seen = scf.if %causal -> (i1) {
        %id_q = tile.load %ids[%bz, %q] : !tile.buffer<?x?xi32, global>
        %id_k = tile.load %ids[%bz, %k] : !tile.buffer<?x?xi32, global>
        %same = arith.cmpi eq, %id_q, %id_k : i32
        scf.yield %same : i1
      } else {
        scf.yield %false : i1
      }
      %s = arith.select %seen, %zero, %hidden : f32
      tile.store %s, %scores[%q, %k] : !tile.buffer<64x64xf32, fragment>
    }
  }
  return
}

// -----

// `a or b` (true where a holds): arith.ori. A fragment read at T.Parallel
// indices beside a tensor read: a select. Nested ifs flatten together,
// innermost first.
// CHECK-LABEL: func.func @selects
// CHECK-NOT: scf.if
// CHECK: %[[BEFORE:.*]] = arith.cmpi slt
// CHECK: %[[LIMIT:.*]] = tile.load %arg0[%{{.*}}] {speculative} : <?xindex, global>
// CHECK: %[[AFTER:.*]] = arith.cmpi sgt, %{{.*}}, %[[LIMIT]]
// CHECK: %[[EITHER:.*]] = arith.ori %[[BEFORE]], %[[AFTER]] : i1
// CHECK: %[[SCORE:.*]] = tile.load %{{.*}}[%{{.*}}, %{{.*}}] {speculative} : <64x64xf32, fragment>
// CHECK: %[[BIAS:.*]] = tile.load %arg1[%{{.*}}] {speculative} : <?xf32, global>
// CHECK: %[[SUM:.*]] = arith.addf %[[SCORE]], %[[BIAS]]
// CHECK: %[[V:.*]] = arith.select %[[EITHER]], %[[SUM]], %{{.*}} : f32
// CHECK: %[[BIAS2:.*]] = tile.load %arg1[%{{.*}}] {speculative} : <?xf32, global>
// CHECK: %[[INNER:.*]] = arith.select %[[EITHER]], %[[BIAS2]], %{{.*}} : f32
// CHECK: arith.select %[[BEFORE]], %[[INNER]], %[[V]] : f32
func.func @selects(%limits: !tile.buffer<?xindex, global> {tile.dims = ["n"], tile.name = "limits"},
                   %bias: !tile.buffer<?xf32, global> {tile.dims = ["n"], tile.name = "bias"},
                   %n: index) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  %hidden = arith.constant 0xFF800000 : f32
  %two = arith.constant 2.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %scores = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.parallel [64, 64] {
    ^bb0(%q: index, %k: index):
      %before = arith.cmpi slt, %k, %n : index
      %either = scf.if %before -> (i1) {
        scf.yield %true : i1
      } else {
        %limit = tile.load %limits[%q] : !tile.buffer<?xindex, global>
        %after = arith.cmpi sgt, %k, %limit : index
        scf.yield %after : i1
      }
      %v = scf.if %either -> (f32) {
        %x = tile.load %scores[%q, %k] : !tile.buffer<64x64xf32, fragment>
        %b = tile.load %bias[%k] : !tile.buffer<?xf32, global>
        %sum = arith.addf %x, %b : f32
        scf.yield %sum : f32
      } else {
        scf.yield %hidden : f32
      }
      %outer = scf.if %before -> (f32) {
        %inner = scf.if %either -> (f32) {
          %b = tile.load %bias[%k] : !tile.buffer<?xf32, global>
          scf.yield %b : f32
        } else {
          scf.yield %two : f32
        }
        scf.yield %inner : f32
      } else {
        scf.yield %v : f32
      }
      tile.store %outer, %scores[%q, %k] : !tile.buffer<64x64xf32, fragment>
    }
  }
  return
}

// -----

// What stays behind its branch, though a side reads a tensor element other
// iterations read too (X[i] in a loop over i and j): a read of shared
// memory (an address outside the allocation faults), a fragment read at an
// index from data, an integer division by a value that may be zero, a side
// that writes, and a guard of a vector loop (its lowering checks the guard
// once per vector). Ifs of arithmetic alone are left to LLVM, and so are
// reads of an element no other iteration reads (X[i] in a loop over i):
// their branch costs less than a guard.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-7: scf.if
func.func @kept(%X: !tile.buffer<?xf32, global> {tile.dims = ["n"], tile.name = "X"},
                %n: index, %d: index) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %staged = tile.alloc : !tile.buffer<64xf32, shared>
    %scores = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      %inside = arith.cmpi slt, %i, %n : index
      %a = scf.if %inside -> (f32) {
        %s = tile.load %staged[%i] : !tile.buffer<64xf32, shared>
        %x = tile.load %X[%i] : !tile.buffer<?xf32, global>
        %sum = arith.addf %s, %x : f32
        scf.yield %sum : f32
      } else {
        scf.yield %zero : f32
      }
      %b = scf.if %inside -> (f32) {
        %f = tile.load %scores[%n, %j] : !tile.buffer<64x64xf32, fragment>
        %x = tile.load %X[%i] : !tile.buffer<?xf32, global>
        %sum = arith.addf %f, %x : f32
        scf.yield %sum : f32
      } else {
        scf.yield %zero : f32
      }
      %c = scf.if %inside -> (index) {
        %x = tile.load %X[%i] : !tile.buffer<?xf32, global>
        %xi = arith.fptosi %x : f32 to i32
        %xn = arith.index_cast %xi : i32 to index
        %q = arith.divsi %xn, %d : index
        scf.yield %q : index
      } else {
        scf.yield %c0 : index
      }
      %e = scf.if %inside -> (f32) {
        %x = tile.load %X[%i] : !tile.buffer<?xf32, global>
        tile.store %x, %staged[%i] : !tile.buffer<64xf32, shared>
        scf.yield %b : f32
      } else {
        scf.yield %zero : f32
      }
      %g = scf.if %inside -> (f32) {
        %h = arith.addf %a, %e : f32
        scf.yield %h : f32
      } else {
        scf.yield %zero : f32
      }
      tile.store %g, %scores[%c, %j] : !tile.buffer<64x64xf32, fragment>
    }
    tile.parallel [64] {
    ^bb0(%i: index):
      %inside = arith.cmpi slt, %i, %n : index
      %v = scf.if %inside -> (f32) {
        %x = tile.load %X[%i] : !tile.buffer<?xf32, global>
        scf.yield %x : f32
      } else {
        scf.yield %zero : f32
      }
      tile.store %v, %staged[%i] : !tile.buffer<64xf32, shared>
    }
    tile.parallel [64, 4] attributes {vector = 4 : i64} {
    ^bb0(%i: index, %j: index):
      %inside = arith.cmpi slt, %i, %n : index
      %v = scf.if %inside -> (f32) {
        %x = tile.load %X[%i] {contiguous} : !tile.buffer<?xf32, global>
        scf.yield %x : f32
      } else {
        scf.yield %zero : f32
      }
      tile.store %v, %staged[%i] : !tile.buffer<64xf32, shared>
    }
  }
  return
}

// -----

// The load a flattened if reads is marked speculative.
// CHECK-LABEL: func.func @marked
// CHECK: tile.load %arg0[%{{.*}}] {speculative} : <?xf32, global>
func.func @marked(%X: !tile.buffer<?xf32, global> {tile.dims = ["n"], tile.name = "X"},
                  %n: index) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %scores = tile.alloc : !tile.buffer<64x8xf32, fragment>
    tile.parallel [64, 8] {
    ^bb0(%i: index, %j: index):
      %inside = arith.cmpi slt, %i, %n : index
      %v = scf.if %inside -> (f32) {
        %x = tile.load %X[%i] : !tile.buffer<?xf32, global>
        scf.yield %x : f32
      } else {
        scf.yield %zero : f32
      }
      tile.store %v, %scores[%i, %j] : !tile.buffer<64x8xf32, fragment>
    }
  }
  return
}
