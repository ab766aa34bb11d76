// RUN: tile-opt %s --tile-plan-shared-memory | FileCheck %s

// %a (4 KB) and %b (2 KB) are live together; %c is first used after both
// are dead and takes their bytes; the swizzled %d starts 1024-byte aligned
// after %c; fragments with a register layout and local buffers get no
// offset.
// CHECK-LABEL: func.func @plan
// CHECK: tile.alloc {shared_offset = 0 : i64} : <32x64xf16, shared>
// CHECK: tile.alloc {shared_offset = 4096 : i64} : <32x32xf16, shared>
// CHECK: tile.alloc {shared_offset = 0 : i64} : <16xf32, shared>
// CHECK: tile.alloc {shared_offset = 1024 : i64} : <8x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.alloc : <64xf32, fragment, #tile.cyclic<64>>
// CHECK: tile.alloc : <f32, local>
func.func @plan(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<32x64xf16, shared>
    %b = tile.alloc : !tile.buffer<32x32xf16, shared>
    %c = tile.alloc : !tile.buffer<16xf32, shared>
    %d = tile.alloc : !tile.buffer<8x64xf16, shared, #tile.swizzle<128>>
    %f = tile.alloc : !tile.buffer<64xf32, fragment, #tile.cyclic<64>>
    %v = tile.alloc : !tile.buffer<f32, local>
    %h = arith.constant 0.0 : f16
    %z = arith.constant 0.0 : f32
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    // A loop holds uses of both: they are live through all of it.
    scf.for %i = %c0 to %c4 step %c1 {
      tile.fill %a, %h : !tile.buffer<32x64xf16, shared>
      tile.fill %b, %h : !tile.buffer<32x32xf16, shared>
    }
    tile.fill %c, %z : !tile.buffer<16xf32, shared>
    tile.fill %d, %h : !tile.buffer<8x64xf16, shared, #tile.swizzle<128>>
    tile.fill %c, %z : !tile.buffer<16xf32, shared>
    tile.fill %f, %z : !tile.buffer<64xf32, fragment, #tile.cyclic<64>>
  }
  return
}

// Barriers are initialized where they are allocated and stay valid to the
// end of their block: %early, used before the loop that first waits on
// them, must not take their bytes (it would overwrite the initialized
// barriers), and neither may %late, used after it (a valid mbarrier's bytes
// are not reused): it takes %early's and goes on past the barriers'.
// CHECK-LABEL: func.func @barriers
// CHECK: tile.alloc {mbarriers, shared_offset = 128 : i64} : <2xi64, shared>
// CHECK: tile.alloc {shared_offset = 0 : i64} : <32xf32, shared>
// CHECK: tile.alloc {shared_offset = 144 : i64} : <48xf32, shared>
func.func @barriers(%X: !tile.buffer<?xf32, global> {tile.dims = ["N"], tile.name = "X"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %full = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    %early = tile.alloc : !tile.buffer<32xf32, shared>
    %late = tile.alloc : !tile.buffer<48xf32, shared>
    %z = arith.constant 0.0 : f32
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    tile.fill %early, %z : !tile.buffer<32xf32, shared>
    scf.for %i = %c0 to %c4 step %c1 {
      tile.barrier_wait %full[%c0] phase(%c0) : !tile.buffer<2xi64, shared>
    }
    tile.fill %late, %z : !tile.buffer<48xf32, shared>
  }
  return
}
