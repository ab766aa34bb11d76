// RUN: tile-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{only global buffers may have dimensions bound at launch}}
func.func private @dynamic_shared(!tile.buffer<?x4xf16, shared>)

// -----

// expected-error @+1 {{unknown memory scope 'texture'}}
func.func private @bad_scope(!tile.buffer<4xf16, texture>)

// -----

// expected-error @+1 {{a global buffer has no layout attribute}}
func.func private @global_layout(!tile.buffer<4x4xf16, global, #tile.swizzle<64>>)

// -----

// expected-error @+1 {{swizzle span must be 0 (automatic), 32, 64 or 128 bytes, got 48}}
func.func private @bad_swizzle(!tile.buffer<4x4xf16, shared, #tile.swizzle<48>>)

// -----

// expected-error @+1 {{expected 'mma_sync' or 'columns'}}
func.func private @bad_wgmma_instruction() attributes {layout = #tile.wgmma<2, wgmma>}

// -----

// expected-error @+1 {{a wgmma layout needs a positive warpgroup count, got 0}}
func.func private @bad_wgmma_groups() attributes {layout = #tile.wgmma<0, mma_sync>}

// -----

// expected-error @+1 {{a wgmma layout needs a positive column group count, got 0}}
func.func private @bad_wgmma_columns() attributes {layout = #tile.wgmma<1, columns 0>}

// -----

func.func @launch_threads(%n: index) {
  // expected-error @+1 {{threads per block must be in [1, 1024], got 2048}}
  tile.launch grid(%n) threads(2048) {
  ^bb0(%x: index, %y: index, %z: index):
  }
  return
}

// -----

func.func @launch_args(%n: index) {
  // expected-error @+1 {{body must take three index block indices}}
  tile.launch grid(%n) threads(32) {
  ^bb0(%x: index):
  }
  return
}

// -----

func.func @parallel_args() {
  // expected-error @+1 {{body must take one index argument per extent (2)}}
  tile.parallel [4, 4] {
  ^bb0(%i: index):
  }
  return
}

// -----

func.func @pipelined_stage(%n: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{stage entries must be in [0, num_stages), got 3}}
  tile.pipelined %k = %c0 to %n step %c0 num_stages(2) attributes {order = array<i64: 0>, stage = array<i64: 3>} {
  }
  return
}

// -----

func.func @pipelined_order(%n: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{order must be a permutation of 0..1}}
  tile.pipelined %k = %c0 to %n step %c0 num_stages(2) attributes {order = array<i64: 0, 0>} {
  }
  return
}

// -----

func.func @alloc_global() {
  // expected-error @+1 {{cannot allocate a global buffer inside a kernel}}
  %0 = tile.alloc : !tile.buffer<4xf32, global>
  return
}

// -----

func.func @workspace_extents(%n: index) {
  // expected-error @+1 {{takes one extent per '?' of its type: 2, got 1}}
  %0 = tile.alloc_global(%n) {name = "w"} : !tile.buffer<?x?xf32, global>
  return
}

// -----

func.func @workspace_scope() {
  // expected-error @+1 {{allocates global memory; the result type's scope is shared}}
  %0 = tile.alloc_global() {name = "w"} : !tile.buffer<4xf32, shared>
  return
}

// -----

func.func @workspace_in_launch() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error @+1 {{must be at the top level of a kernel function}}
    %0 = tile.alloc_global() {name = "w"} : !tile.buffer<4xf32, global>
  }
  return
}

// -----

func.func @dim_range(%a: !tile.buffer<?xf32, global>) {
  // expected-error @+1 {{dimension 1 is out of range for a rank-1 buffer}}
  %0 = tile.dim %a[1] : !tile.buffer<?xf32, global>
  return
}

// -----

func.func @region_rank(%a: !tile.buffer<?x?xf32, global>, %i: index) {
  // expected-error @+1 {{expects one offset and one size per source dimension (2), got 1 and 2}}
  %0 = tile.region %a[%i] sizes [4, 4] : !tile.buffer<?x?xf32, global> -> !tile.buffer<4x4xf32, global, #tile.window<?x?, dims [0, 1]>>
  return
}

// -----

// A window of an on-chip buffer stays inside it (one of a tensor may reach
// past the end: copies clip it).
func.func @region_extent(%a: !tile.buffer<8x8xf32, shared>, %i: index) {
  // expected-error @+1 {{region size 16 exceeds extent 8 of dimension 1}}
  %0 = tile.region %a[%i, %i] sizes [4, 16] : !tile.buffer<8x8xf32, shared> -> !tile.buffer<4x16xf32, shared>
  return
}

// -----

func.func @region_shape(%a: !tile.buffer<?x?xf32, global>, %i: index) {
  // expected-error @+1 {{result shape 4x2 is not the region sizes 4x4 with unit dimensions dropped}}
  %0 = tile.region %a[%i, %i] sizes [4, 4] : !tile.buffer<?x?xf32, global> -> !tile.buffer<4x2xf32, global, #tile.window<?x?, dims [0, 1]>>
  return
}

// -----

// A view's type says where it lies: the window follows from the region.
func.func @region_window(%a: !tile.buffer<?x?x64xf32, global>, %i: index) {
  // expected-error @+1 {{result type must be '!tile.buffer<8x64xf32, global, #tile.window<?x?x64, dims [1, 2]>>'}}
  %0 = tile.region %a[%i, %i, %i] sizes [1, 8, 64] : !tile.buffer<?x?x64xf32, global> -> !tile.buffer<8x64xf32, global, #tile.window<?x?x64, dims [0, 2]>>
  return
}

// -----

// ... and so does its layout: the viewed buffer's.
func.func @region_layout(%a: !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>>, %i: index) {
  // expected-error @+1 {{a view keeps the viewed buffer's layout}}
  %0 = tile.region %a[%i, %i, %i] sizes [1, 64, 64] : !tile.buffer<2x64x64xf16, shared, #tile.swizzle<128>> -> !tile.buffer<64x64xf16, shared, #tile.window<2x64x64, dims [1, 2]>>
  return
}

// -----

// expected-error @+1 {{a window places each of the view's 2 dimension(s), got 1}}
func.func private @window_rank(!tile.buffer<8x8xf32, shared, #tile.window<2x8x8, dims [1]>>)

// -----

// expected-error @+1 {{window dimensions must increase, got 2 before 1}}
func.func private @window_order(!tile.buffer<8x8xf32, shared, #tile.window<2x8x8, dims [2, 1]>>)

// -----

// expected-error @+1 {{window dimension 3 is not a dimension of a rank-3 storage}}
func.func private @window_dim(!tile.buffer<8x8xf32, shared, #tile.window<2x8x8, dims [1, 3]>>)

// -----

// expected-error @+1 {{a view of its whole storage has no window}}
func.func private @window_whole(!tile.buffer<8x8xf32, shared, #tile.window<8x8, dims [0, 1]>>)

// -----

// expected-error @+1 {{view extent 16 exceeds extent 8 of storage dimension 1}}
func.func private @window_extent(!tile.buffer<4x16xf32, shared, #tile.window<8x8, dims [0, 1]>>)

// -----

// A layout fits the storage, not the view.
// expected-error @+1 {{layout #tile.wgmma<2> does not fit a fragment buffer of shape 64x128}}
func.func private @window_layout(!tile.buffer<64x64xf32, fragment, #tile.wgmma<2>, #tile.window<64x128, dims [0, 1]>>)

// -----

func.func @alloc_window() {
  // expected-error @+1 {{allocates a whole buffer; its type has no window}}
  %0 = tile.alloc : !tile.buffer<8x8xf32, shared, #tile.window<2x8x8, dims [1, 2]>>
  return
}

// -----

func.func @load_indices(%a: !tile.buffer<4x4xf32, fragment>, %i: index) {
  // expected-error @+1 {{expects 2 indices for a rank-2 buffer, got 1}}
  %0 = tile.load %a[%i] : !tile.buffer<4x4xf32, fragment>
  return
}

// -----

func.func @copy_shapes(%a: !tile.buffer<4xf32, global>, %b: !tile.buffer<8xf32, global>) {
  // expected-error @+1 {{source shape 4 does not match target shape 8}}
  tile.copy %a, %b : !tile.buffer<4xf32, global>, !tile.buffer<8xf32, global>
  return
}

// -----

func.func @copy_async_scope(%a: !tile.buffer<4xf32, shared>, %b: !tile.buffer<4xf32, shared>, %bars: !tile.buffer<2xi64, shared>, %i: index) {
  // expected-error @+1 {{copies from a global to a shared buffer only, got shared to shared}}
  tile.copy_async %a, %b, %bars[%i] : !tile.buffer<4xf32, shared>, !tile.buffer<4xf32, shared>, !tile.buffer<2xi64, shared>
  return
}

// -----

func.func @copy_async_shape(%a: !tile.buffer<4x8xf32, global>, %b: !tile.buffer<8x4xf32, shared>, %bars: !tile.buffer<2xi64, shared>, %i: index) {
  // expected-error @+1 {{source shape 4x8 does not match target shape 8x4}}
  tile.copy_async %a, %b, %bars[%i] : !tile.buffer<4x8xf32, global>, !tile.buffer<8x4xf32, shared>, !tile.buffer<2xi64, shared>
  return
}

// -----

func.func @async_barriers(%bars: !tile.buffer<2xi32, shared>, %i: index) {
  // expected-error @+1 {{expects the barriers in a 1-D shared buffer of i64}}
  tile.async_commit %bars[%i] : !tile.buffer<2xi32, shared>
  return
}

// -----

func.func @async_wait_negative(%bars: !tile.buffer<2xi64, shared>, %i: index) {
  // expected-error @+1 {{attribute 'pending' failed to satisfy constraint}}
  tile.async_wait %bars[%i] phase(%i) pending(-1) : !tile.buffer<2xi64, shared>
  return
}

// -----

func.func @copy_shape(%a: !tile.buffer<4x8xf32, shared>, %b: !tile.buffer<8x4xf32, fragment>) {
  // expected-error @+1 {{source shape 4x8 does not match target shape 8x4}}
  tile.copy %a, %b : !tile.buffer<4x8xf32, shared>, !tile.buffer<8x4xf32, fragment>
  return
}

// -----

func.func @gemm_acc(%a: !tile.buffer<16x16xf16, shared>, %c: !tile.buffer<16x16xf32, shared>) {
  // expected-error @+1 {{the accumulator C must be a fragment, got a shared buffer}}
  tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>} : !tile.buffer<16x16xf16, shared>, !tile.buffer<16x16xf16, shared>, !tile.buffer<16x16xf32, shared>
  return
}

// -----

func.func @gemm_mn(%a: !tile.buffer<16x16xf16, shared>, %c: !tile.buffer<16x32xf32, fragment>) {
  // expected-error @+1 {{accumulator shape 16x32 does not match M x N = 16x16}}
  tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>} : !tile.buffer<16x16xf16, shared>, !tile.buffer<16x16xf16, shared>, !tile.buffer<16x32xf32, fragment>
  return
}

// -----

func.func @gemm_types(%a: !tile.buffer<16x16xf16, shared>, %b: !tile.buffer<16x16xbf16, shared>, %c: !tile.buffer<16x16xf32, fragment>) {
  // expected-error @+1 {{A and B element types differ: 'f16' and 'bf16'}}
  tile.gemm %a, %b, %c {policy = #tile<gemm_policy square>} : !tile.buffer<16x16xf16, shared>, !tile.buffer<16x16xbf16, shared>, !tile.buffer<16x16xf32, fragment>
  return
}

// -----

func.func @gemm_integers_into_floats(%a: !tile.buffer<16x16xi8, shared>, %c: !tile.buffer<16x16xf32, fragment>) {
  // expected-error @+1 {{operands must hold floating-point elements, or all integers}}
  tile.gemm %a, %a, %c {policy = #tile<gemm_policy square>} : !tile.buffer<16x16xi8, shared>, !tile.buffer<16x16xi8, shared>, !tile.buffer<16x16xf32, fragment>
  return
}

// -----

func.func @reduce_shape(%a: !tile.buffer<16x8xf32, fragment>, %b: !tile.buffer<8xf32, fragment>) {
  // expected-error @+1 {{target shape 8 must be the source shape without dimension 1 (16)}}
  tile.reduce sum %a, %b dim(1) : !tile.buffer<16x8xf32, fragment>, !tile.buffer<8xf32, fragment>
  return
}

// -----

func.func @reduce_dim(%a: !tile.buffer<16x8xf32, fragment>, %b: !tile.buffer<8xf32, fragment>) {
  // expected-error @+1 {{dim 2 is out of range for a rank-2 source}}
  tile.reduce sum %a, %b dim(2) : !tile.buffer<16x8xf32, fragment>, !tile.buffer<8xf32, fragment>
  return
}

// -----

func.func @cumsum_shape(%a: !tile.buffer<16x8xf32, shared>, %b: !tile.buffer<8x16xf32, shared>) {
  // expected-error @+1 {{target shape 8x16 must be the source shape 16x8}}
  tile.cumsum %a, %b dim(1) : !tile.buffer<16x8xf32, shared>, !tile.buffer<8x16xf32, shared>
  return
}

// -----

func.func @cumsum_dim(%a: !tile.buffer<16x8xf32, shared>) {
  // expected-error @+1 {{dim 2 is out of range for a rank-2 source}}
  tile.cumsum %a, %a dim(2) : !tile.buffer<16x8xf32, shared>, !tile.buffer<16x8xf32, shared>
  return
}

// -----

func.func @cumsum_global(%a: !tile.buffer<16x8xf32, global>) {
  // expected-error @+1 {{prefix sums work on shared buffers and fragments}}
  tile.cumsum %a, %a dim(0) : !tile.buffer<16x8xf32, global>, !tile.buffer<16x8xf32, global>
  return
}

// -----

func.func @cumsum_bool(%a: !tile.buffer<16xi1, shared>) {
  // expected-error @+1 {{prefix sums need float or integer elements, got 'i1'}}
  tile.cumsum %a, %a dim(0) : !tile.buffer<16xi1, shared>, !tile.buffer<16xi1, shared>
  return
}

// -----

func.func @atomic_type(%a: !tile.buffer<?xf32, global>, %v: f16, %i: index) {
  // expected-error @+1 {{value type 'f16' is not the element type 'f32'}}
  tile.atomic_add %v, %a[%i] : f16, !tile.buffer<?xf32, global>
  return
}

// -----

func.func @swizzle_outside() {
  // expected-error @+1 {{must be inside a tile.launch}}
  tile.use_swizzle 4
  return
}

// -----

func.func @layout_fragment(%a: !tile.buffer<16x16xf32, fragment>) {
  // expected-error @+1 {{a swizzled layout applies to shared buffers, not fragment buffers}}
  tile.annotate_layout %a layout(#tile.swizzle<0>) : !tile.buffer<16x16xf32, fragment>
  return
}

// -----

func.func @swizzle_rows(%s: !tile.buffer<64x48xf16, shared>) {
  // expected-error @+1 {{a 128-byte swizzle needs rows of a multiple of 128 bytes; the buffer's rows have 96 bytes}}
  tile.annotate_layout %s layout(#tile.swizzle<128>) : !tile.buffer<64x48xf16, shared>
  return
}

// -----

func.func @rows_layout() {
  // expected-error @+1 {{a wgmma_rows layout needs a positive warpgroup count, got 0}}
  %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<0>>
  return
}

// -----

func.func @turn_outside() {
  // expected-error @+1 {{'tile.warpgroup_turn' op must be in the consumers region of a tile.warp_specialize}}
  tile.warpgroup_turn wait
  return
}

// -----

func.func @turn_in_producer() {
  tile.warp_specialize producer {
    // expected-error @+1 {{'tile.warpgroup_turn' op must be in the consumers region of a tile.warp_specialize}}
    tile.warpgroup_turn pass
  } consumers {
    tile.warpgroup_turn start
  }
  return
}

// -----

// A wgmma accumulator map with more warpgroups than the fragment has 64-row
// blocks (it lowered to a kernel that stored nothing).
func.func @wgmma_rows_exceed(%A: !tile.buffer<64x64xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(512) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error @+1 {{layout #tile.wgmma<4> does not fit a fragment buffer of shape 64x64: it needs a fragment of two dimensions, rows in 64-row blocks that the 4 warpgroup(s) divide}}
    %c = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<4>>
  }
  return
}

// -----

func.func @wgmma_rows_one_dimension(%A: !tile.buffer<64x64xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(256) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error @+1 {{layout #tile.wgmma_rows<2> does not fit a fragment buffer of shape 64: it needs a fragment of one dimension of 64-row blocks that the 2 warpgroup(s) divide}}
    %m = tile.alloc : !tile.buffer<64xf32, fragment, #tile.wgmma_rows<2>>
  }
  return
}

// -----

// Layouts live in the buffer type and fit its scope.
// expected-error @+1 {{layout #tile.cyclic<128> does not fit a shared buffer of shape 4x4: the cyclic layout spreads a fragment over the threads}}
func.func private @cyclic_shared(!tile.buffer<4x4xf16, shared, #tile.cyclic<128>>)

// -----

// expected-error @+1 {{layout #tile.swizzle<64> does not fit a local buffer of shape 4x4: a swizzle lays out the rows of a shared buffer or fragment}}
func.func private @swizzle_local(!tile.buffer<4x4xf16, local, #tile.swizzle<64>>)

// -----

// expected-error @+1 {{unknown buffer layout 1 : i64; expected #tile.swizzle, #tile.cyclic, #tile.wgmma or #tile.wgmma_rows}}
func.func private @not_a_layout(!tile.buffer<4x4xf16, shared, 1>)

// -----

// Scheduling facts are the ops' own attributes, checked.
func.func @zero_arrivals() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error @+1 {{attribute 'arrivals' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
    %b = tile.alloc {arrivals = 0 : i64, mbarriers} : !tile.buffer<2xi64, shared>
  }
  return
}

// -----

func.func @parallel_layout(%A: !tile.buffer<64xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error @+1 {{attribute 'layout' failed to satisfy constraint}}
    tile.parallel [64] attributes {layout = #tile.swizzle<128>} {
    ^bb0(%i: index):
    }
  }
  return
}

// -----

// Attributes the dialect puts on other dialects' operations.
// expected-error @+1 {{'func.func' op attribute 'tile.kernel' must be a unit attribute of a func.func}}
func.func @kernel_flag() attributes {tile.kernel = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{'func.func' op unknown tile dialect attribute 'tile.layout'}}
func.func @stale_attribute() attributes {tile.layout = #tile.cyclic<128>} {
  return
}

// -----

// expected-error @+1 {{'func.func' op attribute 'tile.dims' must name each dimension of a tensor argument}}
func.func private @dims_rank(!tile.buffer<?x?xf16, global> {tile.dims = ["M"]})

// -----

// Once both layouts are known, a copy between fragments keeps each element
// on its thread; a change of layout is explicit.
func.func @copy_changes_layout() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment, #tile.cyclic<128>>
    // expected-error @+1 {{'tile.copy' op copies between fragments of layouts #tile.wgmma<1> and #tile.cyclic<128>; a change of layout is a tile.convert_layout}}
    tile.copy %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, fragment, #tile.cyclic<128>>
  }
  return
}

// -----

func.func @convert_same_layout() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
    // expected-error @+1 {{'tile.convert_layout' op converts between two fragments of one layout; that is a tile.copy}}
    tile.convert_layout %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, fragment, #tile.wgmma<1>>
  }
  return
}

// -----

func.func @convert_shared() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x64xf16, shared>
    // expected-error @+1 {{'tile.convert_layout' op converts between fragments, got a fragment and a shared buffer}}
    tile.convert_layout %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x64xf16, shared>
  }
  return
}

// -----

func.func @convert_shape() {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>
    %p = tile.alloc : !tile.buffer<64x32xf16, fragment>
    // expected-error @+1 {{'tile.convert_layout' op source shape 64x64 does not match target shape 64x32}}
    tile.convert_layout %s, %p : !tile.buffer<64x64xf32, fragment, #tile.wgmma<1>>, !tile.buffer<64x32xf16, fragment>
  }
  return
}

// -----

func.func @view_of_a_window(%A: !tile.buffer<4x6xf32, global> {tile.name = "A"}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %r = tile.region %A[%c0, %c0] sizes [2, 6] : !tile.buffer<4x6xf32, global> -> !tile.buffer<2x6xf32, global, #tile.window<4x6, dims [0, 1]>>
    // expected-error@+1 {{views a whole tensor (a kernel parameter or a view of one)}}
    %v = tile.view %r : !tile.buffer<2x6xf32, global, #tile.window<4x6, dims [0, 1]>> -> !tile.buffer<3x4xf32, global>
  }
  return
}

// -----

func.func @view_changes_count(%A: !tile.buffer<4x6xf32, global> {tile.name = "A"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error@+1 {{views 24 elements as 25}}
    %v = tile.view %A : !tile.buffer<4x6xf32, global> -> !tile.buffer<5x5xf32, global>
  }
  return
}

// -----

func.func @view_missing_extent(%A: !tile.buffer<?x6xf32, global> {tile.name = "A", tile.dims = ["M", ""]}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error@+1 {{expects one extent per dynamic dimension of the result (1), got 0}}
    %v = tile.view %A : !tile.buffer<?x6xf32, global> -> !tile.buffer<?x3xf32, global>
  }
  return
}

// -----

func.func @view_as_scalar(%A: !tile.buffer<4x6xf32, global> {tile.name = "A"}) attributes {tile.kernel} {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error@+1 {{views a tensor of at least one dimension as another}}
    %v = tile.view %A : !tile.buffer<4x6xf32, global> -> !tile.buffer<f32, global>
  }
  return
}

// -----

func.func @shuffle_in_parallel(%A: !tile.buffer<128xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [128] {
    ^bb0(%i: index):
      %v = tile.load %A[%i] : !tile.buffer<128xf32, global>
      // expected-error @+1 {{'tile.shuffle' op must not be inside a tile.parallel: a shuffle is per-thread code}}
      %w = tile.shuffle %v from %i : f32
    }
  }
  return
}

// -----

func.func @shuffle_of_index(%i: index) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(32) {
  ^bb0(%bx: index, %by: index, %bz: index):
    // expected-error @+1 {{'tile.shuffle' op moves an integer or float of 8 to 64 bits, got 'index'}}
    %w = tile.shuffle %i from %c1 : index
  }
  return
}

