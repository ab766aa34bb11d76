// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s

// An element access of a tensor is guarded unless the tile IR shows it
// inside: a load outside reads zero, a store outside is dropped.

// The index table's read is inside (a T.Parallel index of a 64-element
// tensor); the store's index comes from data: only the store is guarded.
// CHECK-LABEL: gpu.func @gather
// CHECK-NOT: scf.if
// CHECK: llvm.load %{{.*}} : !llvm.ptr<1> -> i32
// CHECK: %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %{{.*}} {
// CHECK:   llvm.store %{{.*}} : f32, !llvm.ptr<1>
func.func @gather(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                  %idx: !tile.buffer<64xi32, global> {tile.dims = [""], tile.name = "idx"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [64] {
    ^bb0(%i: index):
      %j = tile.load %idx[%i] : !tile.buffer<64xi32, global>
      %k = arith.index_cast %j : i32 to index
      %one = arith.constant 1.0 : f32
      tile.store %one, %X[%k] : !tile.buffer<?xf32, global>
    }
  }
  return
}

// -----

// A load at an index from data reads zero outside.
// CHECK-LABEL: gpu.func @load_from_data
// CHECK: %[[V:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK:   llvm.load %{{.*}} : !llvm.ptr<1> -> f32
// CHECK: } else {
// CHECK:   scf.yield %cst
func.func @load_from_data(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                          %idx: !tile.buffer<64xi32, global> {tile.dims = [""], tile.name = "idx"},
                          %Y: !tile.buffer<64xf32, global> {tile.dims = [""], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [64] {
    ^bb0(%i: index):
      %j = tile.load %idx[%i] : !tile.buffer<64xi32, global>
      %k = arith.index_cast %j : i32 to index
      %v = tile.load %X[%k] : !tile.buffer<?xf32, global>
      tile.store %v, %Y[%i] : !tile.buffer<64xf32, global>
    }
  }
  return
}

// -----

// A speculative read (tile-flatten-conditionals hoisted it out of the if
// that asked for it) reads zero outside without a branch: its address is
// that of a constant global of zeros there.
// CHECK: llvm.mlir.global internal constant @tilec_zeros(#llvm.zero) {addr_space = 1 : i32, alignment = 16 : i64} : !llvm.array<16 x i8>
// CHECK-LABEL: gpu.func @speculative_load
// CHECK-NOT: scf.if
// CHECK: %[[ZEROS:.*]] = llvm.mlir.addressof @tilec_zeros : !llvm.ptr<1>
// CHECK: %[[ELEMENT:.*]] = llvm.getelementptr %arg0
// CHECK: %[[INSIDE:.*]] = arith.cmpi ult
// CHECK: %[[AT:.*]] = llvm.select %{{.*}}, %[[ELEMENT]], %[[ZEROS]] : i1, !llvm.ptr<1>
// CHECK: %[[V:.*]] = llvm.load %[[AT]] : !llvm.ptr<1> -> f32
// CHECK: llvm.store %[[V]]
func.func @speculative_load(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                            %idx: !tile.buffer<64xi32, global> {tile.dims = [""], tile.name = "idx"},
                            %Y: !tile.buffer<64xf32, global> {tile.dims = [""], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [64] {
    ^bb0(%i: index):
      %j = tile.load %idx[%i] : !tile.buffer<64xi32, global>
      %k = arith.index_cast %j : i32 to index
      %v = tile.load %X[%k] {speculative} : !tile.buffer<?xf32, global>
      tile.store %v, %Y[%i] : !tile.buffer<64xf32, global>
    }
  }
  return
}

// -----

// Provably inside: a T.Parallel index into a tensor of that static size; a
// block index of a grid over the tensor's rows and a column under `j < N`
// (N by the dimension's name, of another tensor); no guards.
// CHECK-LABEL: gpu.func @inside
// CHECK: %[[J:.*]] = arith.cmpi slt
// CHECK-NEXT: scf.if %[[J]] {
// CHECK-NOT: scf.if
// CHECK: llvm.load
// CHECK-NOT: scf.if
// CHECK: gpu.return
func.func @inside(%A: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "A"},
                  %B: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "B"},
                  %C: !tile.buffer<64xf32, global> {tile.dims = [""], tile.name = "C"}) attributes {tile.kernel} {
  %M = tile.dim %A[0] : !tile.buffer<?x?xf32, global>
  %N = tile.dim %B[0] : !tile.buffer<?xf32, global>
  tile.launch grid(%M) threads(64) {
  ^bb0(%row: index, %by: index, %bz: index):
    tile.parallel [64] {
    ^bb0(%j: index):
      %inside = arith.cmpi slt, %j, %N : index
      scf.if %inside {
        %v = tile.load %A[%row, %j] : !tile.buffer<?x?xf32, global>
        tile.store %v, %C[%j] : !tile.buffer<64xf32, global>
      }
    }
  }
  return
}

// -----

// An index inside a window of a tensor proves nothing about the tensor: the
// window [64 bx, 64 bx + 64) of an N-element tensor reaches past its end in
// the last block. The load is guarded; the store into the constant-shape
// tensor is not.
// CHECK-LABEL: gpu.func @window_load
// CHECK: %[[V:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK:   llvm.load %{{.*}} : !llvm.ptr<1> -> f32
// CHECK: } else {
// CHECK:   scf.yield %cst
// CHECK-NOT: scf.if
// CHECK: llvm.store
func.func @window_load(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"},
                       %Y: !tile.buffer<64xf32, global> {tile.dims = [""], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %start = arith.muli %bx, %c64 : index
    %window = tile.region %X[%start] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.parallel [64] {
    ^bb0(%i: index):
      %v = tile.load %window[%i] : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
      tile.store %v, %Y[%i] : !tile.buffer<64xf32, global>
    }
  }
  return
}
