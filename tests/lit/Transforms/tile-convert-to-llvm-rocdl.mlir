// RUN: tile-opt %s --tile-convert-to-llvm=target=rocdl | FileCheck %s
// RUN: not tile-opt %s --tile-convert-to-llvm=target=ptx 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// AMD keeps per-thread arrays in address space 5: a private buffer's
// pointer is one of those. A shuffle's subgroup is the wavefront of 64.
// CHECK-LABEL: gpu.func @slots
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %arg0[%{{.*}}] : (!llvm.ptr<5>, i64) -> !llvm.ptr<5>, f32
// CHECK: llvm.load %[[SLOT]] : !llvm.ptr<5> -> f32
// CHECK: llvm.store %{{.*}} : f32, !llvm.ptr<5>
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c64
// CHECK: gpu.shuffle idx %{{.*}}, %{{.*}}, %c64_i32 : f32
// UNKNOWN: unknown target 'ptx' (nvvm or rocdl)
gpu.module @kernels {
  gpu.func @slots(%cyclic: !llvm.ptr<5>, %local: !llvm.ptr<5>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c128 = arith.constant 128 : index
    %F = builtin.unrealized_conversion_cast %cyclic, %c128, %c1, %c0 : !llvm.ptr<5>, index, index, index to !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    %L = builtin.unrealized_conversion_cast %local, %c4, %c1, %c0 : !llvm.ptr<5>, index, index, index to !tile.buffer<4xf32, local>
    %v = tile.load_slot %F[%c1] : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    tile.store %v, %L[%c0] : !tile.buffer<4xf32, local>
    %tid = tile.thread_id
    %partner = arith.xori %tid, %c1 : index
    %w = tile.shuffle %v from %partner : f32
    tile.store %w, %L[%c1] : !tile.buffer<4xf32, local>
    gpu.return
  }
}
