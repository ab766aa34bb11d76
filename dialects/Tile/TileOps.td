//===- TileOps.td - tile dialect operations ----------------*- tablegen -*-===//
//
// One operation per construct of the tile language. Whole-tile operations
// take buffers; element access and scalar arithmetic use tile.load/tile.store
// and the arith/math dialects.
//
//===----------------------------------------------------------------------===//

#ifndef TILE_OPS_TD
#define TILE_OPS_TD

include "dialects/Tile/TileBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

def Tile_Buffer : Type<CPred<"::llvm::isa<::tilec::tile::BufferType>($_self)">,
                       "tile buffer", "::tilec::tile::BufferType">;

//===----------------------------------------------------------------------===//
// Launch and loops
//===----------------------------------------------------------------------===//

def Tile_LaunchOp : Tile_Op<"launch", [SingleBlock, NoTerminator,
    RecursiveMemoryEffects]> {
  let summary = "the grid of thread blocks that runs a kernel body";
  let description = [{
    `T.Kernel(gx, gy, gz, threads=N)`: the body runs once per block of a grid
    of one to three dimensions. The region's three index arguments are the
    block indices (unused dimensions have extent 1 and index 0).

    A kernel function may hold several launches, one after the other (a
    split step, then a combine step), each under host conditions (`scf.if`
    on scalar parameters and tensor dimensions): they run in program order on
    one stream. On GPU targets each becomes its own GPU kernel;
    tile-lower-to-gpu records on the op what a runtime needs to launch it:
    the GPU kernel's symbol, the threads a block really has (a
    warp-specialized kernel adds a producer warpgroup), the dynamic shared
    memory in bytes and the TMA tensor maps it takes after its parameters
    (`{param, box, swizzle}` dictionaries). `no_setmaxnreg`
    (`T.no_set_max_nreg()`): the warpgroups keep the registers they start
    with.

    ```mlir
    tile.launch grid(%gx, %gy) threads(128) {
    ^bb0(%bx: index, %by: index, %bz: index):
      ...
    }
    tile.launch grid(%gx) threads(128) attributes {gpu_kernel = @k_launch1,
        block_threads = 128 : i64, shared_bytes = 0 : i64} {
      ...
    }
    ```
  }];
  let arguments = (ins Variadic<Index>:$grid, I64Attr:$threads,
                   OptionalAttr<FlatSymbolRefAttr>:$gpu_kernel,
                   OptionalAttr<I64Attr>:$block_threads,
                   OptionalAttr<I64Attr>:$shared_bytes,
                   OptionalAttr<DictArrayAttr>:$tensor_maps,
                   UnitAttr:$no_setmaxnreg);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `grid` `(` $grid `)` `threads` `(` $threads `)` attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether the body reads tile.thread_id: its code then runs per thread.
    bool isPerThread();
    ::mlir::LogicalResult verifyPerThreadBody();
  }];
}