// -----

func.func @thread_id_outside_launch() {
  // expected-error @+1 {{'tile.thread_id' op must be inside a tile.launch}}
  %tid = tile.thread_id
  return
}

// -----

func.func @thread_id_in_parallel(%A: !tile.buffer<128xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.parallel [128] {
    ^bb0(%i: index):
      // expected-error @+1 {{'tile.thread_id' op must not be inside a tile.parallel: those spread their work over the threads themselves}}
      %tid = tile.thread_id
    }
  }
  return
}

// -----

func.func @per_thread_tile_copy(%A: !tile.buffer<128xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    // expected-error @+1 {{'tile.copy' op copies between global and shared buffers; code that reads the thread index (T.get_thread_binding) copies into or out of a thread's local buffers only}}
    tile.copy %A, %s : !tile.buffer<128xf32, global>, !tile.buffer<128xf32, shared>
  }
  return
}

// -----

func.func @per_thread_tile_atomic(%A: !tile.buffer<128xf32, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %s = tile.alloc : !tile.buffer<128xf32, shared>
    // expected-error @+1 {{'tile.atomic_add' op adds a tile; code that reads the thread index (T.get_thread_binding) adds single elements or a thread's local buffer}}
    tile.atomic_add %s, %A : !tile.buffer<128xf32, shared>, !tile.buffer<128xf32, global>
  }
  return
}

