// RUN: tile-opt %s --split-input-file --tile-infer-layouts --verify-diagnostics

// Two annotations that give one buffer different swizzles: a located error
// with the earlier annotation as a note (no silent choice of one).
func.func @two_swizzles() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    // expected-note @+1 {{the earlier annotation}}
    tile.annotate_layout %q layout(#tile.swizzle<128>) : !tile.buffer<64x64xf16, shared>
    // expected-error @+1 {{conflicting layouts for one buffer: a 64-byte swizzle here, a 128-byte one before}}
    tile.annotate_layout %q layout(#tile.swizzle<64>) : !tile.buffer<64x64xf16, shared>
  }
  return
}

// -----

// The same swizzle twice (0 means the widest the rows allow: 128 bytes
// here) agrees.
func.func @same_swizzle() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    tile.annotate_layout %q layout(#tile.swizzle<128>) : !tile.buffer<64x64xf16, shared>
    tile.annotate_layout %q layout(#tile.swizzle<0>) : !tile.buffer<64x64xf16, shared>
  }
  return
}
