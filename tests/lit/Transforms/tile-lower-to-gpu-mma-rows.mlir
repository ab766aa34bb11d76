// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s

// An accumulator in #tile.wgmma<1, mma_sync> (sm_80): warp w runs rows
// 16w..16w+15 on mma.sync, C in registers (no shared memory for it). Per
// k16 step A comes in by one ldmatrix.x4 and B (K x N) by one
// ldmatrix.x4.trans for two 8-column chunks; four mma.sync for K = 32 and
// N = 16, unrolled, chained through their accumulators.
// CHECK-LABEL: gpu.func @rows
// CHECK-NOT: scf.for
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>, num = 4 : i32{{.*}} -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>, num = 4 : i32{{.*}} -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: %[[D0:.*]] = nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[%[[ZERO:cst[_0-9]*]], %[[ZERO]], {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: %[[X:.*]] = llvm.extractvalue %[[D0]][0]
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[%[[ZERO]],
// CHECK: nvvm.ldmatrix {{.*}}num = 4
// CHECK: nvvm.ldmatrix {{.*}}num = 4
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[%[[X]], {{.*}}]
// CHECK: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK-NOT: st.shared
// CHECK: gpu.return
func.func @rows() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x32xf16, shared, #tile.swizzle<64>>
    %b = tile.alloc : !tile.buffer<32x16xf16, shared, #tile.swizzle<32>>
    %c = tile.alloc : !tile.buffer<64x16xf32, fragment, #tile.wgmma<1, mma_sync>>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<64x32xf16, shared, #tile.swizzle<64>>, !tile.buffer<32x16xf16, shared, #tile.swizzle<32>>, !tile.buffer<64x16xf32, fragment, #tile.wgmma<1, mma_sync>>
  }
  return
}

// -----

// B stored N x K (transpose_b) is read untransposed; a third 8-column chunk
// takes an ldmatrix.x2. A in the accumulator layout (registers) is packed
// from its slots, with no ldmatrix for it.
// CHECK-LABEL: gpu.func @transposed
// CHECK-NOT: nvvm.ldmatrix {{.*}}mma_layout<col>
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>, num = 4 : i32
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>, num = 2 : i32
// CHECK: nvvm.mma.sync
// CHECK-NOT: nvvm.ldmatrix
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.return
func.func @transposed() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %p = tile.alloc : !tile.buffer<64x16xf16, fragment, #tile.wgmma<1, mma_sync>>
    %b = tile.alloc : !tile.buffer<24x16xf16, shared, #tile.swizzle<32>>
    %c = tile.alloc : !tile.buffer<64x24xf32, fragment, #tile.wgmma<1, mma_sync>>
    %zero = arith.constant 0.0 : f16
    tile.fill %p, %zero : !tile.buffer<64x16xf16, fragment, #tile.wgmma<1, mma_sync>>
    tile.gemm %p, %b, %c {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x16xf16, fragment, #tile.wgmma<1, mma_sync>>, !tile.buffer<24x16xf16, shared, #tile.swizzle<32>>, !tile.buffer<64x24xf32, fragment, #tile.wgmma<1, mma_sync>>
  }
  return
}

// -----

// Columns split over two warpgroups (columns 2): each takes 16 of the 32
// columns, its B chunks starting at column 16 * (warpgroup mod 2): two
// mma.sync per k16 step, one ldmatrix.x4.trans for both chunks.
// CHECK-LABEL: gpu.func @columns
// CHECK: %[[GROUP:.*]] = arith.divui %thread_id_x, %c128
// CHECK: %[[COLUMNS:.*]] = arith.remui %[[GROUP]], %c2
// CHECK: %[[FIRST:.*]] = arith.muli %[[COLUMNS]], %c16
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>, num = 4
// CHECK: arith.addi %[[FIRST]], %c0
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>, num = 4
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.return
func.func @columns() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x16xf16, shared, #tile.swizzle<32>>
    %b = tile.alloc : !tile.buffer<16x32xf16, shared, #tile.swizzle<64>>
    %c = tile.alloc : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1, columns 2, mma_sync>>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<64x16xf16, shared, #tile.swizzle<32>>, !tile.buffer<16x32xf16, shared, #tile.swizzle<64>>, !tile.buffer<64x32xf32, fragment, #tile.wgmma<1, columns 2, mma_sync>>
  }
  return
}