// -----

func.func @per_thread_gemm(%A: !tile.buffer<64x64xf16, global>) {
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %tid = tile.thread_id
    %a = tile.alloc : !tile.buffer<64x64xf16, shared>
    %c = tile.alloc : !tile.buffer<64x64xf32, local>
    // expected-error @+1 {{'tile.gemm' op is a block-wide tile operation, spread over all the block's threads; a launch whose code reads the thread index (T.get_thread_binding) runs that code on each thread and takes none}}
    tile.gemm %a, %a, %c : !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf16, shared>, !tile.buffer<64x64xf32, local>
  }
  return
}

// -----

func.func @release_outside_a_loop() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  tile.launch grid(%c1) threads(128) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %bars = tile.alloc {mbarriers} : !tile.buffer<2xi64, shared>
    // expected-error @+1 {{of_previous_iteration: the release must lie in a loop}}
    tile.barrier_arrive %bars[%c0] of_previous_iteration : !tile.buffer<2xi64, shared>
  }
  return
}

// -----

func.func @signal_flags_shared(%flags: !tile.buffer<4xi32, shared>, %i: index) {
  // expected-error @+1 {{expects the flags in a 1-D global buffer of i32}}
  tile.signal %flags[%i] : !tile.buffer<4xi32, shared>
  return
}

