// RUN: tile-opt %s --split-input-file --tile-insert-barriers --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s

// A gemm whose accumulator has the #tile.wgmma layout: the operands' writes
// are fenced for the async proxy, then one warpgroup issues wgmma.mma_async
// per k16 step on a 32-register struct (64x64 f32 over 128 threads) and
// waits for the group; the accumulator lives in private memory (registers).
// B is K-major here (transpose_b): layout col; A row.
// CHECK-LABEL: gpu.func @gemm
// CHECK: llvm.alloca %{{.*}} x f32 {alignment = 16 : i64} : (i64) -> !llvm.ptr
// The shared operands are addressed through the 128-byte XOR swizzle:
// bits 7-9 of the offset flip bits 4-6.
// CHECK: arith.shrui %{{.*}}, %c7{{.*}} : index
// CHECK: arith.shli
// CHECK: arith.xori
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: nvvm.wgmma.fence.aligned
// Descriptors: 128-byte swizzle (mode 1 in bits 62-63), stride 1024 bytes
// between 8-row groups (64 in bits 32-45), leading offset 16 bytes (1).
// One a operand, kept in place (a mov LLVM does not hoist out of loops);
// the k16 steps add 32 bytes (2 in the address field) each.
// CHECK: %[[B0:.*]] = arith.ori %{{.*}}, %c4611686293305360384_i64{{.*}} : i64
// CHECK-NEXT: %[[B:.*]] = llvm.inline_asm has_side_effects "mov.b64 $0, $1;", "=l,l" %[[B0]]
// CHECK: %[[B1:.*]] = arith.addi %[[B]], %c2_i64
// CHECK: %[[B2:.*]] = arith.addi %[[B]], %c4_i64
// CHECK: %[[B3:.*]] = arith.addi %[[B]], %c6_i64
// CHECK: %[[A0:.*]] = arith.ori %{{.*}}, %c4611686293305360384_i64{{.*}} : i64
// CHECK-NEXT: %[[A:.*]] = llvm.inline_asm has_side_effects "mov.b64 $0, $1;", "=l,l" %[[A0]]
// CHECK: nvvm.wgmma.mma_async %[[A]], %[[B]], {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK-NEXT: nvvm.wgmma.mma_async %{{.*}}, %[[B1]],
// CHECK-NEXT: nvvm.wgmma.mma_async %{{.*}}, %[[B2]],
// CHECK-NEXT: nvvm.wgmma.mma_async %{{.*}}, %[[B3]],
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: llvm.extractvalue %{{.*}}[31] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
// The copy out reads only the accumulator's registers: no barrier after
// the gemm (tile-insert-barriers).
// CHECK-NOT: gpu.barrier
// The copy out: lane l of warp w holds row 16 w + l / 4 (+ 8), columns
// 2 (l mod 4) (+ 1) of each 8-column chunk.
// CHECK: arith.remui %thread_id_x, %c32{{.*}} : index
// CHECK: llvm.store %{{.*}} : f32, !llvm.ptr<1>
// CHECK: gpu.return
func.func @gemm(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %zero = arith.constant 0.0 : f16
    %fzero = arith.constant 0.0 : f32
    tile.fill %a, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.fill %b, %zero : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    tile.fill %c, %fzero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.copy %c, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// Row statistics of a wgmma accumulator (#tile.wgmma_rows): each thread
// folds its 16 elements of each of its two rows, the quad combines them
// with two xor shuffles (lanes 1 and 2 apart) and every lane keeps the
// totals in its two registers: no shared memory, no barrier. The loop over
// the accumulator then reads the value of its row from a register.
// CHECK-LABEL: gpu.func @row_max
// CHECK-NOT: gpu.barrier
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32
// CHECK-NEXT: arith.maximumf
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32
// CHECK-NEXT: arith.maximumf
// CHECK-NOT: gpu.barrier
// CHECK-NOT: llvm.store %{{.*}} !llvm.ptr<3>
// CHECK: arith.subf
// The tensors of one launch do not overlap: the copy out to Y need not wait
// for the other threads' reads of X.
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return
func.func @row_max(%X: !tile.buffer<64x32xf32, global> {tile.name = "X"},
                   %Y: !tile.buffer<64x32xf32, global> {tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>
    %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    tile.copy %X, %s : !tile.buffer<64x32xf32, global>, !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>
    tile.reduce max %s, %m dim(1) clear : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
    tile.parallel [64, 32] attributes {layout = #tile.wgmma<1>} {
    ^bb0(%i: index, %j: index):
      %v = tile.load %s[%i, %j] : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>
      %w = tile.load %m[%i] : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<1>>
      %d = arith.subf %v, %w : f32
      tile.store %d, %s[%i, %j] : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>
    }
    tile.copy %s, %Y : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x32xf32, global>
  }
  return
}

// -----

// A in registers (#tile.wgmma, the accumulator's layout): the 16-bit
// fragment holds two elements a 32-bit word, so each k16 step reads the
// thread's eight A elements as four 32-bit registers and issues wgmma with
// A from them and B by descriptor (inline PTX: the NVVM op takes
// descriptors only); no shared memory, no barrier, no proxy fence.
// CHECK-LABEL: gpu.func @a_in_registers
// CHECK: llvm.alloca %{{.*}} x vector<2xf16>
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.fence.proxy
// The conversion writes pairs; the A registers are read before the wgmma
// fence (a register written after it would make ptxas insert another).
// CHECK: llvm.insertelement %{{.*}} : vector<2xf16>
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i32
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NOT: llvm.load %{{.*}} -> i32
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {$0, {{.*}}, $31}, {$32, $33, $34, $35}, $36, p, 1, 1, 1;
// CHECK-SAME: "=f,{{.*}},r,r,r,r,l,0,1,
// CHECK: llvm.inline_asm has_side_effects {{.*}}m64n64k16
// CHECK-NOT: llvm.inline_asm
// CHECK: nvvm.wgmma.commit.group.sync.aligned
func.func @a_in_registers(%C: !tile.buffer<64x64xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x32xf16, fragment, #tile.wgmma<1>>
    %v = tile.alloc : !tile.buffer<32x64xf16, shared, #tile.swizzle<128>>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %zero = arith.constant 0.0 : f32
    tile.fill %s, %zero : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>
    tile.copy %s, %p : !tile.buffer<64x32xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x32xf16, fragment, #tile.wgmma<1>>
    tile.gemm %p, %v, %o {clear_accum, policy = #tile<gemm_policy full_row>}
        : !tile.buffer<64x32xf16, fragment, #tile.wgmma<1>>, !tile.buffer<32x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.copy %o, %C : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// Columns split over two warpgroups (#tile.wgmma<1, columns 2>): each runs
// m64n64 wgmmas on its own 64 columns of C, B's descriptor starting at
// column 64 * (warpgroup mod 2); both warpgroups (256 threads) take part.
// CHECK-LABEL: gpu.func @columns
// CHECK-NOT: arith.cmpi ult, %thread_id_x
// CHECK: %[[GROUP:.*]] = arith.divui %thread_id_x, %c128
// CHECK: %[[COLUMNS:.*]] = arith.remui %[[GROUP]], %c2
// CHECK: arith.muli %[[COLUMNS]], %c64
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: gpu.return
func.func @columns(%C: !tile.buffer<64x128xf32, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>
    %b = tile.alloc : !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>
    %c = tile.alloc : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1, columns 2>>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<64x64xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf16, shared, #tile.swizzle<128>>, !tile.buffer<64x128xf32, fragment, #tile.wgmma<1, columns 2>>
    tile.copy %c, %C : !tile.buffer<64x128xf32, fragment, #tile.wgmma<1, columns 2>>, !tile.buffer<64x128xf32, global>
  }
  return
}

// -----

// A #tile.wgmma accumulator added atomically into a global tile: each thread
// adds the 32 elements it holds (64x64 over 128 threads), each guarded by
// the tile's bounds, with no shared memory in between.
// CHECK-LABEL: gpu.func @atomic_accumulator
// CHECK-NOT: llvm.atomicrmw
// CHECK-COUNT-32: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic : !llvm.ptr<1>, f32
// CHECK-NOT: llvm.atomicrmw
// CHECK: gpu.return
func.func @atomic_accumulator(%Sum: !tile.buffer<64x64xf32, global> {tile.name = "Sum"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %one = arith.constant 1.0 : f32
    tile.fill %acc, %one : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    tile.atomic_add %acc, %Sum : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf32, global>
  }
  return
}
