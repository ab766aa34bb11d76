// RUN: tile-opt %s --split-input-file --tile-infer-layouts="wgmma=true" | FileCheck %s
// RUN: tile-opt %s --split-input-file --tile-infer-layouts | FileCheck %s --check-prefix=NOWGMMA
// RUN: tile-opt %s --split-input-file --tile-infer-layouts="mma-sync=true" | FileCheck %s --check-prefix=MMASYNC

// A gemm of whole shared f16 tiles into an f32 fragment runs on wgmma: C
// takes the accumulator layout (two warpgroups, one 64-row block each), the
// T.Parallel loop over C follows it, A (64-byte rows) and B (256-byte rows)
// take the widest swizzle their rows allow.
// CHECK-LABEL: func.func @gemm
// CHECK: tile.alloc : <128x32xf16, shared, #tile.swizzle<64>>
// CHECK: tile.alloc : <32x128xf16, shared, #tile.swizzle<128>>
// CHECK: tile.alloc : <128x128xf32, fragment, #tile.wgmma<2>>
// CHECK: tile.parallel [128, 128] attributes {layout = #tile.wgmma<2>} {
// With mma-sync (sm_80) the same layouts, the accumulators marked for
// mma.sync; no 8-bit operands there.
// MMASYNC-LABEL: func.func @gemm
// MMASYNC: tile.alloc : <128x32xf16, shared, #tile.swizzle<64>>
// MMASYNC: tile.alloc : <32x128xf16, shared, #tile.swizzle<128>>
// MMASYNC: tile.alloc : <128x128xf32, fragment, #tile.wgmma<2, mma_sync>>
// MMASYNC: tile.parallel [128, 128] attributes {layout = #tile.wgmma<2, mma_sync>} {
// NOWGMMA-LABEL: func.func @gemm
// NOWGMMA-NOT: tile.layout
// NOWGMMA-LABEL: func.func @scores
func.func @gemm(%C: !tile.buffer<128x128xf16, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<128x32xf16, shared>
    %b = tile.alloc : !tile.buffer<32x128xf16, shared>
    %c = tile.alloc : !tile.buffer<128x128xf32, fragment>
    %zero = arith.constant 0.0 : f32
    tile.fill %c, %zero : !tile.buffer<128x128xf32, fragment>
    tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>}
        : !tile.buffer<128x32xf16, shared>, !tile.buffer<32x128xf16, shared>, !tile.buffer<128x128xf32, fragment>
    tile.parallel [128, 128] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %c[%i, %j] : !tile.buffer<128x128xf32, fragment>
      %w = arith.mulf %v, %v : f32
      tile.store %w, %c[%i, %j] : !tile.buffer<128x128xf32, fragment>
    }
    tile.copy %c, %C : !tile.buffer<128x128xf32, fragment>, !tile.buffer<128x128xf16, global>
  }
  return
}

// -----

