// RUN: tile-opt %s --tile-approximate-math | FileCheck %s

// An f32 erf that allows approximation becomes copysign(1 - 2^p(|x|), x):
// the polynomial in min(|x|, 4) as a Horner chain of contractible
// multiply-adds, one exp2, no branch and no library call.
// CHECK-LABEL: func.func @approximable
// CHECK-NOT: math.erf
// CHECK: %[[A:.*]] = math.absf %[[X:[^ ]*]] : f32
// CHECK: %[[C:.*]] = arith.minimumf %[[A]], %{{.*}} : f32
// CHECK-COUNT-9: arith.addf {{.*}} fastmath<contract> : f32
// CHECK: %[[SQ:.*]] = arith.mulf %[[A]], %[[A]] fastmath<contract> : f32
// CHECK: %[[E:.*]] = math.exp2 %{{.*}} fastmath<afn> : f32
// CHECK: %[[M:.*]] = arith.subf %{{.*}}, %[[E]] fastmath<contract> : f32
// CHECK: %[[R:.*]] = math.copysign %[[M]], %[[X]] : f32
// CHECK: return %[[R]]
func.func @approximable(%x: f32) -> f32 {
  %e = math.erf %x fastmath<afn> : f32
  return %e : f32
}

// Without `afn` the exact function stays (libdevice's erff on NVIDIA).
// CHECK-LABEL: func.func @exact
// CHECK: math.erf %{{.*}} : f32
func.func @exact(%x: f32) -> f32 {
  %e = math.erf %x : f32
  return %e : f32
}

// Only f32 has an expansion; the conversion extends other widths.
// CHECK-LABEL: func.func @half
// CHECK: math.erf %{{.*}} fastmath<afn> : f16
func.func @half(%x: f16) -> f16 {
  %e = math.erf %x fastmath<afn> : f16
  return %e : f16
}
