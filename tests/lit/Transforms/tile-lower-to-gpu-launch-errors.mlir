// RUN: tile-opt %s --split-input-file --tile-partition-parallel --tile-lower-to-gpu --tile-convert-to-llvm --tile-lower-float8 --verify-diagnostics

// What tile-lower-to-gpu cannot leave to the host: a launch in a loop, a
// condition the runtime cannot evaluate, memory accesses outside a launch.

func.func @in_loop(%A: !tile.buffer<4xf32, global> {tile.dims = [""], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{T.Kernel inside a loop runs only on the cpu target}}
  scf.for %k = %c0 to %c2 step %c1 {
    tile.launch grid(%c1) threads(32) {
    ^bb0(%bx: index, %by: index, %bz: index):
      %v = arith.constant 1.0 : f32
      tile.store %v, %A[%k] : !tile.buffer<4xf32, global>
    }
  }
  return
}

// -----

func.func @float_condition(%A: !tile.buffer<4xf32, global> {tile.dims = [""], tile.name = "A"},
                           %x: f32 {tile.name = "x"}) attributes {tile.kernel} {
  %half = arith.constant 0.5 : f32
  %big = arith.cmpf ogt, %x, %half : f32
  // expected-error @+1 {{the condition around T.Kernel must be computable on the host}}
  scf.if %big {
    %c1 = arith.constant 1 : index
    tile.launch grid(%c1) threads(32) {
    ^bb0(%bx: index, %by: index, %bz: index):
    }
  }
  return
}

// -----

func.func @host_store(%A: !tile.buffer<4xf32, global> {tile.dims = [""], tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %v = arith.constant 1.0 : f32
  // expected-error @+1 {{only scalar computation may stand outside T.Kernel}}
  tile.store %v, %A[%c0] : !tile.buffer<4xf32, global>
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
  }
  return
}

// -----

// expected-error @+1 {{kernel has no 'with T.Kernel(...)'}}
func.func @no_launch(%A: !tile.buffer<4xf32, global> {tile.dims = [""], tile.name = "A"}) attributes {tile.kernel} {
  return
}