// Attention's pattern: the scores' accumulator is reduced along its rows
// (each row sits in one quad of lanes) and read next to the row maxima in
// a loop that follows its layout; the maxima are held by their rows' quads
// (wgmma_rows), and so is a loop over them. The probabilities, a fragment
// copied from the scores, take the accumulator layout: the second gemm
// reads its A from registers. An annotated swizzle is kept.
// CHECK-LABEL: func.func @scores
// CHECK: tile.alloc : <64x64xf16, shared, #tile.swizzle<32>>
// CHECK-NEXT: tile.alloc : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: tile.alloc : <64xf32, fragment, #tile.wgmma_rows<1>>
// CHECK-NEXT: tile.alloc : <64x64xf16, fragment, #tile.wgmma<1>>
// CHECK-NEXT: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.parallel [64] attributes {layout = #tile.wgmma_rows<1>}
// CHECK: tile.parallel [64, 64] attributes {layout = #tile.wgmma<1>}
// MMASYNC-LABEL: func.func @scores
// MMASYNC: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
// MMASYNC-NEXT: tile.alloc : <64xf32, fragment, #tile.wgmma_rows<1>>
// MMASYNC-NEXT: tile.alloc : <64x64xf16, fragment, #tile.wgmma<1, mma_sync>>
// MMASYNC-NEXT: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1, mma_sync>>
func.func @scores() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    %k = tile.alloc : !tile.buffer<64x64xf16, shared>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %m = tile.alloc : !tile.buffer<64xf32, fragment>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.annotate_layout %q layout(#tile.swizzle<32>) : !tile.buffer<64x64xf16, shared>
    tile.gemm %q, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.reduce max %s, %m dim(1) clear : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64xf32, fragment>
    tile.parallel [64] {
    ^bb0(%i: index):
      %v = tile.load %m[%i] : !tile.buffer<64xf32, fragment>
      %h = arith.mulf %v, %v : f32
      tile.store %h, %m[%i] : !tile.buffer<64xf32, fragment>
    }
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %s[%i, %j] : !tile.buffer<64x64xf32, fragment>
      %w = tile.load %m[%i] : !tile.buffer<64xf32, fragment>
      %d = arith.subf %v, %w : f32
      %e = math.exp2 %d : f32
      tile.store %e, %s[%i, %j] : !tile.buffer<64x64xf32, fragment>
    }
    tile.copy %s, %p : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf16, fragment>
    tile.gemm %p, %k, %o {clear_accum, policy = #tile<gemm_policy full_row>}
        : !tile.buffer<64x64xf16, fragment>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
  }
  return
}

// -----

// A fragment A operand written element by element (not a copy of an
// accumulator of its shape) moves to swizzled shared memory, where wgmma
// reads it by descriptor: the loop's stores are the layout conversion.
// CHECK-LABEL: func.func @shared_operand
// CHECK: tile.alloc : <64x64xf16, fragment, #tile.swizzle<128>>
// CHECK-NEXT: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
func.func @shared_operand() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %k = tile.alloc : !tile.buffer<64x64xf16, shared>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      %x = arith.constant 1.0 : f16
      tile.store %x, %p[%i, %j] : !tile.buffer<64x64xf16, fragment>
    }
    tile.gemm %p, %k, %o {clear_accum, policy = #tile<gemm_policy full_row>}
        : !tile.buffer<64x64xf16, fragment>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
  }
  return
}

// -----

// A reduction down the columns of the accumulator crosses the quads (and
// warps): the gemm keeps the other paths.
// CHECK-LABEL: func.func @columns
// CHECK-NOT: wgmma
// CHECK: return
func.func @columns() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %q = tile.alloc : !tile.buffer<64x64xf16, shared>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %m = tile.alloc : !tile.buffer<64xf32, fragment>
    tile.gemm %q, %q, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.reduce max %s, %m dim(0) clear : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64xf32, fragment>
  }
  return
}

// -----

// 8-bit operands go to wgmma only K-major: A as is and B transposed (N x K);
// with B stored K x N the gemm keeps the other paths.
// CHECK-LABEL: func.func @fp8
// CHECK: tile.alloc : <64x128xf8E4M3FN, shared, #tile.swizzle<128>>
// CHECK: tile.alloc : <128x128xf8E4M3FN, shared, #tile.swizzle<128>>
// CHECK: tile.alloc : <64x128xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.alloc : <128x128xf8E4M3FN, shared>
// CHECK-NEXT: tile.alloc : <64x128xf32, fragment>
// MMASYNC-LABEL: func.func @fp8
// MMASYNC-NOT: tile.layout
func.func @fp8() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x128xf8E4M3FN, shared>
    %b = tile.alloc : !tile.buffer<128x128xf8E4M3FN, shared>
    %c = tile.alloc : !tile.buffer<64x128xf32, fragment>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x128xf8E4M3FN, shared>, !tile.buffer<128x128xf8E4M3FN, shared>, !tile.buffer<64x128xf32, fragment>
    %b2 = tile.alloc : !tile.buffer<128x128xf8E4M3FN, shared>
    %c2 = tile.alloc : !tile.buffer<64x128xf32, fragment>
    tile.gemm %a, %b2, %c2 {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<64x128xf8E4M3FN, shared>, !tile.buffer<128x128xf8E4M3FN, shared>, !tile.buffer<64x128xf32, fragment>
  }
  return
}