// -----

func.func @wait_signal_flags_i64(%flags: !tile.buffer<4xi64, global>, %i: index) {
  // expected-error @+1 {{expects the flags in a 1-D global buffer of i32}}
  tile.wait_signal %flags[%i] : !tile.buffer<4xi64, global>
  return
}

// -----

func.func @speculative_shared_read(%staged: !tile.buffer<64xf32, shared>, %i: index) {
  // expected-error @+1 {{cannot read shared memory speculatively}}
  %v = tile.load %staged[%i] {speculative} : !tile.buffer<64xf32, shared>
  return
}

// -----

func.func @slot_of_shared(%s: !tile.buffer<64xf32, shared>, %n: index) {
  tile.launch grid(%n) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    tile.per_thread {
      %c0 = arith.constant 0 : index
      // expected-error @+1 {{reads and writes register slots of a fragment with a register layout}}
      %v = tile.load_slot %s[%c0] : !tile.buffer<64xf32, shared>
    }
  }
  return
}

// -----

func.func @slot_out_of_range(%n: index) {
  tile.launch grid(%n) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    tile.per_thread {
      %c2 = arith.constant 2 : index
      %one = arith.constant 1.0 : f32
      // expected-error @+1 {{slot 2 is outside the 2 each thread holds}}
      tile.store_slot %one, %frag[%c2] : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    }
  }
  return
}

