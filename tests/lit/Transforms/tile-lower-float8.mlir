// RUN: tile-opt %s --split-input-file --tile-lower-float8 --verify-diagnostics | FileCheck %s

// A stored byte read as float8_e4m3, widened, and narrowed to float8_e5m2:
// integer code on the bytes, no 8-bit float type left.
// CHECK-LABEL: gpu.func @convert
// CHECK: %[[BYTE:.*]] = llvm.load
// CHECK: arith.extui %[[BYTE]] : i8 to i32
// CHECK: %[[X:.*]] = arith.bitcast {{.*}} : i32 to f32
// CHECK: %[[Y:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK: arith.bitcast %[[Y]] : f32 to i32
// CHECK: math.roundeven
// CHECK: %[[OUT:.*]] = arith.trunci {{.*}} : i32 to i8
// CHECK: llvm.store %[[OUT]]
// CHECK-NOT: f8E
gpu.module @kernels {
  gpu.func @convert(%p: !llvm.ptr<1>) kernel {
    %byte = llvm.load %p : !llvm.ptr<1> -> i8
    %f = arith.bitcast %byte : i8 to f8E4M3FN
    %x = arith.extf %f : f8E4M3FN to f32
    %y = arith.mulf %x, %x : f32
    %g = arith.truncf %y : f32 to f8E5M2
    %out = arith.bitcast %g : f8E5M2 to i8
    llvm.store %out, %p : i8, !llvm.ptr<1>
    gpu.return
  }
}

// -----

// Constants and selects carry the byte.
// CHECK-LABEL: gpu.func @select
// CHECK: %[[ONE:.*]] = arith.constant 56 : i8
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[ONE]] : i8
gpu.module @kernels {
  gpu.func @select(%p: !llvm.ptr<1>, %c: i1) kernel {
    %byte = llvm.load %p : !llvm.ptr<1> -> i8
    %f = arith.bitcast %byte : i8 to f8E4M3FN
    %one = arith.constant 1.0 : f8E4M3FN
    %s = arith.select %c, %f, %one : f8E4M3FN
    %out = arith.bitcast %s : f8E4M3FN to i8
    llvm.store %out, %p : i8, !llvm.ptr<1>
    gpu.return
  }
}

// -----

// Arithmetic on 8-bit floats is an error at its line.
gpu.module @kernels {
  gpu.func @add(%p: !llvm.ptr<1>) kernel {
    %byte = llvm.load %p : !llvm.ptr<1> -> i8
    %f = arith.bitcast %byte : i8 to f8E4M3FN
    // expected-error @+1 {{8-bit floats can be loaded, stored, copied, converted to and from other floats and multiplied by T.gemm; convert to float32 for 'arith.addf'}}
    %s = arith.addf %f, %f : f8E4M3FN
    gpu.return
  }
}
