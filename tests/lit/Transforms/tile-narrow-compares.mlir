// RUN: tile-opt %s --pass-pipeline='builtin.module(gpu.module(gpu.func(tile-narrow-compares)))' | FileCheck %s

// A causal mask's compare, row = bx * 64 + tid against col = tid + 3, in a
// kernel of known block (128) and grid (64) sizes: both sides fit 32 bits.
// The additions that only feed the compare run on i32; bx * 64, which the
// select uses too, is truncated once and keeps its 64 bits.
// CHECK-LABEL: gpu.func @mask
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[TID32:.*]] = arith.index_cast %[[TID]] : index to i32
// CHECK: %[[ROW0:.*]] = arith.muli %{{.*}}, %c64 : index
// CHECK: %[[ROW032:.*]] = arith.index_cast %[[ROW0]] : index to i32
// CHECK: %[[ROW:.*]] = arith.addi %[[ROW032]], %[[TID32]] : i32
// CHECK: %[[COL:.*]] = arith.addi %[[TID32]], %c3_i32 : i32
// CHECK: %[[IN:.*]] = arith.cmpi sge, %[[ROW]], %[[COL]] : i32
// CHECK-NOT: arith.addi {{.*}} : index
// CHECK: arith.select %[[IN]], %[[ROW0]], %[[TID]] : index
gpu.module @kernels {
  gpu.func @mask(%out: !llvm.ptr<1>) kernel attributes {known_block_size = array<i32: 128, 1, 1>, known_grid_size = array<i32: 64, 1, 1>} {
    %c64 = arith.constant 64 : index
    %c3 = arith.constant 3 : index
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %row0 = arith.muli %bid, %c64 : index
    %row = arith.addi %row0, %tid : index
    %col = arith.addi %tid, %c3 : index
    %in = arith.cmpi sge, %row, %col : index
    %v = arith.select %in, %row0, %tid : index
    %i = arith.index_cast %v : index to i64
    llvm.store %i, %out : i64, !llvm.ptr<1>
    gpu.return
  }

  // Without a known grid, bx * 64 may pass 2^31: the compare stays wide.
  // CHECK-LABEL: gpu.func @unbounded
  // CHECK-NOT: : i32
  // CHECK: arith.cmpi sge, %{{.*}}, %{{.*}} : index
  gpu.func @unbounded(%out: !llvm.ptr<1>) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
    %c64 = arith.constant 64 : index
    %tid = gpu.thread_id x
    %bid = gpu.block_id x
    %row0 = arith.muli %bid, %c64 : index
    %row = arith.addi %row0, %tid : index
    %in = arith.cmpi sge, %row, %tid : index
    %v = arith.extui %in : i1 to i64
    llvm.store %v, %out : i64, !llvm.ptr<1>
    gpu.return
  }

  // An unsigned compare of a 64-bit loop counter against a bound below
  // 2^32: truncated; the counter's sum with the step, used by
  // the compare alone, on i32.
  // CHECK-LABEL: gpu.func @unsigned
  // CHECK: scf.for %[[I:.*]] = %c0 to %c1000 step %c1 {
  // CHECK: %[[I32:.*]] = arith.index_cast %[[I]] : index to i32
  // CHECK: %[[NEXT:.*]] = arith.addi %[[I32]], %c1_i32 : i32
  // CHECK: arith.cmpi ult, %[[NEXT]], %c999_i32 : i32
  gpu.func @unsigned(%out: !llvm.ptr<1>) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c999 = arith.constant 999 : index
    %c1000 = arith.constant 1000 : index
    scf.for %i = %c0 to %c1000 step %c1 {
      %next = arith.addi %i, %c1 : index
      %last = arith.cmpi ult, %next, %c999 : index
      %v = arith.extui %last : i1 to i64
      llvm.store %v, %out : i64, !llvm.ptr<1>
    }
    gpu.return
  }
}
