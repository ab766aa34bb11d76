// RUN: tile-opt %s --pass-pipeline='builtin.module(gpu.module(tile-rocdl-fast-math))' | FileCheck %s

// An approximable f32 exp2 becomes the bare v_exp_f32 intrinsic; one
// without `afn`, or on f64, keeps the device library's exact function.
// CHECK-LABEL: gpu.func @softmax_step
// CHECK: %[[P:.*]] = llvm.call_intrinsic "llvm.amdgcn.exp2.f32"(%{{.*}}) : (f32) -> f32
// CHECK: %[[EXACT:.*]] = math.exp2 %{{.*}} : f32
// CHECK: %[[WIDE:.*]] = math.exp2 %{{.*}} fastmath<afn> : f64
// CHECK: arith.addf %[[P]], %[[EXACT]] : f32
gpu.module @kernels {
  gpu.func @softmax_step(%x: f32, %y: f64, %out: !llvm.ptr<1>) kernel {
    %p = math.exp2 %x fastmath<afn> : f32
    %exact = math.exp2 %x : f32
    %wide = math.exp2 %y fastmath<afn> : f64
    %sum = arith.addf %p, %exact : f32
    llvm.store %sum, %out : f32, !llvm.ptr<1>
    llvm.store %wide, %out : f64, !llvm.ptr<1>
    gpu.return
  }
}
