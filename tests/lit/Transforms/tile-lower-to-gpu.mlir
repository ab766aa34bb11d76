// RUN: tile-opt %s --split-input-file --tile-insert-barriers --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s

// A tensor parameter becomes a global pointer plus one i64 per dimension
// bound at launch; shared buffers are carved from one extern array; tile ops
// are loops over the block's threads, with the barriers tile-insert-barriers
// placed between them; copies from and to global memory are predicated at
// the tensor's edge.

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @scale
// CHECK: tile.launch
// CHECK-SAME: gpu_kernel = @scale, shared_bytes = 256 : i64
func.func @scale(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"},
                 %factor: f32 {tile.name = "factor"}) attributes {tile.kernel} {
  %N = tile.dim %A[0] : !tile.buffer<?xf32, global>
  %c64 = arith.constant 64 : index
  %grid = arith.ceildivsi %N, %c64 : index
  tile.launch grid(%grid) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    %row = arith.muli %bx, %c64 : index
    %r = tile.region %A[%row] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.copy %r, %s : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
    tile.parallel [64] {
    ^bb0(%i: index):
      %v = tile.load %s[%i] : !tile.buffer<64xf32, shared>
      %w = arith.mulf %v, %factor : f32
      tile.store %w, %s[%i] : !tile.buffer<64xf32, shared>
    }
    tile.copy %s, %r : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
  }
  return
}

// CHECK: gpu.module @tilec_kernels {
// CHECK: llvm.mlir.global external @tilec_dsmem() {addr_space = 3 : i32, alignment = 1024 : i64} : !llvm.array<0 x i8>
// CHECK: gpu.func @scale(%[[PTR:.*]]: !llvm.ptr<1> {llvm.noalias}, %[[DIM:.*]]: i64, %[[F:.*]]: f32) kernel
// CHECK-SAME: known_block_size = array<i32: 32, 1, 1>
// CHECK: %[[N:.*]] = arith.index_cast %[[DIM]] : i64 to index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @tilec_dsmem : !llvm.ptr<3>
// CHECK: %[[BX:.*]] = gpu.block_id x
// The copy in: 16 vectors of 4 floats over 32 threads (vector tid + k * 32,
// guarded); a vector whose last element is inside the tensor and whose
// address is 16-byte aligned moves in one load and one store, any other
// element by element, zero outside. No barrier before it: nothing came
// before it to order; one after it, before the loop reads the copied tile.
// CHECK-NOT: gpu.barrier
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[STEP:.*]] = arith.muli %[[K]], %{{.*}} : index
// CHECK: %[[VEC:.*]] = arith.addi %[[TID]], %[[STEP]] : index
// CHECK: arith.cmpi ult, %[[VEC]], %c16 : index
// CHECK: llvm.ptrtoint
// CHECK: arith.cmpi ult, %{{.*}}, %[[N]] : index
// CHECK: scf.if %{{.*}} {
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
// CHECK: } else {
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: llvm.load %{{.*}} : !llvm.ptr<1> -> f32
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: gpu.barrier
// The parallel loop: one element per thread and step, after one barrier.
// CHECK-NOT: gpu.barrier
// CHECK: scf.for
// CHECK: arith.addi %[[TID]]
// CHECK: arith.mulf %{{.*}}, %[[F]] : f32
// CHECK: gpu.barrier
// The copy out: predicated store.
// CHECK: scf.for
// CHECK: scf.if %{{.*}} {
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>
// CHECK: gpu.return

// -----

// A reduction along a last dimension of 16 (a power of two up to 32) of a
// #tile.cyclic fragment the threads share evenly: each thread's two slots
// belong to two rows, a row's 16 elements to 16 neighbouring lanes, which
// combine them by four shuffles a slot; the first lane of each 16 stores.
// No partials in private memory (the one alloca is the fragment's two
// slots), no shared scratch, no barrier.
// CHECK-LABEL: func.func @lane_groups
// CHECK: gpu.func @lane_groups
// CHECK: llvm.alloca
// CHECK-NOT: llvm.alloca
// CHECK: %[[LEADER:.*]] = arith.cmpi eq
// CHECK-COUNT-4: gpu.shuffle  xor
// CHECK: scf.if %[[LEADER]] {
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: }
// CHECK-COUNT-4: gpu.shuffle  xor
// CHECK-NOT: gpu.shuffle
// CHECK: scf.if %[[LEADER]] {
// CHECK-NOT: gpu.barrier
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: gpu.barrier
func.func @lane_groups(%X: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "X"},
                       %Y: !tile.buffer<?xf32, global> {tile.dims = ["M"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %t = tile.alloc : !tile.buffer<8x16xf32, fragment, #tile.cyclic<64>>
    %sum = tile.alloc : !tile.buffer<8xf32, fragment>
    %r = tile.region %X[%c0, %c0] sizes [8, 16] : !tile.buffer<?x?xf32, global> -> !tile.buffer<8x16xf32, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %r, %t : !tile.buffer<8x16xf32, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<8x16xf32, fragment, #tile.cyclic<64>>
    tile.reduce sum %t, %sum dim(1) clear : !tile.buffer<8x16xf32, fragment, #tile.cyclic<64>>, !tile.buffer<8xf32, fragment>
    %o = tile.region %Y[%c0] sizes [8] : !tile.buffer<?xf32, global> -> !tile.buffer<8xf32, global, #tile.window<?, dims [0]>>
    tile.copy %sum, %o : !tile.buffer<8xf32, fragment>, !tile.buffer<8xf32, global, #tile.window<?, dims [0]>>
  }
  return
}

