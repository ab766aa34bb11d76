// RUN: tile-opt %s --tile-lower-to-gpu="mma-sync=true" | FileCheck %s
// RUN: tile-opt %s --tile-lower-to-gpu | FileCheck %s --check-prefix=SIMT

// With mma-sync, an fp16 gemm of 32x16x32 tiles runs on tensor cores: each
// warp takes 16x8 pieces of C, k steps of 16. bf16 operands go to
// nvvm.mma.sync directly, two per 32-bit register.
// CHECK-LABEL: gpu.func @gemm
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.from_elements {{.*}} : vector<4x2xf16>
// CHECK: vector.from_elements {{.*}} : vector<2x2xf16>
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: vector.extract {{.*}}[1, 1] : f32 from vector<2x2xf32>
// CHECK: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
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