// -----

// An epilogue staged on chip: the shared tile the accumulator is copied
// into whole takes the widest swizzle its rows allow (256-byte rows: 128),
// so that stmatrix writes hit different banks and a TMA store can read it.
// A shared tile of another shape keeps no layout.
// CHECK-LABEL: func.func @staging
// CHECK: tile.alloc : <64x128xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: tile.alloc : <64x128xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: tile.alloc : <64x64xf16, shared>
// MMASYNC-LABEL: func.func @staging
// MMASYNC: tile.alloc : <64x128xf32, fragment, #tile.wgmma<1, mma_sync>>
// MMASYNC-NEXT: tile.alloc : <64x128xf16, shared, #tile.swizzle<128>>
func.func @staging(%C: !tile.buffer<64x128xf16, global> {tile.name = "C"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared>
    %b = tile.alloc : !tile.buffer<64x128xf16, shared>
    %c = tile.alloc : !tile.buffer<64x128xf32, fragment>
    %s = tile.alloc : !tile.buffer<64x128xf16, shared>
    %t = tile.alloc : !tile.buffer<64x64xf16, shared>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x128xf16, shared>, !tile.buffer<64x128xf32, fragment>
    tile.copy %c, %s : !tile.buffer<64x128xf32, fragment>, !tile.buffer<64x128xf16, shared>
    tile.copy %s, %C : !tile.buffer<64x128xf16, shared>, !tile.buffer<64x128xf16, global>
    %c0 = arith.constant 0 : index
    %ct = tile.region %s[%c0, %c0] sizes [64, 64] : !tile.buffer<64x128xf16, shared> -> !tile.buffer<64x64xf16, shared, #tile.window<64x128, dims [0, 1]>>
    tile.copy %ct, %t : !tile.buffer<64x64xf16, shared, #tile.window<64x128, dims [0, 1]>>, !tile.buffer<64x64xf16, shared>
  }
  return
}

// -----

// 64 rows on two warpgroups: with the default (square) policy they split
// the columns, 128 each; FullRow keeps one warpgroup on the whole tile; an
// accumulator reduced along its rows is not split (a row would span
// warpgroups), nor is the A it feeds from registers.
// CHECK-LABEL: func.func @columns_split
// CHECK: tile.alloc : <64x256xf32, fragment, #tile.wgmma<1, columns 2>>
// CHECK: tile.alloc : <64x256xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.alloc : <64xf32, fragment, #tile.wgmma_rows<1>>
// MMASYNC-LABEL: func.func @columns_split
// MMASYNC: tile.alloc : <64x256xf32, fragment, #tile.wgmma<1, columns 2, mma_sync>>
func.func @columns_split() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared>
    %b = tile.alloc : !tile.buffer<64x256xf16, shared>
    %c = tile.alloc : !tile.buffer<64x256xf32, fragment>
    %d = tile.alloc : !tile.buffer<64x256xf32, fragment>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %m = tile.alloc : !tile.buffer<64xf32, fragment>
    tile.gemm %a, %b, %c {clear_accum, policy = #tile<gemm_policy square>}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x256xf16, shared>, !tile.buffer<64x256xf32, fragment>
    tile.gemm %a, %b, %d {clear_accum, policy = #tile<gemm_policy full_row>}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x256xf16, shared>, !tile.buffer<64x256xf32, fragment>
    tile.gemm %a, %a, %s {clear_accum, policy = #tile<gemm_policy square>, transpose_b}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.reduce max %s, %m dim(1) clear : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64xf32, fragment>
  }
  return
}

// -----

// A copy of the accumulator into an A operand that cannot be used from
// registers (it is also written element by element) moves the elements
// into swizzled shared memory: once both layouts are known the copy is a
// tile.convert_layout.
// CHECK-LABEL: func.func @converted_operand
// CHECK: tile.convert_layout %{{.*}}, %{{.*}} : <64x64xf32, fragment, #tile.wgmma<1>>, <64x64xf16, fragment, #tile.swizzle<128>>
// NOWGMMA-LABEL: func.func @converted_operand
// NOWGMMA-NOT: tile.convert_layout
func.func @converted_operand() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %k = tile.alloc : !tile.buffer<64x64xf16, shared>
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment>
    tile.gemm %k, %k, %s {clear_accum, policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.copy %s, %p : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf16, fragment>
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      %x = arith.constant 1.0 : f16
      tile.store %x, %p[%i, %j] : !tile.buffer<64x64xf16, fragment>
    }
    tile.gemm %p, %k, %o {clear_accum, policy = #tile<gemm_policy full_row>}
        : !tile.buffer<64x64xf16, fragment>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
  }
  return
}

