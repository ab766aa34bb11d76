// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="async-copies=true tma=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="async-copies=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=CPASYNC

// With tma, a copy_async of a window of a tensor parameter into a stage of
// a 128-byte-swizzled shared buffer goes through the tensor memory
// accelerator: the kernel takes i32 flags (bit i: map i was built) and the tensor map after its
// parameters, thread 0 initializes the stage barriers, expects the bytes
// and issues one box per 64-column chunk (128 bytes), the commit arrives,
// the wait spins on the barrier's phase. Without its map (bit 0 clear) the
// cp.async path runs instead and the wait is a group wait plus a barrier.
// CHECK: func.func @load
// CHECK: tile.launch
// CHECK-SAME: gpu_kernel = @load
// CHECK-SAME: tensor_maps = [{box = [64, 64], param = 0 : i64, swizzle = 128 : i64}]
// CHECK: gpu.func @load(%{{.*}}: !llvm.ptr<1> {llvm.noalias}, %{{.*}}: i64, %{{.*}}: i64, %[[FLAG:.*]]: i32, %[[MAP:.*]]: !llvm.ptr) kernel
// CHECK-SAME: tile.grid_constants = array<i32: 4>
// CHECK: %[[BITS:.*]] = arith.andi %[[FLAG]], %c1_i32 : i32
// CHECK: %[[READY:.*]] = arith.cmpi eq, %[[BITS]], %c1_i32 : i32
// CHECK: nvvm.mbarrier.init
// CHECK: nvvm.mbarrier.init
// The initializations are fenced before the block barrier publishes them.
// CHECK-NEXT: nvvm.fence.mbarrier.init
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: scf.if %[[READY]] {
// CHECK: nvvm.mbarrier.expect_tx %[[BAR:.*]], %c16384_i32 : !llvm.ptr<3>, i32
// CHECK-COUNT-2: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP]], %[[BAR]], box[%{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// CHECK: } else {
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg
// Rows whose length is not a multiple of 16 bytes: 8- or 4-byte pieces where
// the 16 bytes are inside the tensor, element by element only at its edges.
// CHECK: } else {
// CHECK-COUNT-2: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 8, cache =  ca
// CHECK: } else {
// CHECK-COUNT-4: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache =  ca
// CHECK: } else {
// CHECK-COUNT-8: llvm.store
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.if %[[READY]] {
// CHECK: nvvm.mbarrier.arrive
// CHECK: scf.if %[[READY]] {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NEXT: } else {
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// The cp.async path fences its generic writes for a wgmma's async reads.
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CPASYNC-NOT: tensor_maps
// CPASYNC: gpu.func @load
// CPASYNC-NOT: nvvm.mbarrier
// CPASYNC: nvvm.cp.async.shared.global
// CPASYNC: nvvm.cp.async.wait.group 0
// CPASYNC-NEXT: gpu.return
// CPASYNC-NOT: nvvm.mbarrier
func.func @load(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<2x64x128xf16, shared, #tile.swizzle<128>>
    %bars = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %r = tile.region %A[%bx, %c0] sizes [64, 128] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>
    %stage = tile.region %s[%c1, %c0, %c0] sizes [1, 64, 128] : !tile.buffer<2x64x128xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<2x64x128, dims [1, 2]>>
    tile.copy_async %r, %stage, %bars[%c1] : !tile.buffer<64x128xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>, #tile.window<2x64x128, dims [1, 2]>>, !tile.buffer<2xi64, shared>
    tile.async_commit %bars[%c1] : !tile.buffer<2xi64, shared>
    tile.async_wait %bars[%c1] phase(%c0) pending(0) : !tile.buffer<2xi64, shared>
  }
  return
}

// -----

// A warp-specialized loop whose producer only issues TMA copies: with the
// tensor maps built, only the producer's thread 0 waits for a free stage
// (it alone expects the bytes and arrives), the other producer threads wait
// for nothing; without them every producer thread copies, arrives and so
// waits. The consumers always wait.
// CHECK-LABEL: gpu.func @producer_waits_alone
// CHECK: %[[READY:.*]] = arith.cmpi eq, %{{.*}}, %c1_i32 : i32
// CHECK: scf.if %{{.*}} {
// CHECK: %[[LOCAL:.*]] = arith.subi %thread_id_x, %c128{{.*}} : index
// CHECK: %[[ISSUER:.*]] = arith.cmpi eq, %[[LOCAL]], %c0{{.*}} : index
// CHECK: %[[NO_TMA:.*]] = arith.xori %[[READY]], %true
// CHECK: %[[WAITS:.*]] = arith.ori %[[ISSUER]], %[[NO_TMA]]
// CHECK: scf.if %[[WAITS]] {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NEXT: }
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK-NOT: arith.ori
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: arith.ori
// CHECK: gpu.return
// CPASYNC-LABEL: gpu.func @producer_waits_alone
// CPASYNC-NOT: arith.xori
// CPASYNC: nvvm.mbarrier.try_wait.parity
func.func @producer_waits_alone(%A: !tile.buffer<?x?xf16, global> {tile.dims = ["M", "K"], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {staged} : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 128 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %t = tile.alloc : !tile.buffer<64x64xf16, shared>
    tile.warp_specialize producer {
      tile.barrier_wait %empty[%c0] phase(%c1) : !tile.buffer<2xi64, shared>
      %r = tile.region %A[%bx, %c0] sizes [64, 64] : !tile.buffer<?x?xf16, global> -> !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>
      %stage = tile.region %s[%c0, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
      tile.copy_async %r, %stage, %full[%c0] : !tile.buffer<64x64xf16, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %stage = tile.region %s[%c0, %c0, %c0] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>
      tile.copy %stage, %t : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>, #tile.window<2x64x64, dims [1, 2]>>, !tile.buffer<64x64xf16, shared>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
  }
  return
}

// -----

// Consumers of stages that only TMA fills fence them for the tensor cores'
// (async) proxy only when the tensor maps are off and cp.async (the generic
// proxy) filled them instead; without TMA they always fence.
// CHECK-LABEL: gpu.func @wgmma_on_tma_stages
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: %[[NO_TMA:.*]] = arith.xori %{{.*}}, %true
// CHECK-NEXT: scf.if %[[NO_TMA]] {
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: }
// CHECK-NOT: nvvm.fence.proxy
// CHECK: nvvm.wgmma.fence.aligned
// CPASYNC-LABEL: gpu.func @wgmma_on_tma_stages
// CPASYNC: nvvm.mbarrier.try_wait.parity
// CPASYNC-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CPASYNC: nvvm.wgmma.fence.aligned
func.func @wgmma_on_tma_stages(%A: !tile.buffer<?x64xf16, global> {tile.dims = ["M", ""], tile.name = "A"}, %B: !tile.buffer<64x64xf16, global> {tile.dims = ["", ""], tile.name = "B"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.000000e+00 : f32
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc {staged} : !tile.buffer<2x64x32xf16, shared, #tile.swizzle<64>>
    %b = tile.alloc {staged} : !tile.buffer<2x32x64xf16, shared, #tile.swizzle<128>>
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %empty = tile.alloc {arrivals = 128 : i64, mbarriers} : !tile.buffer<2xi64, shared>
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.fill %acc, %zero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.warp_specialize producer {
      %ra = tile.region %A[%c0, %c0] sizes [64, 32] : !tile.buffer<?x64xf16, global> -> !tile.buffer<64x32xf16, global, #tile.window<?x64, dims [0, 1]>>
      %sa = tile.region %a[%c0, %c0, %c0] sizes [1, 64, 32] : !tile.buffer<2x64x32xf16, shared, #tile.swizzle<64>> -> !tile.buffer<64x32xf16, shared, #tile.swizzle<64>, #tile.window<2x64x32, dims [1, 2]>>
      tile.copy_async %ra, %sa, %full[%c0] : !tile.buffer<64x32xf16, global, #tile.window<?x64, dims [0, 1]>>, !tile.buffer<64x32xf16, shared, #tile.swizzle<64>, #tile.window<2x64x32, dims [1, 2]>>, !tile.buffer<2xi64, shared>
      %rb = tile.region %B[%c0, %c0] sizes [32, 64] : !tile.buffer<64x64xf16, global> -> !tile.buffer<32x64xf16, global, #tile.window<64x64, dims [0, 1]>>
      %sb = tile.region %b[%c0, %c0, %c0] sizes [1, 32, 64] : !tile.buffer<2x32x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<32x64xf16, shared, #tile.swizzle<128>, #tile.window<2x32x64, dims [1, 2]>>
      tile.copy_async %rb, %sb, %full[%c0] : !tile.buffer<32x64xf16, global, #tile.window<64x64, dims [0, 1]>>, !tile.buffer<32x64xf16, shared, #tile.swizzle<128>, #tile.window<2x32x64, dims [1, 2]>>, !tile.buffer<2xi64, shared>
      tile.async_commit %full[%c0] : !tile.buffer<2xi64, shared>
    } consumers {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
      %sa = tile.region %a[%c0, %c0, %c0] sizes [1, 64, 32] : !tile.buffer<2x64x32xf16, shared, #tile.swizzle<64>> -> !tile.buffer<64x32xf16, shared, #tile.swizzle<64>, #tile.window<2x64x32, dims [1, 2]>>
      %sb = tile.region %b[%c0, %c0, %c0] sizes [1, 32, 64] : !tile.buffer<2x32x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<32x64xf16, shared, #tile.swizzle<128>, #tile.window<2x32x64, dims [1, 2]>>
      tile.gemm %sa, %sb, %acc {policy = #tile<gemm_policy square>} : !tile.buffer<64x32xf16, shared, #tile.swizzle<64>, #tile.window<2x64x32, dims [1, 2]>>, !tile.buffer<32x64xf16, shared, #tile.swizzle<128>, #tile.window<2x32x64, dims [1, 2]>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
      tile.barrier_arrive %empty[%c0] : !tile.buffer<2xi64, shared>
    }
  }
  return
}