// -----

// A #tile.cyclic fragment lives in each thread's private memory, needs no
// barrier around its T.Parallel loop, and is reduced with warp shuffles;
// 80 elements over 64 threads leave a guard on the second trip.
// CHECK-LABEL: func.func @rows
func.func @rows(%X: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "X"},
                %Y: !tile.buffer<?xf32, global> {tile.dims = ["M"], tile.name = "Y"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %t = tile.alloc : !tile.buffer<2x40xf32, fragment, #tile.cyclic<64>>
    %sum = tile.alloc : !tile.buffer<2xf32, fragment>
    %r = tile.region %X[%c0, %c0] sizes [2, 40] : !tile.buffer<?x?xf32, global> -> !tile.buffer<2x40xf32, global, #tile.window<?x?, dims [0, 1]>>
    tile.copy %r, %t : !tile.buffer<2x40xf32, global, #tile.window<?x?, dims [0, 1]>>, !tile.buffer<2x40xf32, fragment, #tile.cyclic<64>>
    tile.parallel [2, 40] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %t[%i, %j] : !tile.buffer<2x40xf32, fragment, #tile.cyclic<64>>
      %w = arith.mulf %v, %v : f32
      tile.store %w, %t[%i, %j] : !tile.buffer<2x40xf32, fragment, #tile.cyclic<64>>
    }
    tile.reduce sum %t, %sum dim(1) clear : !tile.buffer<2x40xf32, fragment, #tile.cyclic<64>>, !tile.buffer<2xf32, fragment>
    %o = tile.region %Y[%c0] sizes [2] : !tile.buffer<?xf32, global> -> !tile.buffer<2xf32, global, #tile.window<?, dims [0]>>
    tile.copy %sum, %o : !tile.buffer<2xf32, fragment>, !tile.buffer<2xf32, global, #tile.window<?, dims [0]>>
  }
  return
}
// CHECK: gpu.func @rows
// The fragment: two slots per thread, in private memory.
// CHECK-DAG: %[[SLOTS:.*]] = llvm.alloca %{{.*}} x f32 {alignment = 16 : i64} : (i64) -> !llvm.ptr
// CHECK-DAG: %[[PARTIALS:.*]] = llvm.alloca %{{.*}} x f32 {alignment = 16 : i64} : (i64) -> !llvm.ptr
// The copy in and the squaring loop (a guard for flat < 80) touch only the
// thread's own registers once X is read: no barrier (tile-insert-barriers).
// CHECK-NOT: gpu.barrier
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : index
// CHECK: arith.mulf
// CHECK-NOT: gpu.barrier
// The reduction: partials, shuffles over 32 lanes, shared scratch, barrier.
// CHECK: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: gpu.shuffle xor
// CHECK: gpu.shuffle xor
// CHECK: gpu.shuffle xor
// CHECK: gpu.shuffle xor
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<3>
// CHECK: gpu.barrier
// The sums are in shared memory, written by one thread each: a barrier
// before the copy out.
// CHECK: gpu.barrier
// CHECK: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr<1>

// -----

