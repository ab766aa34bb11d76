// RUN: tile-opt %s --split-input-file --tile-stage-stores | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-stage-stores="shared-per-sm=233472" | FileCheck %s --check-prefix=ATOMIC

// The accumulator's store to C goes through a 128-byte-swizzled shared
// tile: the operand tile %a, dead by then, has the bytes for it, so the
// kernel's shared memory does not grow (both planned at offset 0).
// CHECK-LABEL: func.func @staged
// CHECK: %[[STAGE:.*]] = tile.alloc {shared_offset = 0 : i64} : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.alloc {shared_offset = 0 : i64} : <64x128xf16, shared, #tile.swizzle<128>>
// CHECK: tile.region
// CHECK-NEXT: tile.copy %[[ACC:.*]], %[[STAGE]] : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: tile.copy %[[STAGE]], %{{.*}} : <64x64xf16, shared, #tile.swizzle<128>>, <64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
// CHECK-NOT: tile.copy
func.func @staged(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %a, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %acc, %r : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}

// -----

// Where the tile would need bytes of its own (the operand is still live
// for the gemm after the store), and for 32-bit outputs (no stmatrix),
// the stores stay as they are.
// CHECK-LABEL: func.func @not_staged
// CHECK-NOT: <64x64xf16, shared
// CHECK: tile.copy %{{.*}}, %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
// CHECK: tile.gemm
// CHECK: tile.copy %{{.*}}, %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf32, global, #tile.window<?x?, dims [0, 1]>>
// CHECK-NOT: tile.copy
func.func @not_staged(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"},
                      %D: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "D"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %a, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %acc, %r : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.gemm %a, %a, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %d = tile.region %D[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf32, global> -> !tile.buffer<64x64xf32, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %acc, %d : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}

// -----

// An atomic add of a float32 accumulator goes through a shared tile whose
// rows are 8 floats longer (bulk reductions a row), given the SM's shared
// memory: with 128 KiB of operands live across it, the 34 KiB of staging
// leave one block an SM, as before. Without shared-per-sm it stays as
// written.
// ATOMIC-LABEL: func.func @atomic_staged
// ATOMIC: %[[STAGE:.*]] = tile.alloc {shared_offset = {{[0-9]+}} : i64} : <64x136xf32, shared>
// ATOMIC: %[[TILE:.*]] = tile.region %[[STAGE]][%{{.*}}, %{{.*}}] sizes [64, 128] : <64x136xf32, shared> -> <64x128xf32, shared, #tile.window<64x136, dims [0, 1]>>
// ATOMIC-NEXT: tile.copy %{{.*}}, %[[TILE]] : <64x128xf32, fragment, #tile.wgmma<1>>, <64x128xf32, shared, #tile.window<64x136, dims [0, 1]>>
// ATOMIC-NEXT: tile.atomic_add %[[TILE]], %{{.*}} : !tile.buffer<64x128xf32, shared, #tile.window<64x136, dims [0, 1]>>, <64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
// CHECK-LABEL: func.func @atomic_staged
// CHECK-NOT: x136xf32
// CHECK: tile.atomic_add %{{.*}} : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
func.func @atomic_staged(%C: !tile.buffer<?x128xf32, global> {tile.dims = ["M", ""], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<512x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %v = tile.region %a[%c0, %c0] sizes [64, 128] : !tile.buffer<512x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<512x128, dims [0, 1]>>
    %w = tile.region %a[%c0, %c0] sizes [128, 128] : !tile.buffer<512x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<512x128, dims [0, 1]>>
    tile.gemm %v, %w, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<512x128, dims [0, 1]>>, !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<512x128, dims [0, 1]>>, !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 128] : !tile.buffer<?x128xf32, global> -> !tile.buffer<64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
    tile.atomic_add %acc, %r : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>, <64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
    %z = arith.constant 0.0 : f16
    tile.fill %a, %z : !tile.buffer<512x128xf16, shared, #tile.swizzle<128>>
  }
  return
}

// -----

// Where the staging tile would not fit a block's limit (here: 200 KiB of
// operands live across the add), the add stays as written.
// ATOMIC-LABEL: func.func @atomic_unstaged
// ATOMIC-NOT: x136xf32
// ATOMIC: tile.atomic_add %{{.*}} : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
func.func @atomic_unstaged(%C: !tile.buffer<?x128xf32, global> {tile.dims = ["M", ""], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c0f = arith.constant 0.0 : f16
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<800x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %v = tile.region %a[%c0, %c0] sizes [64, 128] : !tile.buffer<800x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<800x128, dims [0, 1]>>
    %w = tile.region %a[%c0, %c0] sizes [128, 128] : !tile.buffer<800x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<800x128, dims [0, 1]>>
    tile.gemm %v, %w, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<800x128, dims [0, 1]>>, !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<800x128, dims [0, 1]>>, !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 128] : !tile.buffer<?x128xf32, global> -> !tile.buffer<64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
    tile.atomic_add %acc, %r : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>, <64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
    tile.fill %a, %c0f : !tile.buffer<800x128xf16, shared, #tile.swizzle<128>>
  }
  return
}

// -----

// Nor where it would leave fewer blocks an SM: 64 KiB of operands fit
// three, with 34 KiB more two.
// ATOMIC-LABEL: func.func @atomic_fewer_blocks
// ATOMIC-NOT: x136xf32
// ATOMIC: tile.atomic_add %{{.*}} : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
func.func @atomic_fewer_blocks(%C: !tile.buffer<?x128xf32, global> {tile.dims = ["M", ""], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c0f = arith.constant 0.0 : f16
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>
    %acc = tile.alloc : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %v = tile.region %a[%c0, %c0] sizes [64, 128] : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<256x128, dims [0, 1]>>
    %w = tile.region %a[%c0, %c0] sizes [128, 128] : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<256x128, dims [0, 1]>>
    tile.gemm %v, %w, %acc {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<256x128, dims [0, 1]>>, !tile.buffer<128x128xf16, shared, #tile.swizzle<128>, #tile.window<256x128, dims [0, 1]>>, !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %r = tile.region %C[%bx, %c0] sizes [64, 128] : !tile.buffer<?x128xf32, global> -> !tile.buffer<64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
    tile.atomic_add %acc, %r : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>, <64x128xf32, global, #tile.window<?x128, dims [0, 1]>>
    tile.fill %a, %c0f : !tile.buffer<256x128xf16, shared, #tile.swizzle<128>>
  }
  return
}
