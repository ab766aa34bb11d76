// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu="vector-atomics=true tma=true" --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 | FileCheck %s --check-prefix=PLAIN

// An atomic add of a float32 accumulator: each pair of neighbouring columns
// a thread holds goes in one vector reduction where both are inside and the
// address is 8-byte aligned, else one at a time.
// CHECK-LABEL: gpu.func @accumulator_pairs
// CHECK: scf.if
// CHECK: llvm.inline_asm has_side_effects "red.relaxed.gpu.add.v2.f32 [$0], {$1, $2};", "l,f,f"
// CHECK: } else {
// CHECK: llvm.atomicrmw fadd
// CHECK: llvm.atomicrmw fadd
// PLAIN-LABEL: gpu.func @accumulator_pairs
// PLAIN-NOT: red.relaxed
// PLAIN: llvm.atomicrmw fadd
func.func @accumulator_pairs(%C: !tile.buffer<?x64xf32, global> {tile.dims = ["m", ""], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %fzero = arith.constant 1.0 : f32
    tile.fill %c, %fzero : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %window = tile.region %C[%c0, %c0] sizes [64, 64] : <?x64xf32, global> -> <64x64xf32, global, #tile.window<?x64, dims [0, 1]>>
    tile.atomic_add %c, %window : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf32, global, #tile.window<?x64, dims [0, 1]>>
  }
  return
}

// -----

// An atomic add of a float32 shared tile (rows 132 floats apart, 128 of
// them added): each row one bulk reduction by the copy engine where it is
// whole inside the tensor and both ends are 16-byte aligned, else element
// by element; then the issuers wait until the tile has been read.
// CHECK-LABEL: gpu.func @shared_rows
// CHECK: scf.if
// CHECK: llvm.inline_asm has_side_effects "cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [$0], [$1], 512;", "l,l"
// CHECK: } else {
// CHECK: scf.for
// CHECK: llvm.atomicrmw fadd
// CHECK: nvvm.cp.async.bulk.commit.group
// CHECK-NEXT: nvvm.cp.async.bulk.wait_group 0 {read}
// PLAIN-LABEL: gpu.func @shared_rows
// PLAIN-NOT: cp.reduce.async.bulk
// PLAIN: llvm.atomicrmw fadd
func.func @shared_rows(%C: !tile.buffer<?x?x128xf32, global> {tile.dims = ["m", "h", ""], tile.name = "C"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x132xf32, shared>
    %one = arith.constant 1.0 : f32
    tile.fill %s, %one : !tile.buffer<64x132xf32, shared>
    tile.barrier {async_proxy}
    %tile = tile.region %s[%c0, %c0] sizes [64, 128] : <64x132xf32, shared> -> <64x128xf32, shared, #tile.window<64x132, dims [0, 1]>>
    %window = tile.region %C[%c0, %by, %c0] sizes [64, 1, 128] : <?x?x128xf32, global> -> <64x128xf32, global, #tile.window<?x?x128, dims [0, 2]>>
    tile.atomic_add %tile, %window : !tile.buffer<64x128xf32, shared, #tile.window<64x132, dims [0, 1]>>, <64x128xf32, global, #tile.window<?x?x128, dims [0, 2]>>
  }
  return
}

// -----

// Flags between blocks: a waiting block's first thread spins on the flag,
// acquires, resets it, and the barrier lets the others read; to signal,
// after the block's barrier one thread releases the block's writes and
// sets the flag.
// CHECK-LABEL: gpu.func @signals
// CHECK: scf.if
// CHECK: scf.while
// CHECK-NEXT: %[[SEEN:.*]] = llvm.load %{{.*}} atomic syncscope("device") monotonic {alignment = 4 : i64} : !llvm.ptr<1> -> i32
// CHECK: llvm.fence syncscope("device") acquire
// CHECK: llvm.store %{{.*}}, %{{.*}} atomic syncscope("device") monotonic {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: %[[FIRST:.*]] = arith.cmpi eq
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK: llvm.fence syncscope("device") release
// CHECK: llvm.store %{{.*}}, %{{.*}} atomic syncscope("device") monotonic {alignment = 4 : i64} : i32, !llvm.ptr<1>
func.func @signals(%F: !tile.buffer<8xi32, global> {tile.dims = [""], tile.name = "F"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  tile.launch grid(%c8) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %previous = arith.subi %bx, %c1 : index
    tile.wait_signal %F[%previous] : !tile.buffer<8xi32, global>
    tile.signal %F[%bx] : !tile.buffer<8xi32, global>
  }
  return
}