// Shared-memory planning: %first is dead before %second's first use, so both
// take offset 0 and the kernel needs 256 bytes, not 512.
// CHECK-LABEL: func.func @reuse
// CHECK: tile.launch
// CHECK-SAME: shared_bytes = 256 : i64
func.func @reuse(%A: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "A"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c0 = arith.constant 0 : index
    %first = tile.alloc : !tile.buffer<64xf32, shared>
    %second = tile.alloc : !tile.buffer<64xf32, shared>
    %r = tile.region %A[%c0] sizes [64] : !tile.buffer<?xf32, global> -> !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.copy %r, %first : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
    tile.copy %first, %r : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
    tile.copy %r, %second : !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>, !tile.buffer<64xf32, shared>
    tile.copy %second, %r : !tile.buffer<64xf32, shared>, !tile.buffer<64xf32, global, #tile.window<?, dims [0]>>
  }
  return
}
// CHECK: gpu.func @reuse
// CHECK: llvm.getelementptr %{{.*}}[%c0_i64] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: llvm.getelementptr %{{.*}}[%c0_i64{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8

// -----

// T.use_swizzle(4): the launch's block indices are remapped at kernel entry
// so that blocks launched in order walk down the rows of a panel of 4 block
// columns: linear = by * gx + bx; panel = linear / (4 * gy); within =
// linear mod (4 * gy); width = min(gx - 4 * panel, 4); bx' = 4 * panel +
// within mod width, by' = within / width.
// CHECK-LABEL: gpu.func @raster
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[BY:.*]] = gpu.block_id y
// CHECK: %[[GX:.*]] = gpu.grid_dim x
// CHECK: %[[GY:.*]] = gpu.grid_dim y
// CHECK: %[[ROW:.*]] = arith.muli %[[BY]], %[[GX]] : index
// CHECK: %[[LINEAR:.*]] = arith.addi %[[ROW]], %[[BX]] : index
// CHECK: %[[PANEL:.*]] = arith.muli %c4{{.*}}, %[[GY]] : index
// CHECK: %[[P:.*]] = arith.divui %[[LINEAR]], %[[PANEL]] : index
// CHECK: %[[FIRST:.*]] = arith.muli %[[P]], %c4{{.*}} : index
// CHECK: %[[WITHIN:.*]] = arith.remui %[[LINEAR]], %[[PANEL]] : index
// CHECK: %[[LEFT:.*]] = arith.subi %[[GX]], %[[FIRST]] : index
// CHECK: %[[WIDTH:.*]] = arith.minui %[[LEFT]], %c4{{.*}} : index
// CHECK: %[[COL:.*]] = arith.remui %[[WITHIN]], %[[WIDTH]] : index
// CHECK: %[[NBX:.*]] = arith.addi %[[FIRST]], %[[COL]] : index
// CHECK: %[[NBY:.*]] = arith.divui %[[WITHIN]], %[[WIDTH]] : index
// CHECK: arith.addi %{{.*}}, %[[NBY]] : index
// CHECK: arith.addi %{{.*}}, %[[NBX]] : index
func.func @raster(%Y: !tile.buffer<?x?xf32, global> {tile.dims = ["M", "N"], tile.name = "Y"}) attributes {tile.kernel} {
  %c8 = arith.constant 8 : index
  tile.launch grid(%c8, %c8) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.use_swizzle 4
    %one = arith.constant 1.0 : f32
    tile.store %one, %Y[%by, %bx] : !tile.buffer<?x?xf32, global>
  }
  return
}

// -----

// A loop with `vector = 8` (tile-vectorize-parallel): thread tid runs
// vector tid + k * 128 (8 consecutive lanes). When both tensors are 16-byte
// aligned and the guard holds at lane 0 and at lane 7, the vector runs
// unguarded with one 16-byte load and one 16-byte store; otherwise lane by
// lane, each guarded.
// CHECK-LABEL: gpu.func @vectors
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[XADDR:.*]] = llvm.ptrtoint %arg0 : !llvm.ptr<1> to i64
// CHECK: arith.andi %[[XADDR]], %c15_i64 : i64
// CHECK: llvm.ptrtoint %arg2 : !llvm.ptr<1> to i64
// CHECK: scf.for %[[K:.*]] = %c0{{.*}} to %c2{{.*}} step %c1
// CHECK: %[[STEP:.*]] = arith.muli %[[K]], %c128{{.*}} : index
// CHECK: %[[VEC:.*]] = arith.addi %[[TID]], %[[STEP]] : index
// CHECK: %[[FIRST:.*]] = arith.muli %[[VEC]], %c8{{.*}} : index
// CHECK: arith.addi %[[FIRST]], %c0{{.*}} : index
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : index
// CHECK: arith.addi %[[FIRST]], %c7{{.*}} : index
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %{{.*}} {
// CHECK-NOT: scf.if
// CHECK: %[[V:.*]] = llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// CHECK-COUNT-8: llvm.extractelement %[[V]]
// CHECK-COUNT-8: arith.extf
// CHECK-COUNT-8: llvm.insertelement
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<1>
// CHECK-NEXT: } else {
// CHECK-COUNT-8: scf.if
// CHECK: gpu.return
func.func @vectors(%X: !tile.buffer<?xbf16, global> {tile.dims = ["N"], tile.name = "X"},
                   %Y: !tile.buffer<?xbf16, global> {tile.dims = ["N"], tile.name = "Y"}) attributes {tile.kernel} {
  %N = tile.dim %X[0] : !tile.buffer<?xbf16, global>
  %c2048 = arith.constant 2048 : index
  %grid = arith.ceildivsi %N, %c2048 : index
  tile.launch grid(%grid) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [2048] attributes {vector = 8 : i64} {
    ^bb0(%i: index):
      %base = arith.muli %bx, %c2048 : index
      %index = arith.addi %base, %i : index
      %inside = arith.cmpi slt, %index, %N : index
      scf.if %inside {
        %x = tile.load %X[%index] {contiguous} : !tile.buffer<?xbf16, global>
        %w = arith.extf %x : bf16 to f32
        %y = arith.truncf %w : f32 to bf16
        tile.store %y, %Y[%index] {contiguous} : !tile.buffer<?xbf16, global>
      } {tile.vector_guard}
    }
  }
  return
}

