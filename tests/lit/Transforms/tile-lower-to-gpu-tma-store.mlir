// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="async-copies=true tma=true stmatrix=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="async-copies=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=NOTMA

// An epilogue staged on chip: the accumulator goes to a 128-byte-swizzled
// shared tile by stmatrix (four 8x8 pieces a warp per instruction, 16 per
// thread for 64 rows by 128 columns on one warpgroup), and the tile to the
// tensor by TMA: thread 0 issues one box per 64-column chunk (the tensor
// map of C with box 64x64), commits the bulk group and waits until the
// tile has been read. Without valid maps the tile is copied by the block.
// CHECK: func.func @store
// CHECK: tile.launch
// CHECK-SAME: tensor_maps = [{box = [64, 64], param = 0 : i64, swizzle = 128 : i64}]
// CHECK: gpu.func @store(%{{.*}}: !llvm.ptr<1> {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %[[FLAG:.*]]: i32, %[[MAP:.*]]: !llvm.ptr) kernel
// CHECK-COUNT-8: nvvm.stmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : !llvm.ptr<3>, i32, i32, i32, i32
// CHECK-NOT: nvvm.stmatrix
// The store's own map (bit 0 of the flags) decides, not the loads' maps.
// CHECK: %[[BIT:.*]] = arith.andi %[[FLAG]], %c1_i32 : i32
// CHECK: %[[READY:.*]] = arith.cmpi ne, %[[BIT]], %c0_i32 : i32
// CHECK: scf.if %[[READY]] {
// CHECK: arith.cmpi eq, %thread_id_x
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta %[[MAP]], %{{.*}}, box[%{{.*}}, %{{.*}}] : !llvm.ptr, <3>
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta %[[MAP]], %{{.*}}, box[%{{.*}}, %{{.*}}] : !llvm.ptr, <3>
// CHECK-NEXT: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0 {read}
// CHECK: } else {
// CHECK: llvm.store %{{.*}} : f16, !llvm.ptr<1>
// Without TMA (sm_80): no tensor map, pairs of elements into shared memory.
// NOTMA-NOT: tensor_maps
// NOTMA: gpu.func @store
// NOTMA-NOT: nvvm.stmatrix
// NOTMA-NOT: nvvm.cp.async.bulk
// NOTMA: llvm.store %{{.*}} : vector<2xf16>, !llvm.ptr<3>
func.func @store(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    %s = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %zero = arith.constant 0.0 : f32
    tile.fill %acc, %zero : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>
    tile.copy %acc, %s : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %r = tile.region %C[%bx, %c0] sizes [64, 128] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %s, %r : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>
  }
  return
}

// -----

// A kernel that reads back the tensor it stores by TMA waits until the
// writes have landed (not only until the tile is read) and fences them for
// the generic proxy's reads.
// CHECK-LABEL: gpu.func @read_back
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta
// CHECK: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0{{$}}
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.global>}
func.func @read_back(%C: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "N"], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %zero = arith.constant 0.0 : f16
    tile.fill %s, %zero : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %r = tile.region %C[%bx, %c0] sizes [64, 128] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %s, %r : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>
    tile.barrier
    %t = tile.alloc : !tile.buffer<64x128xf16, shared>
    tile.copy %r, %t : !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x128xf16, shared>
  }
  return
}
