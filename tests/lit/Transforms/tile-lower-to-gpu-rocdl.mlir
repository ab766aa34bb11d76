// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu=target=rocdl --tile-convert-to-llvm=target=rocdl --tile-lower-float8 --verify-diagnostics | FileCheck %s
// RUN: not tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="target=rocdl tma=true" --tile-convert-to-llvm=target=rocdl --tile-lower-float8 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu=target=ptx --tile-convert-to-llvm --tile-lower-float8 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// The AMD target (TargetInfo "rocdl"): per-thread arrays live in address
// space 5 (private/scratch memory), and the block synchronises with
// gpu.barrier alone; no NVVM op appears.
// CHECK-LABEL: gpu.func @row_sum
// CHECK: llvm.alloca %{{.*}} x f32 {alignment = 16 : i64} : (i64) -> !llvm.ptr<5>
// CHECK: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK-NOT: nvvm.
// CHECK: gpu.return
// An option that asks for NVIDIA instructions names itself, at the kernel.
// OPTION: error: tile-lower-to-gpu: the rocdl target has no instructions for option 'tma'
// UNKNOWN: error: tile-lower-to-gpu: unknown target 'ptx' (nvvm or rocdl)
func.func @row_sum(%X: !tile.buffer<64x128xf32, global> {tile.name = "X"},
                   %Y: !tile.buffer<64xf32, global> {tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %x = tile.alloc : !tile.buffer<64x128xf32, fragment, #tile.cyclic<128>>
    %y = tile.alloc : !tile.buffer<64xf32, shared>
    tile.copy %X, %x : !tile.buffer<64x128xf32, global>, !tile.buffer<64x128xf32, fragment, #tile.cyclic<128>>
    tile.reduce sum %x, %y dim(1) clear : !tile.buffer<64x128xf32, fragment, #tile.cyclic<128>>, !tile.buffer<64xf32, shared>
    tile.copy %y, %Y : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, global>
  }
  return
}

// -----

// A wgmma accumulator layout reaches the lowering only from NVIDIA's
// pipeline; on the AMD target it is an error at the gemm, once.
func.func @gemm(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    // expected-error @+1 {{the rocdl target has no warpgroup MMA (wgmma)}}
    tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>, clear_accum}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// On a wavefront of 64 a shuffle names the source's lane in the wavefront
// (threads 32-63 read from 32-63, not from the first half).
// CHECK-LABEL: gpu.func @shuffle
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c64{{.*}} : index
// CHECK: %[[LANE32:.*]] = arith.index_cast %[[LANE]] : index to i32
// CHECK: gpu.shuffle  idx %{{.*}}, %[[LANE32]], %c64_i32 : f32
func.func @shuffle(%A: !tile.buffer<64xf32, global> {tile.dims = [""], tile.name = "A"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %partner = arith.xori %tid, %c1 : index
    %a = tile.load %A[%tid] : !tile.buffer<64xf32, global>
    %a2 = tile.shuffle %a from %partner : f32
    tile.store %a2, %A[%tid] : !tile.buffer<64xf32, global>
  }
  return
}