// -----

// In a T.Parallel body, a T.if_then_else whose two sides are arithmetic on
// on-chip values (a register fragment and a shared row maximum, read at
// indices inside them) becomes a select: no branch, so that the shared
// load is not waited for inside one. A side that reads a tensor keeps its
// branch (the guard is what keeps that access inside). A loop over a
// register fragment is unrolled: its slots are constants.
// CHECK-LABEL: gpu.func @speculate
// CHECK-NOT: scf.for
// CHECK: math.exp2
// CHECK: arith.select
// CHECK: math.exp2
// CHECK: arith.select
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: llvm.load %{{.*}} : !llvm.ptr<1> -> f32
// CHECK: } else {
func.func @speculate(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"}) attributes {tile.kernel} {
  %N = tile.dim %X[0] : !tile.buffer<?xf32, global>
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tile = tile.alloc : !tile.buffer<64xf32, fragment, #tile.cyclic<32>>
    %max = tile.alloc : !tile.buffer<1xf32, shared>
    tile.parallel [64] {
    ^bb0(%j: index):
      %inside = arith.cmpi slt, %j, %N : index
      %e = scf.if %inside -> (f32) {
        %x = tile.load %tile[%j] : !tile.buffer<64xf32, fragment, #tile.cyclic<32>>
        %m = tile.load %max[%c0] : !tile.buffer<1xf32, shared>
        %d = arith.subf %x, %m : f32
        %p = math.exp2 %d : f32
        scf.yield %p : f32
      } else {
        scf.yield %zero : f32
      }
      tile.store %e, %tile[%j] : !tile.buffer<64xf32, fragment, #tile.cyclic<32>>
    }
    tile.parallel [64] {
    ^bb0(%j: index):
      %inside = arith.cmpi slt, %j, %N : index
      %v = scf.if %inside -> (f32) {
        %x = tile.load %X[%j] : !tile.buffer<?xf32, global>
        scf.yield %x : f32
      } else {
        scf.yield %zero : f32
      }
      tile.store %v, %tile[%j] : !tile.buffer<64xf32, fragment, #tile.cyclic<32>>
    }
  }
  return
}

// -----

// Prefix sums: one thread a line (16 lines over 128 threads), in order along
// it, f16 summed in f32; reverse walks from the end.
// CHECK-LABEL: gpu.func @cumsum
// CHECK: scf.for %[[STEP:.*]] = %{{.*}} to %c48{{.*}} step %{{.*}} iter_args(%[[SUM:.*]] = %{{.*}}) -> (f32)
// CHECK: %[[AT:.*]] = arith.subi %c47{{.*}}, %[[STEP]] : index
// CHECK: llvm.load {{.*}} -> f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: %[[NEXT:.*]] = arith.addf %[[SUM]], %{{.*}} : f32
// CHECK: llvm.store %{{.*}} : f16, !llvm.ptr<3>
// CHECK: scf.yield %[[NEXT]] : f32
func.func @cumsum() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<16x48xf16, shared>
    %zero = arith.constant 0.0 : f16
    tile.fill %s, %zero : !tile.buffer<16x48xf16, shared>
    tile.cumsum %s, %s dim(1) reverse : !tile.buffer<16x48xf16, shared>, !tile.buffer<16x48xf16, shared>
  }
  return
}