// -----

// MLA decoding's shape: a 64 x 512 accumulator, wider than one wgmma, on two
// warpgroups that split its columns (256 each). Its A, a fragment that only
// receives a whole copy of a shared tile before the gemm reads it, is that
// shared tile: the gemm reads it in place (no second swizzled tile in
// shared memory, no copy).
// CHECK-LABEL: func.func @wide_accumulator
// CHECK: %[[S:.*]] = tile.alloc : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: %[[KV:.*]] = tile.alloc : <64x512xf16, shared, #tile.swizzle<128>>
// CHECK-NEXT: %[[O:.*]] = tile.alloc : <64x512xf32, fragment, #tile.wgmma<1, columns 2>>
// CHECK-NOT: tile.copy
// CHECK: tile.gemm %[[S]], %[[KV]], %[[O]]
// With mma.sync the fragment is forwarded too.
// MMASYNC-LABEL: func.func @wide_accumulator
// MMASYNC-NOT: tile.copy
// MMASYNC: tile.gemm
// Without tensor cores nothing changes.
// NOWGMMA-LABEL: func.func @wide_accumulator
// NOWGMMA: tile.copy
func.func @wide_accumulator(%O: !tile.buffer<64x512xf32, global> {tile.name = "O"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x64xf16, shared>
    %kv = tile.alloc : !tile.buffer<64x512xf16, shared>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment>
    %o = tile.alloc : !tile.buffer<64x512xf32, fragment>
    %zero = arith.constant 0.0 : f32
    tile.fill %o, %zero : !tile.buffer<64x512xf32, fragment>
    tile.copy %s, %p : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, fragment>
    tile.gemm %p, %kv, %o {policy = #tile<gemm_policy full_col>}
        : !tile.buffer<64x64xf16, fragment>, !tile.buffer<64x512xf16, shared>, !tile.buffer<64x512xf32, fragment>
    tile.copy %o, %O : !tile.buffer<64x512xf32, fragment>, !tile.buffer<64x512xf32, global>
  }
  return
}

// -----

// A shared tile written between the copy and the gemm: the fragment keeps
// the value the copy took, so the gemm reads the fragment.
// CHECK-LABEL: func.func @written_between
// CHECK: tile.copy
// CHECK: tile.fill
// CHECK: tile.gemm
func.func @written_between(%O: !tile.buffer<64x64xf32, global> {tile.name = "O"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x64xf16, shared>
    %kv = tile.alloc : !tile.buffer<64x64xf16, shared>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment>
    %o = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %zero = arith.constant 0.0 : f32
    %zero16 = arith.constant 0.0 : f16
    tile.fill %o, %zero : !tile.buffer<64x64xf32, fragment>
    tile.copy %s, %p : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, fragment>
    tile.fill %s, %zero16 : !tile.buffer<64x64xf16, shared>
    tile.gemm %p, %kv, %o {policy = #tile<gemm_policy square>}
        : !tile.buffer<64x64xf16, fragment>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.copy %o, %O : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// Attention's backward step: P^T and dP^T, two accumulators of one shape,
// read together in a loop (dS^T = P^T * (dP^T - D)) share one layout and
// the loop follows it; dS^T, cast, feeds a gemm from registers and is also
// stored whole to shared memory; dQ, accumulated by a gemm, is added
// atomically into global memory from the registers that hold it.
// CHECK-LABEL: func.func @backward_step
// CHECK: %[[PT:.*]] = tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: %[[DPT:.*]] = tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: %[[DST:.*]] = tile.alloc : <64x64xbf16, fragment, #tile.wgmma<1>>
// CHECK-NEXT: %[[DK:.*]] = tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: %[[DQ:.*]] = tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.parallel [64, 64] attributes {layout = #tile.wgmma<1>}
// CHECK: tile.atomic_add %[[DQ]], %{{.*}} :
func.func @backward_step(%dQ: !tile.buffer<64x64xf32, global> {tile.name = "dQ"},
                         %dK: !tile.buffer<64x64xf32, global> {tile.name = "dK"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %k = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %v = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %q = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %do = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %ds_shared = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %pt = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %dpt = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %dst = tile.alloc : !tile.buffer<64x64xbf16, fragment>
    %dk = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %dq = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %zero = arith.constant 0.0 : f32
    tile.fill %pt, %zero : !tile.buffer<64x64xf32, fragment>
    tile.fill %dpt, %zero : !tile.buffer<64x64xf32, fragment>
    tile.fill %dk, %zero : !tile.buffer<64x64xf32, fragment>
    tile.fill %dq, %zero : !tile.buffer<64x64xf32, fragment>
    tile.gemm %k, %q, %pt {policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.gemm %v, %do, %dpt {policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      %p = tile.load %pt[%i, %j] : !tile.buffer<64x64xf32, fragment>
      %dp = tile.load %dpt[%i, %j] : !tile.buffer<64x64xf32, fragment>
      %ds = arith.mulf %p, %dp : f32
      tile.store %ds, %dpt[%i, %j] : !tile.buffer<64x64xf32, fragment>
    }
    tile.copy %dpt, %dst : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xbf16, fragment>
    tile.gemm %dst, %q, %dk {policy = #tile<gemm_policy full_row>}
        : !tile.buffer<64x64xbf16, fragment>, !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.copy %dst, %ds_shared : !tile.buffer<64x64xbf16, fragment>, !tile.buffer<64x64xbf16, shared>
    tile.gemm %ds_shared, %k, %dq {policy = #tile<gemm_policy full_row>, transpose_a}
        : !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.atomic_add %dq, %dQ : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, global>
    tile.copy %dk, %dK : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// The same step written as the attention template does: one loop rewrites
// both P^T and dP^T in place. Written element for element in step, the
// second accumulator still takes the first's layout (not shared memory).
// CHECK-LABEL: func.func @both_rewritten
// CHECK: %[[PT:.*]] = tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK-NEXT: %[[DPT:.*]] = tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.parallel [64, 64] attributes {layout = #tile.wgmma<1>}
// CHECK: tile.store %{{.*}}, %[[PT]]
// CHECK: tile.store %{{.*}}, %[[DPT]]
func.func @both_rewritten(%P: !tile.buffer<64x64xf32, global> {tile.name = "P"},
                          %dS: !tile.buffer<64x64xf32, global> {tile.name = "dS"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %k = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %v = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %q = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %do = tile.alloc : !tile.buffer<64x64xbf16, shared>
    %pt = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %dpt = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %zero = arith.constant 0.0 : f32
    tile.fill %pt, %zero : !tile.buffer<64x64xf32, fragment>
    tile.fill %dpt, %zero : !tile.buffer<64x64xf32, fragment>
    tile.gemm %k, %q, %pt {policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.gemm %v, %do, %dpt {policy = #tile<gemm_policy full_row>, transpose_b}
        : !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xbf16, shared>, !tile.buffer<64x64xf32, fragment>
    tile.parallel [64, 64] {
    ^bb0(%i: index, %j: index):
      %s = tile.load %pt[%i, %j] : !tile.buffer<64x64xf32, fragment>
      %dp = tile.load %dpt[%i, %j] : !tile.buffer<64x64xf32, fragment>
      %p = math.exp2 %s : f32
      %ds = arith.mulf %p, %dp : f32
      tile.store %p, %pt[%i, %j] : !tile.buffer<64x64xf32, fragment>
      tile.store %ds, %dpt[%i, %j] : !tile.buffer<64x64xf32, fragment>
    }
    tile.copy %pt, %P : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, global>
    tile.copy %dpt, %dS : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, global>
  }
  return
}

// -----

// Windows of shared tiles as operands (K sliced in an unrolled loop, as
// TileLang's explicit schedules do): the tiles take their swizzles, the
// windows follow (their types), and C takes the wgmma layout: the windows
// start at a k-step (j * 32 columns of a K-major A, and of a transposed B).
// CHECK-LABEL: func.func @windows
// CHECK: tile.alloc : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.alloc : <64x64xf16, shared, #tile.swizzle<128>>
// CHECK: tile.alloc : <64x64xf32, fragment, #tile.wgmma<1>>
// CHECK: tile.region {{.*}} -> <64x32xf16, shared, #tile.swizzle<128>, #tile.window<64x64, dims [0, 1]>>
// On mma.sync (ldmatrix wants constant columns) the windows keep C off the
// tensor-core layout.
// MMASYNC-LABEL: func.func @windows
// MMASYNC: tile.alloc : <64x64xf32, fragment>
func.func @windows() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared>
    %b = tile.alloc : !tile.buffer<64x64xf16, shared>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c32 = arith.constant 32 : index
    scf.for %j = %c0 to %c2 step %c1 {
      %k = arith.muli %j, %c32 : index
      %aw = tile.region %a[%c0, %k] sizes [64, 32] : !tile.buffer<64x64xf16, shared> -> !tile.buffer<64x32xf16, shared, #tile.window<64x64, dims [0, 1]>>
      %bw = tile.region %b[%c0, %k] sizes [64, 32] : !tile.buffer<64x64xf16, shared> -> !tile.buffer<64x32xf16, shared, #tile.window<64x64, dims [0, 1]>>
      tile.gemm %aw, %bw, %c {policy = #tile<gemm_policy square>, transpose_b}
          : !tile.buffer<64x32xf16, shared, #tile.window<64x64, dims [0, 1]>>, !tile.buffer<64x32xf16, shared, #tile.window<64x64, dims [0, 1]>>, !tile.buffer<64x64xf32, fragment>
    }
  }
  return
}

// -----

// A window that starts inside a k-step (column 8) is no wgmma operand.
// CHECK-LABEL: func.func @window_inside_a_step
// CHECK: tile.alloc : <64x64xf32, fragment>
// CHECK-NOT: #tile.wgmma
func.func @window_inside_a_step() attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %a = tile.alloc : !tile.buffer<64x64xf16, shared>
    %b = tile.alloc : !tile.buffer<32x64xf16, shared>
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment>
    %c0 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %aw = tile.region %a[%c0, %c8] sizes [64, 32] : !tile.buffer<64x64xf16, shared> -> !tile.buffer<64x32xf16, shared, #tile.window<64x64, dims [0, 1]>>
    tile.gemm %aw, %b, %c {policy = #tile<gemm_policy square>}
        : !tile.buffer<64x32xf16, shared, #tile.window<64x64, dims [0, 1]>>, !tile.buffer<32x64xf16, shared>, !tile.buffer<64x64xf32, fragment>
  }
  return
}
