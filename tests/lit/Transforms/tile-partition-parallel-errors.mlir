// RUN: tile-opt %s --split-input-file --tile-partition-parallel --verify-diagnostics

// A thread's share of a loop cannot hold a whole-tile operation.
func.func @alloc_inside(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [128] {
    ^bb0(%i: index):
      // expected-error @+1 {{the GPU target does not support 'tile.alloc' inside a T.Parallel loop}}
      %s = tile.alloc : !tile.buffer<4xf32, shared>
    }
  }
  return
}

// -----

// A register fragment read at another iteration's element: its slot would
// be another thread's register.
func.func @other_iteration(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<256xf32, shared>
    %c1 = arith.constant 1 : index
    tile.parallel [256] {
    ^bb0(%i: index):
      %next = arith.addi %i, %c1 : index
      // expected-error @+1 {{this access does not follow the layout #tile.cyclic<128> of its fragment}}
      %v = tile.load %frag[%next] : !tile.buffer<256xf32, fragment, #tile.cyclic<128>>
      tile.store %v, %s[%i] : !tile.buffer<256xf32, shared>
    }
  }
  return
}

// -----

// A fragment spread over 256 threads, in a loop the producer's 128 run.
func.func @other_threads(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<256xf32, fragment, #tile.cyclic<256>>
    %s = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<256xf32, shared>
    tile.warp_specialize producer {
      tile.parallel [256] {
      ^bb0(%i: index):
        // expected-error @+1 {{this access does not follow the layout #tile.cyclic<256> of its fragment}}
        %v = tile.load %frag[%i] : !tile.buffer<256xf32, fragment, #tile.cyclic<256>>
        tile.store %v, %s[%i] : !tile.buffer<256xf32, shared>
      }
    } consumers {
      %zero = arith.constant 0.0 : f32
    }
  }
  return
}

// -----

// A row fragment of two warpgroups read in a loop over an accumulator of
// one: its rows lie with other threads.
func.func @rows_of_other_warpgroups(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %acc = tile.alloc : !tile.buffer<128x16xf32, fragment, #tile.wgmma<1>>
    %rows = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    tile.parallel [128, 16] attributes {layout = #tile.wgmma<1>} {
    ^bb0(%i: index, %j: index):
      // expected-error @+1 {{this access does not follow the layout #tile.wgmma_rows<2> of its fragment}}
      %m = tile.load %rows[%i] : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
      tile.store %m, %acc[%i, %j] : !tile.buffer<128x16xf32, fragment, #tile.wgmma<1>>
    }
  }
  return
}

// -----

// Flags are the whole block's: not in a T.Parallel body.
func.func @signal_in_loop(%F: !tile.buffer<8xi32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [8] {
    ^bb0(%i: index):
      // expected-error @+1 {{'tile.signal' op signals or waits for the whole block: not in a T.Parallel or a per-thread launch}}
      tile.signal %F[%i] : !tile.buffer<8xi32, global>
    }
  }
  return
}

// -----

// A prefix sum runs along lines of memory; a fragment's elements lie in
// other threads' registers.
func.func @cumsum_registers(%n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
    // expected-error @+1 {{'tile.cumsum' op on GPU targets sums tiles in memory, not fragments in registers}}
    tile.cumsum %frag, %frag dim(1) : !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>, !tile.buffer<2x128xf32, fragment, #tile.cyclic<128>>
  }
  return
}

// -----

// The loops of whole-tile ops have constant trip counts.
func.func @fill_dynamic(%X: !tile.buffer<?x64xf32, global>, %n: index) attributes {tile.kernel} {
  tile.launch grid(%n) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %zero = arith.constant 0.0 : f32
    // expected-error @+1 {{'tile.fill' op on GPU targets takes tiles of constant shape only}}
    tile.fill %X, %zero : !tile.buffer<?x64xf32, global>
  }
  return
}
