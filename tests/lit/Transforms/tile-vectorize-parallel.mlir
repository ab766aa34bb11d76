// RUN: tile-opt %s --split-input-file --tile-vectorize-parallel | FileCheck %s

// An element-wise loop over a 1-D tensor: eight bf16 lanes per thread make a
// 16-byte access (the block's offset, bx * 2048, is a multiple of 8), the
// bounds guard holds on an interval of the lane, both accesses move with it.
// CHECK-LABEL: func.func @gelu_like
// CHECK: tile.parallel [2048] attributes {vector = 8 : i64}
// CHECK: tile.load %{{.*}}[%{{.*}}] {contiguous}
// CHECK: tile.store %{{.*}}, %{{.*}}[%{{.*}}] {contiguous}
// CHECK: } {tile.vector_guard}
func.func @gelu_like(%X: !tile.buffer<?xbf16, global> {tile.dims = ["N"], tile.name = "X"},
                     %Y: !tile.buffer<?xbf16, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %N = tile.dim %X[0] : !tile.buffer<?xbf16, global>
  %c2048 = arith.constant 2048 : index
  %grid = arith.ceildivsi %N, %c2048 : index
  tile.launch grid(%grid) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [2048] {
    ^bb0(%i: index):
      %base = arith.muli %bx, %c2048 : index
      %index = arith.addi %base, %i : index
      %inside = arith.cmpi slt, %index, %N : index
      scf.if %inside {
        %x = tile.load %X[%index] : !tile.buffer<?xbf16, global>
        tile.store %x, %Y[%index] : !tile.buffer<?xbf16, global>
      }
    }
  }
  return
}

// -----

// Rows of a static 64-float width: a vector of 4 floats starts at a
// multiple of 4 in every row. The short-circuit `and` of two bounds becomes
// one arith.andi the guard tests; the row bound does not move with the
// lane, and a broadcast read (bias[0]) is not a vector access.
// CHECK-LABEL: func.func @rows
// CHECK: tile.parallel [4, 64] attributes {vector = 4 : i64}
// CHECK: %[[BOTH:.*]] = arith.andi
// CHECK: scf.if %[[BOTH]] {
// CHECK: tile.load %{{.*}}[%{{.*}}, %{{.*}}] {contiguous}
// CHECK: tile.load %{{.*}}[%{{.*}}] : <?xf32, global>
// CHECK: tile.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] {contiguous}
// CHECK: } {tile.vector_guard}
func.func @rows(%X: !tile.buffer<?x64xf32, global> {tile.dims = ["M", ""], tile.name = "X"},
                %bias: !tile.buffer<?xf32, global> {tile.dims = ["B"], tile.name = "bias"},
                %Y: !tile.buffer<?x64xf32, global> {tile.dims = ["M", ""], tile.name = "Y"}) attributes {tile.kernel} {
  %M = tile.dim %X[0] : !tile.buffer<?x64xf32, global>
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c0 = arith.constant 0 : index
  %grid = arith.ceildivsi %M, %c4 : index
  tile.launch grid(%grid) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [4, 64] {
    ^bb0(%i: index, %j: index):
      %r0 = arith.muli %bx, %c4 : index
      %row = arith.addi %r0, %i : index
      %rowInside = arith.cmpi slt, %row, %M : index
      %inside = scf.if %rowInside -> (i1) {
        %colInside = arith.cmpi slt, %j, %c64 : index
        scf.yield %colInside : i1
      } else {
        %false = arith.constant false
        scf.yield %false : i1
      }
      scf.if %inside {
        %x = tile.load %X[%row, %j] : !tile.buffer<?x64xf32, global>
        %b = tile.load %bias[%c0] : !tile.buffer<?xf32, global>
        %y = arith.addf %x, %b : f32
        tile.store %y, %Y[%row, %j] : !tile.buffer<?x64xf32, global>
      }
    }
  }
  return
}

// -----

// Loops that keep one element per thread: rows of a dynamic width (a row
// may start anywhere), an offset not known to be a multiple of the vector
// (bx * 2047), a stride of 2 along the lane, a fragment (partitioned by its
// layout), and a guard that is not an interval (j != 5) stays unmarked in a
// loop that is vectorized.
// CHECK-LABEL: func.func @kept
// CHECK: tile.parallel [4, 64] {
// CHECK: tile.parallel [2048] {
// CHECK: tile.parallel [1024] {
// CHECK: tile.parallel [256] {
// CHECK: tile.parallel [256] attributes {vector = 4 : i64}
// CHECK: scf.if
// CHECK-NOT: tile.vector_guard
// CHECK: return
func.func @kept(%X: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "X"},
                %V: !tile.buffer<?xf32, global> {tile.dims = ["L"], tile.name = "V"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c5 = arith.constant 5 : index
  %c2047 = arith.constant 2047 : index
  %f0 = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [4, 64] {
    ^bb0(%i: index, %j: index):
      tile.store %f0, %X[%i, %j] : !tile.buffer<?x?xf32, global>
    }
    tile.parallel [2048] {
    ^bb0(%i: index):
      %base = arith.muli %bx, %c2047 : index
      %index = arith.addi %base, %i : index
      tile.store %f0, %V[%index] : !tile.buffer<?xf32, global>
    }
    tile.parallel [1024] {
    ^bb0(%i: index):
      %index = arith.muli %i, %c2 : index
      tile.store %f0, %V[%index] : !tile.buffer<?xf32, global>
    }
    %frag = tile.alloc : !tile.buffer<256xf32, fragment, #tile.cyclic<64>>
    tile.parallel [256] {
    ^bb0(%i: index):
      %x = tile.load %V[%i] : !tile.buffer<?xf32, global>
      tile.store %x, %frag[%i] : !tile.buffer<256xf32, fragment, #tile.cyclic<64>>
    }
    tile.parallel [256] {
    ^bb0(%j: index):
      %odd = arith.cmpi ne, %j, %c5 : index
      scf.if %odd {
        tile.store %f0, %V[%j] : !tile.buffer<?xf32, global>
      }
    }
  }
  return
}

