// RUN: tile-opt %s --tile-serialize-ptx | FileCheck %s
// RUN: tile-opt %s --tile-serialize-ptx --mlir-disable-threading | FileCheck %s

// Two kernels compiled apart (in parallel where the context has threads)
// and joined: one header, the shared-memory declaration that only the
// second kernel makes ahead of the first entry, the entries in the module's
// order. Without threads the module is compiled whole, to the same text
// but for basic-block label numbers.
// CHECK: gpu.binary @m [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a">, {{.*}}assembly = "
// CHECK-SAME: .version
// CHECK-SAME: .target sm_90a
// CHECK-SAME: .extern .shared .align 16 .b8 dynamic_smem[];
// CHECK-SAME: .visible .entry first(
// CHECK-SAME: .visible .entry second(
// CHECK-SAME: ld.shared.b32 {{.*}}[dynamic_smem]
// CHECK-NOT: .version
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  gpu.module @m [#nvvm.target<O = 3, chip = "sm_90a">] {
    llvm.mlir.global external @dynamic_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    llvm.func @first(%out: !llvm.ptr<1>, %value: f32) attributes {gpu.kernel, nvvm.kernel} {
      llvm.store %value, %out : f32, !llvm.ptr<1>
      llvm.return
    }
    llvm.func @second(%out: !llvm.ptr<1>) attributes {gpu.kernel, nvvm.kernel} {
      %smem = llvm.mlir.addressof @dynamic_smem : !llvm.ptr<3>
      %value = llvm.load %smem : !llvm.ptr<3> -> f32
      llvm.store %value, %out : f32, !llvm.ptr<1>
      llvm.return
    }
  }
}
