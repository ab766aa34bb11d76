// RUN: tile-opt %s --split-input-file --tile-serialize-ptx | FileCheck %s --check-prefixes=CHECK,PARALLEL
// RUN: tile-opt %s --split-input-file --tile-serialize-ptx --mlir-disable-threading | FileCheck %s --check-prefixes=CHECK,WHOLE

// Two kernels compiled apart (in parallel where the context has threads)
// and joined: one header, the shared-memory declaration that only the
// second kernel makes ahead of the first entry, the entries in the module's
// order (the first kernel's part declares no shared memory: the joined
// text adds the declaration after its `.globl` line). Without threads the
// module is compiled whole.
// CHECK: gpu.binary @m [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a">, {{.*}}assembly = "
// CHECK-SAME: .version
// CHECK-SAME: .target sm_90a
// PARALLEL-SAME: // .globl\09first\0A\0A.extern .shared .align 16 .b8 dynamic_smem[];\0A
// WHOLE-SAME: // .globl\09first\0A.extern .shared .align 16 .b8 dynamic_smem[];\0A
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

// -----

// A global that only the second kernel uses is defined in its part alone:
// not a declaration the parts can share, so the module is compiled whole
// (both globals, both entries, one header).
// CHECK-LABEL: gpu.binary @constants
// CHECK-SAME: .global .align 4 .b8 low_table[8]
// CHECK-SAME: .global .align 4 .b8 high_table[8]
// CHECK-SAME: .visible .entry low(
// CHECK-SAME: .visible .entry high(
// CHECK-NOT: .version
module attributes {gpu.container_module} {
  gpu.module @constants [#nvvm.target<O = 3, chip = "sm_90a">] {
    llvm.mlir.global internal constant @low_table(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 1 : i32} : !llvm.array<2 x f32>
    llvm.mlir.global internal constant @high_table(dense<[3.0, 4.0]> : tensor<2xf32>) {addr_space = 1 : i32} : !llvm.array<2 x f32>
    llvm.func @low(%out: !llvm.ptr<1>, %i: i32) attributes {gpu.kernel, nvvm.kernel} {
      %table = llvm.mlir.addressof @low_table : !llvm.ptr<1>
      %at = llvm.getelementptr %table[0, %i] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, !llvm.array<2 x f32>
      %value = llvm.load %at : !llvm.ptr<1> -> f32
      llvm.store %value, %out : f32, !llvm.ptr<1>
      llvm.return
    }
    llvm.func @high(%out: !llvm.ptr<1>, %i: i32) attributes {gpu.kernel, nvvm.kernel} {
      %table = llvm.mlir.addressof @high_table : !llvm.ptr<1>
      %at = llvm.getelementptr %table[0, %i] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, !llvm.array<2 x f32>
      %value = llvm.load %at : !llvm.ptr<1> -> f32
      llvm.store %value, %out : f32, !llvm.ptr<1>
      llvm.return
    }
  }
}

// -----

// A global without contents (the zeros that guarded loads read instead of an
// element outside a tensor) that only the second kernel uses: one object
// of the module, the same line in every part that keeps it, so the parts
// are still joined, its definition added ahead of the first entry.
// CHECK-LABEL: gpu.binary @zeros
// PARALLEL-SAME: // .globl\09plain\0A\0A.global .align 16 .b8 tilec_zeros[16];\0A
// WHOLE-SAME: .global .align 16 .b8 tilec_zeros[16];
// CHECK-SAME: .visible .entry plain(
// CHECK-SAME: .visible .entry guarded(
// CHECK-SAME: tilec_zeros
// CHECK-NOT: .version
module attributes {gpu.container_module} {
  gpu.module @zeros [#nvvm.target<O = 3, chip = "sm_90a">] {
    llvm.mlir.global internal constant @tilec_zeros(#llvm.zero) {addr_space = 1 : i32, alignment = 16 : i64} : !llvm.array<16 x i8>
    llvm.func @plain(%out: !llvm.ptr<1>, %value: f32) attributes {gpu.kernel, nvvm.kernel} {
      llvm.store %value, %out : f32, !llvm.ptr<1>
      llvm.return
    }
    llvm.func @guarded(%out: !llvm.ptr<1>, %in: !llvm.ptr<1>, %inside: i1) attributes {gpu.kernel, nvvm.kernel} {
      %zeros = llvm.mlir.addressof @tilec_zeros : !llvm.ptr<1>
      %at = llvm.select %inside, %in, %zeros : i1, !llvm.ptr<1>
      %value = llvm.load %at : !llvm.ptr<1> -> f32
      llvm.store %value, %out : f32, !llvm.ptr<1>
      llvm.return
    }
  }
}
