// RUN: tile-opt %s --tile-partition-parallel --tile-lower-to-gpu="mma-sync=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s
// RUN: tile-opt %s --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=SIMT

// With mma-sync, fp16 and bf16 gemms of 32x16x32 tiles run on tensor cores:
// each warp takes 16x8 pieces of C, k steps of 16. The shared operands'
// rows are 16-byte aligned, so A comes in with one ldmatrix.x4 and B (K x
// N, so transposed) with one ldmatrix.x2.trans per step; operands go to
// nvvm.mma.sync two to a register (<2 x f16> for fp16, i32 for bf16).
// CHECK-LABEL: gpu.func @gemm
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: scf.for {{.*}} iter_args
// CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32)>
// CHECK: llvm.bitcast %{{.*}} : i32 to vector<2xf16>
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: nvvm.ldmatrix
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK: gpu.return
// SIMT-NOT: mma.sync
func.func @gemm() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<32x32xf16, shared>
    %b = tile.alloc : !tile.buffer<32x16xf16, shared>
    %c = tile.alloc : !tile.buffer<32x16xf32, fragment>
    %zero = arith.constant 0.0 : f16
    tile.fill %a, %zero : !tile.buffer<32x32xf16, shared>
    tile.fill %b, %zero : !tile.buffer<32x16xf16, shared>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<32x32xf16, shared>, !tile.buffer<32x16xf16, shared>, !tile.buffer<32x16xf32, fragment>
    %ab = tile.alloc : !tile.buffer<32x32xbf16, shared>
    %bb = tile.alloc : !tile.buffer<32x16xbf16, shared>
    %zb = arith.constant 0.0 : bf16
    tile.fill %ab, %zb : !tile.buffer<32x32xbf16, shared>
    tile.fill %bb, %zb : !tile.buffer<32x16xbf16, shared>
    tile.gemm %ab, %bb, %c {policy = #tile<gemm_policy square>}
        : !tile.buffer<32x32xbf16, shared>, !tile.buffer<32x16xbf16, shared>, !tile.buffer<32x16xf32, fragment>
  }
  return
}