// -----

// Rows of a [batch, seq, heads, 128] layout whose outer extents are bound at
// launch: each row still starts at a multiple of 128 elements, so the float32
// workspace (T.alloc_global) is read and the bf16 tensor written in vectors
// (four floats: the narrower of the two).
// CHECK-LABEL: func.func @heads_rows
// CHECK: tile.parallel [64, 128] attributes {vector = 4 : i64}
// CHECK: tile.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] {contiguous}
// CHECK: tile.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] {contiguous}
// CHECK: } {tile.vector_guard}
func.func @heads_rows(%dQ: !tile.buffer<?x?x?x128xbf16, global> {tile.dims = ["batch", "seq", "heads", ""], tile.name = "dQ"}) attributes {tile.kernel} {
  %c64 = arith.constant 64 : index
  %batch = tile.dim %dQ[0] : !tile.buffer<?x?x?x128xbf16, global>
  %seq = tile.dim %dQ[1] : !tile.buffer<?x?x?x128xbf16, global>
  %heads = tile.dim %dQ[2] : !tile.buffer<?x?x?x128xbf16, global>
  %sum = tile.alloc_global(%batch, %seq, %heads) {name = "workspace0"} : !tile.buffer<?x?x?x128xf32, global>
  %grid = arith.ceildivsi %seq, %c64 : index
  tile.launch grid(%grid, %heads, %batch) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [64, 128] {
    ^bb0(%i: index, %j: index):
      %r0 = arith.muli %bx, %c64 : index
      %row = arith.addi %r0, %i : index
      %inside = arith.cmpi slt, %row, %seq : index
      scf.if %inside {
        %x = tile.load %sum[%bz, %row, %by, %j] : !tile.buffer<?x?x?x128xf32, global>
        %y = arith.truncf %x : f32 to bf16
        tile.store %y, %dQ[%bz, %row, %by, %j] : !tile.buffer<?x?x?x128xbf16, global>
      }
    }
  }
  return
}

// -----

// A loop that writes a thread's own buffer at an element the iterations
// share (a local scratch) keeps the reference partition: the lanes of a
// vector run op by op, so each would read the value the last lane wrote.
// One that only reads it, or writes elements that move with the lane, is
// vectorized.
// CHECK-LABEL: func.func @local_scratch
// CHECK: tile.parallel [1024] {
// CHECK: tile.parallel [1024] attributes {vector = 4 : i64}
// CHECK: tile.parallel [1024] attributes {vector = 4 : i64}
func.func @local_scratch(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"},
                         %B: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "B"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1024 = arith.constant 1024 : index
  %two = arith.constant 2.0 : f32
  tile.launch grid(%c1024) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tmp = tile.alloc : !tile.buffer<1xf32, local>
    %base = arith.muli %bx, %c1024 : index
    tile.parallel [1024] {
    ^bb0(%i: index):
      %index = arith.addi %base, %i : index
      %a = tile.load %A[%index] : !tile.buffer<?xf32, global>
      %twice = arith.mulf %a, %two : f32
      tile.store %twice, %tmp[%c0] : !tile.buffer<1xf32, local>
      %t = tile.load %tmp[%c0] : !tile.buffer<1xf32, local>
      tile.store %t, %B[%index] : !tile.buffer<?xf32, global>
    }
    tile.parallel [1024] {
    ^bb0(%i: index):
      %index = arith.addi %base, %i : index
      %a = tile.load %A[%index] : !tile.buffer<?xf32, global>
      %t = tile.load %tmp[%c0] : !tile.buffer<1xf32, local>
      %sum = arith.addf %a, %t : f32
      tile.store %sum, %B[%index] : !tile.buffer<?xf32, global>
    }
    %row = tile.alloc : !tile.buffer<1024xf32, local>
    tile.parallel [1024] {
    ^bb0(%i: index):
      %index = arith.addi %base, %i : index
      %a = tile.load %A[%index] : !tile.buffer<?xf32, global>
      tile.store %a, %row[%i] : !tile.buffer<1024xf32, local>
      %r = tile.load %row[%i] : !tile.buffer<1024xf32, local>
      tile.store %r, %B[%index] : !tile.buffer<?xf32, global>
    }
  }
  return
}
