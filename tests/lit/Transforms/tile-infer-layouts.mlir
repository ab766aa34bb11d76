// RUN: tile-opt %s --tile-infer-layouts | FileCheck %s

// CHECK-LABEL: func.func @layouts
func.func @layouts(%X: !tile.buffer<?x?xf32, global>) {
  %c0 = arith.constant 0 : index
  tile.launch grid(%c0) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // Filled, read and written at the loop point, reduced: in registers.
    // CHECK: %[[T:.*]] = tile.alloc : <4x256xf32, fragment, #tile.cyclic<128>>
    %t = tile.alloc : !tile.buffer<4x256xf32, fragment>
    // Read as row[i] inside a 2-D loop (a broadcast) and a reduction target:
    // in shared memory.
    // CHECK: %[[ROW:.*]] = tile.alloc : <4xf32, fragment>
    %row = tile.alloc : !tile.buffer<4xf32, fragment>
    // A gemm operand: in shared memory.
    // CHECK: tile.alloc : <16x16xf32, fragment>
    %acc = tile.alloc : !tile.buffer<16x16xf32, fragment>
    %s = tile.alloc : !tile.buffer<16x16xf32, shared>
    // Indexed with swapped loop variables: not the thread order.
    // CHECK: tile.alloc : <4x4xf32, fragment>
    %swapped = tile.alloc : !tile.buffer<4x4xf32, fragment>
    %zero = arith.constant 0.0 : f32
    tile.fill %t, %zero : !tile.buffer<4x256xf32, fragment>
    %r = tile.region %X[%bx, %c0] sizes [4, 256] : !tile.buffer<?x?xf32, global> -> !tile.buffer<4x256xf32, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %r, %t : !tile.buffer<4x256xf32, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<4x256xf32, fragment>
    tile.reduce max %t, %row dim(1) clear : !tile.buffer<4x256xf32, fragment>, !tile.buffer<4xf32, fragment>
    tile.parallel [4, 256] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %t[%i, %j] : !tile.buffer<4x256xf32, fragment>
      %m = tile.load %row[%i] : !tile.buffer<4xf32, fragment>
      %d = arith.subf %v, %m : f32
      tile.store %d, %t[%i, %j] : !tile.buffer<4x256xf32, fragment>
    }
    tile.parallel [4, 4] {
    ^bb0(%i: index, %j: index):
      tile.store %zero, %swapped[%j, %i] : !tile.buffer<4x4xf32, fragment>
    }
    tile.gemm %s, %s, %acc {policy = #tile<gemm_policy square>} : !tile.buffer<16x16xf32, shared>, !tile.buffer<16x16xf32, shared>, !tile.buffer<16x16xf32, fragment>
    tile.copy %t, %r : !tile.buffer<4x256xf32, fragment>, !tile.buffer<4x256xf32, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}

// With a block size that is not a multiple of 32, nothing moves to registers.
// CHECK-LABEL: func.func @odd_threads
func.func @odd_threads() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(48) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // CHECK: tile.alloc : <64xf32, fragment>
    %t = tile.alloc : !tile.buffer<64xf32, fragment>
    %zero = arith.constant 0.0 : f32
    tile.fill %t, %zero : !tile.buffer<64xf32, fragment>
  }
  return
}

// 64-bit elements reduce across threads too (partials in i64 / f64); bits
// that no shuffle moves stay in shared memory.
// CHECK-LABEL: func.func @wide_reductions
func.func @wide_reductions() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // CHECK: tile.alloc : <1x1024xi64, fragment, #tile.cyclic<128>>
    %keys = tile.alloc : !tile.buffer<1x1024xi64, fragment>
    // CHECK: tile.alloc : <2x256xf64, fragment, #tile.cyclic<128>>
    %wide = tile.alloc : !tile.buffer<2x256xf64, fragment>
    // CHECK: tile.alloc : <1x256xi1, fragment>
    %flags = tile.alloc : !tile.buffer<1x256xi1, fragment>
    %best = tile.alloc : !tile.buffer<1xi64, fragment>
    %sums = tile.alloc : !tile.buffer<2xf64, fragment>
    %any = tile.alloc : !tile.buffer<1xi1, fragment>
    %zero = arith.constant 0 : i64
    %zerof = arith.constant 0.0 : f64
    %false = arith.constant false
    tile.fill %keys, %zero : !tile.buffer<1x1024xi64, fragment>
    tile.fill %wide, %zerof : !tile.buffer<2x256xf64, fragment>
    tile.fill %flags, %false : !tile.buffer<1x256xi1, fragment>
    tile.reduce max %keys, %best dim(1) clear : !tile.buffer<1x1024xi64, fragment>, !tile.buffer<1xi64, fragment>
    tile.reduce sum %wide, %sums dim(1) clear : !tile.buffer<2x256xf64, fragment>, !tile.buffer<2xf64, fragment>
    tile.reduce max %flags, %any dim(1) clear : !tile.buffer<1x256xi1, fragment>, !tile.buffer<1xi1, fragment>
  }
  return
}