// -----

func.func @slot_outside_per_thread(%n: index) {
  tile.launch grid(%n) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %frag = tile.alloc : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    %c0 = arith.constant 0 : index
    // expected-error @+1 {{must be inside a tile.per_thread}}
    %v = tile.load_slot %frag[%c0] : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
  }
  return
}

// -----

func.func @fill_per_thread(%n: index) {
  tile.launch grid(%n) threads(64) {
  ^bb0(%bx: index, %by: index, %bz: index):
    %s = tile.alloc : !tile.buffer<64xf32, shared>
    // expected-error @+1 {{'tile.per_thread' op holds each thread's own code; 'tile.fill' works on a whole tile with the block's threads}}
    tile.per_thread {
      %one = arith.constant 1.0 : f32
      tile.fill %s, %one : !tile.buffer<64xf32, shared>
    }
  }
  return
}

// -----

func.func @per_thread_outside_launch() {
  // expected-error @+1 {{'tile.per_thread' op must be inside a tile.launch}}
  tile.per_thread {
  }
  return
}

// -----

func.func @vector_too_wide(%X: !tile.buffer<64xf32, global>, %i: index) {
  // expected-error @+1 {{moves at most 16 bytes, got 8 elements of 4 bytes}}
  %a:8 = tile.load_vector %X[%i] : !tile.buffer<64xf32, global> -> f32, f32, f32, f32, f32, f32, f32, f32
  return
}

// -----

func.func @vector_lane_type(%X: !tile.buffer<64xf16, global>, %i: index, %v: f32) {
  // expected-error @+1 {{lanes must be the buffer's element type 'f16', got 'f32'}}
  tile.store_vector (%v, %v : f32, f32), %X[%i] : !tile.buffer<64xf16, global>
  return
}