def Tile_ParallelOp : Tile_Op<"parallel", [SingleBlock, NoTerminator,
    RecursiveMemoryEffects]> {
  let summary = "a loop nest whose iterations are spread over the block's threads";
  let description = [{
    `T.Parallel(a, b, ...)`: every point of a constant iteration space runs
    the body once; which thread runs which point is the compiler's choice
    (the layout of the fragments it touches).

    ```mlir
    tile.parallel [128, 64] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %acc[%i, %j] : !tile.buffer<128x64xf32, fragment>
      ...
    }
    ```

    Two facts later passes set and the GPU lowering reads: `layout`, the
    wgmma accumulator layout (or its rows') whose threads run the
    iterations (tile-infer-layouts), and `vector`, the consecutive
    iterations of the innermost dimension one thread runs so that its
    global accesses can be vectors (tile-vectorize-parallel).

    ```mlir
    tile.parallel [128, 128] attributes {layout = #tile.wgmma<2, 1>} { ... }
    tile.parallel [64, 128] attributes {vector = 8 : i64} { ... }
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$extents,
                       OptionalAttr<Tile_IterationLayoutAttr>:$layout,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$vector);
  let builders = [
    OpBuilder<(ins "::llvm::ArrayRef<int64_t>":$extents), [{
      build($_builder, $_state, extents, ::mlir::Attribute(), ::mlir::IntegerAttr());
    }]>
  ];
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$extents attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Tile_PipelinedOp : Tile_Op<"pipelined", [SingleBlock, NoTerminator,
    RecursiveMemoryEffects]> {
  let summary = "a serial loop whose copies the compiler may software-pipeline";
  let description = [{
    `T.Pipelined(n, num_stages=s)`: iterations run in order, but the copies
    of iteration `k + s - 1` may be issued while iteration `k` computes.
    `order` and `stage`, when given, place each top-level statement of the
    body explicitly (one entry per statement).

    ```mlir
    tile.pipelined %k = %c0 to %n step %c1 num_stages(3) {
      tile.copy ...
      tile.gemm ...
    }
    ```
  }];
  let arguments = (ins Index:$lowerBound, Index:$upperBound, Index:$step,
                   I64Attr:$num_stages,
                   OptionalAttr<DenseI64ArrayAttr>:$order,
                   OptionalAttr<DenseI64ArrayAttr>:$stage);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Value getInductionVar() { return getBody().getArgument(0); }
  }];
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

def Tile_AllocOp : Tile_Op<"alloc", [MemoryEffects<[MemAlloc]>]> {
  let summary = "a shared, fragment or local buffer of constant shape";
  let description = [{
    `T.alloc_shared`, `T.alloc_fragment`, `T.alloc_local` and `T.alloc_var`
    (a rank-0 local buffer). The scope comes from the result type.

    ```mlir
    %A_s = tile.alloc : !tile.buffer<128x32xf16, shared>
    %m = tile.alloc : !tile.buffer<f32, local>
    ```

    Facts the scheduling passes record for the GPU lowering: `staged`, the
    stages of a pipelined tile, written only by `tile.copy_async` and
    handed over through its barriers (tile-software-pipeline); `mbarriers`,
    a shared i64 buffer whose elements are completion barriers, with
    `arrivals` threads arriving per phase (without it: the copies complete
    them); `shared_offset`, the buffer's byte offset in the kernel's
    dynamic shared memory (tile-plan-shared-memory).

    ```mlir
    %full = tile.alloc {arrivals = 256 : i64, mbarriers} : !tile.buffer<4xi64, shared>
    %B = tile.alloc {shared_offset = 32768 : i64, staged} : !tile.buffer<4x64x256xf16, shared, #tile.swizzle<128>>
    ```
  }];
  let arguments = (ins UnitAttr:$staged, UnitAttr:$mbarriers,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$arrivals,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$shared_offset);
  let builders = [
    OpBuilder<(ins "::tilec::tile::BufferType":$type), [{
      build($_builder, $_state, type, false, false, ::mlir::IntegerAttr(), ::mlir::IntegerAttr());
    }]>
  ];
  let results = (outs Tile_Buffer:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tile_AllocGlobalOp : Tile_Op<"alloc_global", [MemoryEffects<[MemAlloc]>]> {
  let summary = "a global-memory workspace shared by a kernel's launches";
  let description = [{
    `T.alloc_global(shape, dtype)` at the kernel function's level: a
    C-order tensor in global memory that the launches of one call of the
    kernel share (a split step's partial results, read by a combine step).
    The runtime allocates it for each call, zero-filled, before the first
    launch and releases it after the last (stream-ordered on GPUs); the
    caller never sees it. Extents are constants or host-computable index
    values (tensor dimensions, integer scalars), one operand per `?`.

    `uninitialized` (`zero_fill=False`) leaves out the zero fill, for a
    workspace whose every element a launch writes before any is read:
    filling gigabytes of it would cost as much as a launch. The cpu
    target fills such a workspace with all-ones bytes (NaN, -1), so that a
    read before the write shows in the results.

    ```mlir
    %partial = tile.alloc_global(%batch, %heads) {name = "workspace0"}
        : !tile.buffer<?x?x8xf32, global>
    %states = tile.alloc_global(%batch) {name = "workspace1", uninitialized}
        : !tile.buffer<?x64x64xbf16, global>
    ```
  }];
  let arguments = (ins Variadic<Index>:$dynamicSizes, StrAttr:$name,
                       UnitAttr:$uninitialized);
  let results = (outs Tile_Buffer:$result);
  let assemblyFormat = "`(` $dynamicSizes `)` attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tile_DimOp : Tile_Op<"dim", [Pure]> {
  let summary = "one extent of a buffer";
  let description = [{
    Reads a dimension of a buffer; for a global buffer whose dimension is
    symbolic, the value bound at launch.

    ```mlir
    %M = tile.dim %A[0] : !tile.buffer<?x?xf16, global>
    ```
  }];
  let arguments = (ins Tile_Buffer:$source, I64Attr:$index);
  let results = (outs Index:$result);
  let assemblyFormat = "$source `[` $index `]` attr-dict `:` type($source)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_RegionOp : Tile_Op<"region", [Pure]> {
  let summary = "a rectangular window of a buffer";
  let description = [{
    A view of `sizes` elements starting at `offsets` (one offset and size
    per source dimension). The result type may drop unit dimensions:
    `Q[bz, bx*64:(bx+1)*64, by, :]` is a rank-2 view of a rank-4 buffer.
    The result keeps the source's layout, and its `#tile.window` says which
    storage dimension each of its dimensions runs along.
    A window of a global tensor may reach past the tensor's end (copies
    clip it, element accesses are guarded); one of an on-chip buffer stays
    inside it.

    ```mlir
    %r = tile.region %Q[%bz, %row, %by, %c0] sizes [1, 64, 1, 128]
        : !tile.buffer<?x?x?x128xf16, global>
        -> !tile.buffer<64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>>
    ```
  }];
  let arguments = (ins Tile_Buffer:$source, Variadic<Index>:$offsets,
                   DenseI64ArrayAttr:$sizes);
  let results = (outs Tile_Buffer:$result);
  let assemblyFormat = [{
    $source `[` $offsets `]` `sizes` $sizes attr-dict `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
  let builders = [
    /// A view of shape `viewShape` (`sizes` with unit dimensions dropped),
    /// typed by `viewType`.
    OpBuilder<(ins "::mlir::Value":$source, "::mlir::ValueRange":$offsets,
                   "::llvm::ArrayRef<int64_t>":$sizes, "::llvm::ArrayRef<int64_t>":$viewShape)>
  ];
  let extraClassDeclaration = [{
    /// For each dimension of a view of shape `viewShape`, the source
    /// dimension it comes from: every non-unit size, and unit sizes where the
    /// view keeps a unit dimension the later sizes do not need. (Which unit
    /// dimension is kept does not change addressing.)
    static ::llvm::SmallVector<unsigned> keptDims(::llvm::ArrayRef<int64_t> sizes,
                                                  ::llvm::ArrayRef<int64_t> viewShape);
    /// The type of the view of shape `viewShape` that `sizes` take of
    /// `source`: the source's layout, a window into the source's storage.
    static BufferType viewType(BufferType source, ::llvm::ArrayRef<int64_t> sizes,
                               ::llvm::ArrayRef<int64_t> viewShape);
  }];
}

def Tile_ViewOp : Tile_Op<"view", [Pure]> {
  let summary = "a whole tensor seen with another shape";
  let description = [{
    TileLang's `T.Tensor(shape, dtype, X.data)`: the elements of the global
    tensor `X`, in their row-major order, seen with another shape of the
    same number of elements (a convolution's weights as a matrix). One
    operand per dynamic extent of the result; the runtime checks nothing
    more, so a view with more elements than the tensor reads past it only
    as far as element accesses are guarded by the view's extents.

    ```mlir
    %flat = tile.view %W [%rows] : !tile.buffer<3x3x?x64xf16, global>
        -> !tile.buffer<?x64xf16, global>
    ```
  }];
  let arguments = (ins Tile_Buffer:$source, Variadic<Index>:$dynamic_extents);
  let results = (outs Tile_Buffer:$result);
  let assemblyFormat = [{
    $source (`[` $dynamic_extents^ `]`)? attr-dict `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_LoadOp : Tile_Op<"load", [
    TypesMatchWith<"result is the buffer's element type", "buffer", "result",
                   "::tilec::tile::scalarTypeOf(::llvm::cast<::tilec::tile::BufferType>($_self).getElementType())">]> {
  let summary = "read one element";
  let description = [{
    ```mlir
    %v = tile.load %acc[%i, %j] : !tile.buffer<128x64xf32, fragment>
    %m = tile.load %var[] : !tile.buffer<f32, local>
    ```

    `contiguous` (set by tile-vectorize-parallel in a `vector` loop): the
    index moves by one element per lane and is aligned to the vector at a
    vector's first lane, so the lanes' reads can be one vector load.

    `speculative` (set by tile-flatten-conditionals): the program asked for
    the element only under a condition, which now selects among values
    read unconditionally. Outside its tensor such a read gives zero like
    any other, but without a branch: the GPU lowering selects the address
    of a constant zero instead, so that equal reads stay in straight-line
    code and are shared. Only tensors, fragments and locals are read so.

    ```mlir
    %id = tile.load %ids[%b, %k] {speculative} : !tile.buffer<?x?xi32, global>
    ```

    `inside` (set by tile-partition-parallel in a vector loop's straight-line
    version): the code around the read has checked that the index lies
    inside the tensor, so the GPU lowering adds no guard of its own.
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$buffer, Variadic<Index>:$indices,
                       UnitAttr:$contiguous, UnitAttr:$speculative, UnitAttr:$inside);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$buffer `[` $indices `]` attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_StoreOp : Tile_Op<"store", [
    TypesMatchWith<"value is the buffer's element type", "buffer", "value",
                   "::tilec::tile::scalarTypeOf(::llvm::cast<::tilec::tile::BufferType>($_self).getElementType())">]> {
  let summary = "write one element";
  let description = [{
    ```mlir
    tile.store %v, %acc[%i, %j] : !tile.buffer<128x64xf32, fragment>
    ```

    `contiguous` and `inside`: as on `tile.load`.
  }];
  let arguments = (ins AnyType:$value, Arg<Tile_Buffer, "", [MemWrite]>:$buffer,
                   Variadic<Index>:$indices, UnitAttr:$contiguous, UnitAttr:$inside);
  let assemblyFormat = "$value `,` $buffer `[` $indices `]` attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_LoadSlotOp : Tile_Op<"load_slot", [
    TypesMatchWith<"result is the buffer's element type", "buffer", "result",
                   "::tilec::tile::scalarTypeOf(::llvm::cast<::tilec::tile::BufferType>($_self).getElementType())">]> {
  let summary = "read one of the calling thread's register slots of a fragment";
  let description = [{
    A fragment with a register layout (`#tile.cyclic`, `#tile.wgmma`,
    `#tile.wgmma_rows`) is spread over the threads: each holds some of its
    elements, its slots 0, 1, ... in registers. Where the code says which
    thread runs which element (in `tile.per_thread`, written by
    tile-partition-parallel), it reads an element by the slot that holds it
    rather than by its index in the tile. Constant slots keep the fragment
    in registers.

    ```mlir
    %c3 = arith.constant 3 : index
    %v = tile.load_slot %acc[%c3] : !tile.buffer<64x128xf32, fragment, #tile.cyclic<128>>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$buffer, Index:$slot);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$buffer `[` $slot `]` attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_StoreSlotOp : Tile_Op<"store_slot", [
    TypesMatchWith<"value is the buffer's element type", "buffer", "value",
                   "::tilec::tile::scalarTypeOf(::llvm::cast<::tilec::tile::BufferType>($_self).getElementType())">]> {
  let summary = "write one of the calling thread's register slots of a fragment";
  let description = [{
    The write counterpart of `tile.load_slot`.

    ```mlir
    tile.store_slot %v, %acc[%c3] : !tile.buffer<64x128xf32, fragment, #tile.cyclic<128>>
    ```
  }];
  let arguments = (ins AnyType:$value, Arg<Tile_Buffer, "", [MemWrite]>:$buffer, Index:$slot);
  let assemblyFormat = "$value `,` $buffer `[` $slot `]` attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_LoadVectorOp : Tile_Op<"load_vector"> {
  let summary = "read consecutive elements with one access";
  let description = [{
    Reads as many consecutive elements along the buffer's innermost
    dimension as it has results, starting at the index, with one vector
    access. The code around it has checked what makes that valid: the
    elements lie inside the buffer and the first one's address is aligned
    to the whole vector (tile-partition-parallel writes it for the vector
    loops of tile-vectorize-parallel, under a check of `tile.aligned` and
    `tile.in_bounds`).

    ```mlir
    %a, %b, %c, %d = tile.load_vector %X[%i, %j] : !tile.buffer<?x?xf32, global> -> f32, f32, f32, f32
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$buffer, Variadic<Index>:$indices);
  let results = (outs Variadic<AnyType>:$lanes);
  let assemblyFormat = "$buffer `[` $indices `]` attr-dict `:` type($buffer) `->` type($lanes)";
  let hasVerifier = 1;
}

def Tile_StoreVectorOp : Tile_Op<"store_vector", [AttrSizedOperandSegments]> {
  let summary = "write consecutive elements with one access";
  let description = [{
    The write counterpart of `tile.load_vector`: the values, in order,
    into consecutive elements along the innermost dimension from the index.

    ```mlir
    tile.store_vector (%a, %b, %c, %d : f32, f32, f32, f32), %Y[%i, %j] : !tile.buffer<?x?xf32, global>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$lanes, Arg<Tile_Buffer, "", [MemWrite]>:$buffer,
                       Variadic<Index>:$indices);
  let assemblyFormat = [{
    `(` $lanes `:` type($lanes) `)` `,` $buffer `[` $indices `]` attr-dict `:` type($buffer)
  }];
  let hasVerifier = 1;
}

def Tile_AlignedOp : Tile_Op<"aligned", [Pure]> {
  let summary = "whether a buffer's memory starts at a multiple of some bytes";
  let description = [{
    True where the address of the buffer's first element is a multiple of
    `bytes` (a power of two): a tensor whose vector accesses are aligned at
    the indices a loop proved to be multiples of the vector.

    ```mlir
    %ok = tile.aligned %X, 16 : !tile.buffer<?x?xbf16, global>
    ```
  }];
  let arguments = (ins Tile_Buffer:$buffer, ConfinedAttr<I64Attr, [IntPowerOf2]>:$bytes);
  let results = (outs I1:$result);
  let assemblyFormat = "$buffer `,` $bytes attr-dict `:` type($buffer)";
}

def Tile_InBoundsOp : Tile_Op<"in_bounds", [Pure]> {
  let summary = "whether an index lies inside a buffer";
  let description = [{
    True where every index lies in [0, extent) of its dimension (of the
    buffer's storage, for a window: the tensor's, not the window's).

    ```mlir
    %inside = tile.in_bounds %X[%i, %j] : !tile.buffer<?x?xf32, global>
    ```
  }];
  let arguments = (ins Tile_Buffer:$buffer, Variadic<Index>:$indices);
  let results = (outs I1:$result);
  let assemblyFormat = "$buffer `[` $indices `]` attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_PerThreadOp : Tile_Op<"per_thread", [SingleBlock, NoTerminator,
    RecursiveMemoryEffects]> {
  let summary = "code that each thread runs on its own share of a loop";
  let description = [{
    The iterations of a `tile.parallel` loop after tile-partition-parallel
    has assigned them to threads: the body says with `tile.thread_id`
    which iterations the calling thread runs and with `tile.load_slot` /
    `tile.store_slot` which of its registers hold the fragments' elements.
    Everything inside is each thread's own: element accesses, atomic adds,
    prints and signals act once per thread; the block-wide tile
    operations (copies, gemms, reductions, fills, loops over tiles,
    allocations, barriers) cannot appear.

    ```mlir
    tile.per_thread {
      %tid = tile.thread_id
      %c0 = arith.constant 0 : index
      %c128 = arith.constant 128 : index
      %flat = arith.addi %tid, %c0 : index
      %i = arith.divui %flat, %c128 : index
      %j = arith.remui %flat, %c128 : index
      %v = tile.load_slot %acc[%c0] : !tile.buffer<64x128xf32, fragment, #tile.cyclic<128>>
      tile.store %v, %S[%i, %j] : !tile.buffer<64x128xf32, shared>
      ...
    }
    ```
  }];
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Whole-tile operations
//===----------------------------------------------------------------------===//

def Tile_CopyOp : Tile_Op<"copy"> {
  let summary = "copy a tile between memory scopes, converting the element type";
  let description = [{
    `T.copy(src, dst)`. Both sides hold the same number of elements and the
    same shape once unit dimensions are ignored. Between any two scopes; a
    copy between two global tensors moves each element through a thread's
    registers, clipped at both tensors' edges.

    ```mlir
    tile.copy %a_region, %A_s : !tile.buffer<128x32xf16, global>, !tile.buffer<128x32xf16, shared>
    ```

    A copy between two fragments keeps each element on its thread: once
    their layouts are known they must agree; `tile.convert_layout` moves
    elements between threads.
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$source,
                   Arg<Tile_Buffer, "", [MemWrite]>:$target);
  let assemblyFormat = "$source `,` $target attr-dict `:` type($source) `,` type($target)";
  let hasVerifier = 1;
}

def Tile_ConvertLayoutOp : Tile_Op<"convert_layout"> {
  let summary = "copy a fragment into a fragment of another layout";
  let description = [{
    The one place where fragment data changes layout: the elements move to
    the threads (or the shared memory) the target's layout gives them,
    converting the element type on the way. `tile-infer-layouts` makes it
    from a `T.copy` between fragments whose inferred layouts differ, e.g. an
    attention's probabilities, computed in the wgmma accumulator layout,
    into an operand tile held in swizzled shared memory. Both sides are
    fragments of the same shape (unit dimensions aside).

    ```mlir
    tile.convert_layout %scores, %p
        : !tile.buffer<128x64xf32, fragment, #tile.wgmma<2>>,
          !tile.buffer<128x64xf16, fragment, #tile.swizzle<128>>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$source,
                   Arg<Tile_Buffer, "", [MemWrite]>:$target);
  let assemblyFormat = "$source `,` $target attr-dict `:` type($source) `,` type($target)";
  let hasVerifier = 1;
}

def Tile_CopyAsyncOp : Tile_Op<"copy_async"> {
  let summary = "start copying a global tile into shared memory";
  let description = [{
    A `tile.copy` from global to shared memory that does not wait: the
    elements are in the target once a `tile.async_wait` has covered the
    group (`tile.async_commit`) the copy belongs to. Outside the tensor the
    target reads zero, as with `tile.copy`. `barriers[slot]` is the
    completion barrier of the group (an element of a shared `i64` buffer
    marked `mbarriers`; TMA copies on sm_90 complete on it).
    `tile-software-pipeline` makes these from the copies at the head of a
    `T.Pipelined` loop.

    ```mlir
    tile.copy_async %a_region, %A_stage, %bars[%s]
        : !tile.buffer<128x64xf16, global>, !tile.buffer<128x64xf16, shared>, !tile.buffer<3xi64, shared>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$source,
                   Arg<Tile_Buffer, "", [MemWrite]>:$target,
                   Tile_Buffer:$barriers, Index:$slot);
  let assemblyFormat = [{
    $source `,` $target `,` $barriers `[` $slot `]` attr-dict `:` type($source) `,` type($target)
    `,` type($barriers)
  }];
  let hasVerifier = 1;
}

def Tile_AsyncCommitOp : Tile_Op<"async_commit"> {
  let summary = "close the group of asynchronous copies started so far";
  let description = [{
    The `tile.copy_async` ops issued since the previous commit form one
    group, which `tile.async_wait` counts and whose completion barrier is
    `barriers[slot]`.

    ```mlir
    tile.async_commit %bars[%s] : !tile.buffer<3xi64, shared>
    ```
  }];
  let arguments = (ins Tile_Buffer:$barriers, Index:$slot);
  let assemblyFormat = "$barriers `[` $slot `]` attr-dict `:` type($barriers)";
  let hasVerifier = 1;
}

def Tile_AsyncWaitOp : Tile_Op<"async_wait"> {
  let summary = "wait for asynchronous copies, then synchronize the block";
  let description = [{
    Waits until at most `pending` committed groups of `tile.copy_async` are
    still in flight and the group completing on `barriers[slot]` in phase
    parity `phase` (0 or 1: how many times that barrier has completed,
    modulo 2) has landed, then lets every thread of the block see what the
    finished groups wrote (a block barrier).

    ```mlir
    tile.async_wait %bars[%s] phase(%p) pending(2) : !tile.buffer<3xi64, shared>
    ```
  }];
  let arguments = (ins Tile_Buffer:$barriers, Index:$slot, Index:$phase,
                   ConfinedAttr<I64Attr, [IntNonNegative]>:$pending);
  let assemblyFormat = [{
    $barriers `[` $slot `]` `phase` `(` $phase `)` `pending` `(` $pending `)` attr-dict `:`
    type($barriers)
  }];
  let hasVerifier = 1;
}

def Tile_WarpSpecializeOp : Tile_Op<"warp_specialize", [NoTerminator,
    RecursiveMemoryEffects]> {
  let summary = "split the block into a producer warpgroup and the consumers";
  let description = [{
    The block gains one warpgroup (128 threads) past the launch's `threads`:
    it runs the `producer` region (issuing the copies of a pipelined loop),
    while the launch's threads run the `consumers` region; each side
    synchronizes only with itself, and the two hand stages over through
    mbarriers (`tile.barrier_wait`, `tile.barrier_arrive`, the copies'
    completion barriers). Outside this op every thread runs the code as
    usual. `tile-software-pipeline` creates it on targets with TMA.

    ```mlir
    tile.warp_specialize producer {
      scf.for %k = %c0 to %n step %c1 { ... tile.copy_async ... }
    } consumers {
      scf.for %k = %c0 to %n step %c1 { ... tile.gemm ... }
    }
    ```

    `persistent`: the launch's blocks stay resident and each side loops
    over the block's tiles (a region ends in that loop, after the scalar
    code of its bounds; its first iteration argument counts the pipelined
    iterations of the tiles before); shared buffers
    written in a tile's epilogue are then live while the producer loads the
    next tile's stages.

    ```mlir
    tile.warp_specialize producer {
      %done = scf.for %t = %block to %tiles step %grid iter_args(%base = %c0) -> (index) {
        ...
      }
    } consumers {
      %done = scf.for %t = %block to %tiles step %grid iter_args(%base = %c0) -> (index) {
        ...
      }
    } {persistent}
    ```
  }];
  let arguments = (ins UnitAttr:$persistent);
  let regions = (region SizedRegion<1>:$producer, SizedRegion<1>:$consumers);
  let assemblyFormat = "`producer` $producer `consumers` $consumers attr-dict";
  let hasVerifier = 1;
}

def Tile_WarpgroupTurnOp : Tile_Op<"warpgroup_turn"> {
  let summary = "let the consumer warpgroups take turns (ping-pong)";
  let description = [{
    The consumer warpgroups of a `tile.warp_specialize` pass a turn around,
    so that one issues its tensor-core work while the others run the rest
    of their loop body (FlashAttention's softmax), instead of all contending
    for the tensor cores at once and then leaving them idle together.
    `wait` blocks the executing warpgroup until it holds the turn; `pass`
    hands it to the next warpgroup (w + 1 mod n). `start`, before the loop,
    gives warpgroup 0 the first turn; `finish`, after it, takes back the
    last hand-over, so that every hand-over is matched. Nothing here orders
    memory. `tile-pingpong` places them.

    ```mlir
    tile.warp_specialize producer { ... } consumers {
      tile.warpgroup_turn start
      scf.for %k = %c0 to %n step %c1 {
        tile.warpgroup_turn wait
        tile.gemm %Q, %K, %S ...
        tile.warpgroup_turn pass
        tile.reduce max %S, %m dim(1) : ...
        ...
      }
      tile.warpgroup_turn finish
    }
    ```
  }];
  let arguments = (ins Tile_TurnKindAttr:$kind);
  let assemblyFormat = "$kind attr-dict";
  let hasVerifier = 1;
}

def Tile_BarrierWaitOp : Tile_Op<"barrier_wait"> {
  let summary = "wait until a barrier completes a phase";
  let description = [{
    Each executing thread waits until `barriers[slot]` (an `mbarriers`
    buffer) has completed the phase of parity `phase`; what the arrivals of
    that phase made visible is then visible to the thread.

    ```mlir
    tile.barrier_wait %empty[%s] phase(%p) : !tile.buffer<3xi64, shared>
    ```
  }];
  let arguments = (ins Tile_Buffer:$barriers, Index:$slot, Index:$phase);
  let assemblyFormat = "$barriers `[` $slot `]` `phase` `(` $phase `)` attr-dict `:` type($barriers)";
  let hasVerifier = 1;
}

def Tile_BarrierArriveOp : Tile_Op<"barrier_arrive"> {
  let summary = "arrive on a barrier";
  let description = [{
    Each executing thread arrives on `barriers[slot]`; the phase completes
    when the `arrivals` threads given at the buffer's allocation have
    arrived.

    `of_previous_iteration` marks a stage release that tile-carry-gemms
    moved into the next iteration of its loop: the stage it releases was
    read by the gemms of the previous iteration only, so it waits for those
    and leaves the gemms this iteration issued in flight. Such a release
    lies in a loop (the verifier checks it).

    ```mlir
    tile.barrier_arrive %empty[%s] : !tile.buffer<3xi64, shared>
    tile.barrier_arrive %empty[%previous] of_previous_iteration : !tile.buffer<3xi64, shared>
    ```
  }];
  let arguments = (ins Tile_Buffer:$barriers, Index:$slot, UnitAttr:$ofPreviousIteration);
  let assemblyFormat = [{
    $barriers `[` $slot `]` (`of_previous_iteration` $ofPreviousIteration^)? attr-dict `:`
    type($barriers)
  }];
  let hasVerifier = 1;
}

def Tile_SignalOp : Tile_Op<"signal"> {
  let summary = "publish the block's global writes to another block";
  let description = [{
    Once every thread of the block (the consumers, in a warp-specialized
    block) has made its global-memory writes before this op, sets
    `flags[index]` (a 1-D global buffer of i32) to 1 with release semantics
    at GPU scope: a block that then waits for the flag (`tile.wait_signal`)
    sees those writes. tile-stream-k publishes a block's partial
    accumulator this way. tile-partition-parallel puts the op on the
    block's first thread (a `tile.per_thread`), after a `tile.barrier`;
    there it is that thread's store.

    ```mlir
    tile.signal %flags[%block] : !tile.buffer<132xi32, global>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemWrite]>:$flags, Index:$index);
  let assemblyFormat = "$flags `[` $index `]` attr-dict `:` type($flags)";
  let hasVerifier = 1;
}

def Tile_WaitSignalOp : Tile_Op<"wait_signal"> {
  let summary = "wait for another block's signal";
  let description = [{
    Waits until `flags[index]` (a 1-D global buffer of i32) is 1, with
    acquire semantics at GPU scope, and sets it back to 0; then the global
    writes that the signalling block published (`tile.signal`) are visible
    to every thread of the block (the consumers, in a warp-specialized
    block). The flag is left as the launch found it, so a zero-filled flags
    buffer serves one launch after another. Only a block that is resident
    with the signalling one (or started after it finished) may wait.
    tile-partition-parallel puts the op on the block's first thread (a
    `tile.per_thread`), before a `tile.barrier`; there it is that thread's
    wait.

    ```mlir
    tile.wait_signal %flags[%previous] : !tile.buffer<132xi32, global>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead, MemWrite]>:$flags, Index:$index);
  let assemblyFormat = "$flags `[` $index `]` attr-dict `:` type($flags)";
  let hasVerifier = 1;
}

def Tile_ThreadIdOp : Tile_Op<"thread_id", [Pure]> {
  let summary = "the index of the thread that runs the code, within its block";
  let description = [{
    The executing thread's index, from 0 to the launch's `threads` - 1
    (TileLang's `T.get_thread_binding`; the frontend derives the x, y and z
    indices of a `threads=(x, y, z)` block from it). A launch whose body
    reads it is a per-thread launch: its code outside tile operations runs
    on every thread with that thread's own values, each thread's local
    buffers are its own, and its atomic adds and prints are each thread's.
    Threads share shared buffers, whose accesses tile-insert-barriers orders
    with block barriers; such a barrier must be reached by every thread, so
    it may not fall inside code that depends on the thread index. A
    per-thread launch holds scalar code, local and shared buffers (and
    global workspaces), and fills and copies of local buffers; the
    block-wide tile operations (T.Parallel, T.gemm, T.reduce, pipelines,
    fragments) are not part of it.

    ```mlir
    tile.launch grid(%n) threads(128) {
    ^bb0(%bx: index, %by: index, %bz: index):
      %tid = tile.thread_id
      %v = tile.load %A[%tid] : !tile.buffer<128xf32, global>
      tile.store %v, %S[%tid] : !tile.buffer<128xf32, shared>
    }
    ```
  }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Tile_ShuffleOp : Tile_Op<"shuffle", [AllTypesMatch<["value", "result"]>]> {
  let summary = "a value of another thread of the same warp";
  let description = [{
    In a per-thread launch, each thread's `value` as seen by the threads
    that name it: the result is `value` on thread `source` of the block,
    which must be a thread of the executing thread's group of 32 (a warp on
    NVIDIA GPUs, half a wavefront on AMD ones). Every thread of the group
    takes part (none may skip it in a branch). The frontend lowers
    TileLang's warp shuffles (T.shfl_xor, T.shfl_down, T.shfl_sync, TVM's
    T.tvm_warp_shuffle) to it, with the source lane they name; GPUs run it
    as one register shuffle (gpu.shuffle idx), the cpu target through a
    slot per thread between two block barriers.

    ```mlir
    %tid = tile.thread_id
    %partner = arith.xori %tid, %c1 : index
    %v2 = tile.shuffle %v from %partner : f32
    ```
  }];
  let arguments = (ins AnyType:$value, Index:$source);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$value `from` $source attr-dict `:` type($value)";
  let hasVerifier = 1;
}

def Tile_BarrierOp : Tile_Op<"barrier"> {
  let summary = "synchronize the threads of the block (or of its part)";
  let description = [{
    Every thread of the block waits here until all have arrived; memory
    accesses before it, to shared and global memory, are then visible to
    the accesses after it of every thread. In a part of a
    `tile.warp_specialize`, only that part's threads take part.
    `async_proxy` also makes the generic-proxy writes before it visible to
    the async proxy (wgmma operand reads, TMA): each thread fences before
    the barrier. With `warpgroup` each warpgroup synchronizes on its own
    (a named barrier of 128 threads): enough where the accesses it orders
    are each warpgroup's own rows of a wgmma tile. tile-insert-barriers
    places these where tile operations of different threads would
    otherwise race.

    ```mlir
    tile.parallel [128] { ... tile.store %v, %S[%i] ... }
    tile.barrier
    tile.reduce sum %S, %row dim(0) clear : ...
    tile.barrier {async_proxy, warpgroup}
    tile.gemm %P, %V, %O ...
    ```
  }];
  let arguments = (ins UnitAttr:$async_proxy, UnitAttr:$warpgroup);
  let assemblyFormat = "attr-dict";
}

def Tile_FillOp : Tile_Op<"fill", [
    TypesMatchWith<"value is the buffer's element type", "buffer", "value",
                   "::tilec::tile::scalarTypeOf(::llvm::cast<::tilec::tile::BufferType>($_self).getElementType())">]> {
  let summary = "set every element of a tile";
  let description = [{
    `T.fill(buf, v)` and `T.clear(buf)` (a fill with zero).

    ```mlir
    tile.fill %acc, %zero : !tile.buffer<128x128xf32, fragment>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemWrite]>:$buffer, AnyType:$value);
  let assemblyFormat = "$buffer `,` $value attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_GemmOp : Tile_Op<"gemm"> {
  let summary = "C += op(A) * op(B) on tiles";
  let description = [{
    `T.gemm(A, B, C, transpose_A, transpose_B, policy, clear_accum)`.
    A is M x K (K x M when transposed), B is K x N (N x K when transposed),
    C is an M x N fragment. With `clear_accum`, C is zeroed first. `wgmma`
    (`T.wgmma_gemm`): the program asks for Hopper's wgmma, and compiling it
    for a GPU fails where the gemm would take another path.

    ```mlir
    tile.gemm %A_s, %B_s, %C {policy = #tile.gemm_policy<square>}
        : !tile.buffer<128x32xf16, shared>, !tile.buffer<32x128xf16, shared>,
          !tile.buffer<128x128xf32, fragment>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$a,
                   Arg<Tile_Buffer, "", [MemRead]>:$b,
                   Arg<Tile_Buffer, "", [MemRead, MemWrite]>:$c,
                   UnitAttr:$transpose_a, UnitAttr:$transpose_b,
                   Tile_GemmPolicyAttr:$policy, UnitAttr:$clear_accum,
                   UnitAttr:$wgmma);
  let assemblyFormat = [{
    $a `,` $b `,` $c attr-dict `:` type($a) `,` type($b) `,` type($c)
  }];
  let hasVerifier = 1;
}

def Tile_ReduceOp : Tile_Op<"reduce"> {
  let summary = "reduce a tile along one dimension";
  let description = [{
    `T.reduce_max/sum/min/abssum/absmax(src, dst, dim, clear)`. The target
    has the source's shape without `dim`. Without `clear`, the result is
    combined with what the target already holds.

    ```mlir
    tile.reduce max %scores, %row_max dim(1) clear
        : !tile.buffer<128x64xf32, fragment>, !tile.buffer<128xf32, fragment>
    ```
  }];
  let arguments = (ins Tile_ReduceKindAttr:$kind,
                   Arg<Tile_Buffer, "", [MemRead]>:$source,
                   Arg<Tile_Buffer, "", [MemRead, MemWrite]>:$target,
                   I64Attr:$dim, UnitAttr:$clear);
  let assemblyFormat = [{
    $kind $source `,` $target `dim` `(` $dim `)` (`clear` $clear^)? attr-dict
    `:` type($source) `,` type($target)
  }];
  let hasVerifier = 1;
}

def Tile_CumsumOp : Tile_Op<"cumsum"> {
  let summary = "inclusive prefix sums of a tile along one dimension";
  let description = [{
    `T.cumsum(src, dst=None, dim=0, reverse=False)`: element `i` of each
    line of the target along `dim` is the sum of the source's elements `0..i`
    of that line (`i..n-1` with `reverse`); without `dst` the source is
    overwritten. Source and target have one shape, in shared memory or
    fragments; floats are summed in at least float32, then rounded to the
    target's type.

    ```mlir
    tile.cumsum %decay, %decay dim(1) reverse
        : !tile.buffer<64x64xf32, shared>, !tile.buffer<64x64xf32, shared>
    ```
  }];
  let arguments = (ins Arg<Tile_Buffer, "", [MemRead]>:$source,
                   Arg<Tile_Buffer, "", [MemRead, MemWrite]>:$target,
                   I64Attr:$dim, UnitAttr:$reverse);
  let assemblyFormat = [{
    $source `,` $target `dim` `(` $dim `)` (`reverse` $reverse^)? attr-dict
    `:` type($source) `,` type($target)
  }];
  let hasVerifier = 1;
}

def Tile_AtomicAddOp : Tile_Op<"atomic_add"> {
  let summary = "atomically add a scalar or a tile into memory";
  let description = [{
    `T.atomic_add(dst, value, memory_order=...)`: with indices, `value` is a
    scalar added to one element; without, `value` is a tile added
    element-wise into `dst`. Each add is one atomic read-modify-write with
    the given ordering (relaxed unless said otherwise, as in C++).

    ```mlir
    tile.atomic_add %v, %Out[%i, %j] : f32, !tile.buffer<?x?xf32, global>
    tile.atomic_add %acc, %out_region : !tile.buffer<64x64xf32, fragment>, !tile.buffer<64x64xf32, global>
    tile.atomic_add %v, %Flag[%i] {memory_order = #tile<memory_order release>} : i32, !tile.buffer<?xi32, global>
    ```

    An element outside its tensor is left alone, as a store there is
    dropped; `inside` (set by tile-lower-to-gpu where the IR shows the
    index inside the tensor) says that no check is needed.
  }];
  let arguments = (ins AnyType:$value, Arg<Tile_Buffer, "", [MemRead, MemWrite]>:$target,
                   Variadic<Index>:$indices,
                   DefaultValuedAttr<Tile_MemoryOrderAttr,
                                     "::tilec::tile::MemoryOrder::Relaxed">:$memory_order,
                   UnitAttr:$inside);
  let assemblyFormat = [{
    $value `,` $target (`[` $indices^ `]`)? attr-dict `:` type($value) `,` type($target)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Scheduling annotations and debugging
//===----------------------------------------------------------------------===//

def Tile_UseSwizzleOp : Tile_Op<"use_swizzle"> {
  let summary = "rasterize blocks in panels for L2 reuse";
  let description = [{
    `T.use_swizzle(panel)`: blocks of the launch are visited in panels of
    `panel` columns so that neighbouring blocks share operands in L2.

    ```mlir
    tile.use_swizzle 10
    ```
  }];
  let arguments = (ins I64Attr:$panel);
  let assemblyFormat = "$panel attr-dict";
  let hasVerifier = 1;
}

def Tile_AnnotateLayoutOp : Tile_Op<"annotate_layout"> {
  let summary = "fix the layout of a buffer";
  let description = [{
    `T.annotate_layout({buf: layout})`: the layout inference takes this
    layout for `buf` instead of choosing one.

    ```mlir
    tile.annotate_layout %A_s layout(#tile.swizzle<0>) : !tile.buffer<128x32xf16, shared>
    ```
  }];
  let arguments = (ins Tile_Buffer:$buffer, AnyAttr:$layout);
  let assemblyFormat = "$buffer `layout` `(` $layout `)` attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Tile_PrintOp : Tile_Op<"print"> {
  let summary = "print a scalar or a buffer from the device";
  let description = [{
    `T.print(x, msg="")`: prints "message: value" from the device. In a
    launch's scalar code the block prints once (its first thread); in a
    T.Parallel body or a per-thread launch each thread prints its own.
    The cpu target prints buffers too (up to 64 elements), GPUs scalars
    only: tile-partition-parallel puts a block's print on its first thread
    (a `tile.per_thread`), and tile-convert-to-llvm turns each thread's
    print into a `gpu.printf`.

    ```mlir
    tile.print %v {message = "row max"} : f32
    ```
  }];
  let arguments = (ins AnyType:$value, StrAttr:$message);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def Tile_AssertOp : Tile_Op<"assert"> {
  let summary = "stop the kernel when a condition does not hold";
  let description = [{
    Inside a `tile.launch`: `T.device_assert(cond, msg)`, checked by the
    threads that reach it. Outside any launch, in the kernel function's
    host code: a requirement, `assert cond, msg` over the tensors'
    dimensions and integer scalars, which the kernel's metadata lists under
    "requires" and every runtime checks before the first launch.

    ```mlir
    %heads = tile.dim %q[2] : <?x?x?x128xbf16, global>
    %ok = arith.cmpi eq, %heads, %expected : index
    tile.assert %ok, "the query heads must be 4 (groups) x K's heads"
    tile.launch grid(%blocks) threads(256) { ... }
    ```
  }];
  let arguments = (ins I1:$condition, StrAttr:$message);
  let assemblyFormat = "$condition `,` $message attr-dict";
}

#endif // TILE_OPS_TD
