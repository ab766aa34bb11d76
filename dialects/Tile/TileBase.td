//===- TileBase.td - tile dialect, types and attributes ----*- tablegen -*-===//
//
// The `tile` dialect models a tile program: buffers in a memory scope
// (global, shared, fragment, local), whole-tile operations on them and the
// scheduling structure (launch, parallel and pipelined loops) a kernel author
// wrote. Target lowering starts from here.
//
//===----------------------------------------------------------------------===//

#ifndef TILE_BASE_TD
#define TILE_BASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"
include "mlir/IR/DialectBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::tilec::tile";
  let summary = "Tile-level programs: buffers in memory scopes and whole-tile ops";
  let description = [{
    The `tile` dialect is what the tilec frontend produces from a `.tl`
    program. Values of `!tile.buffer` type name tiles of memory in one of
    four scopes; operations such as `tile.copy`, `tile.gemm` and
    `tile.reduce` act on whole tiles, while `tile.parallel` and
    `tile.pipelined` carry the loop structure and scheduling annotations of
    the source. Scalar code uses the `arith`, `math` and `scf` dialects.
  }];
  let useDefaultTypePrinterParser = 1;
  // The dialect's attributes on other dialects' operations and on kernel
  // arguments (TileDialect.h lists them) are checked where they appear.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::math::MathDialect", "::mlir::func::FuncDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Enumerations
//===----------------------------------------------------------------------===//

def Tile_MemoryScope : I32EnumAttr<"MemoryScope", "where a buffer lives", [
    I32EnumAttrCase<"Global", 0, "global">,
    I32EnumAttrCase<"Shared", 1, "shared">,
    I32EnumAttrCase<"Fragment", 2, "fragment">,
    I32EnumAttrCase<"Local", 3, "local">
  ]> {
  let cppNamespace = "::tilec::tile";
  let genSpecializedAttr = 0;
}
def Tile_MemoryScopeAttr : EnumAttr<Tile_Dialect, Tile_MemoryScope, "scope">;

def Tile_ReduceKind : I32EnumAttr<"ReduceKind", "reduction combiner", [
    I32EnumAttrCase<"Sum", 0, "sum">,
    I32EnumAttrCase<"Max", 1, "max">,
    I32EnumAttrCase<"Min", 2, "min">,
    I32EnumAttrCase<"AbsSum", 3, "abssum">,
    I32EnumAttrCase<"AbsMax", 4, "absmax">
  ]> {
  let cppNamespace = "::tilec::tile";
  let genSpecializedAttr = 0;
}
def Tile_ReduceKindAttr : EnumAttr<Tile_Dialect, Tile_ReduceKind, "reduce_kind">;

def Tile_TurnKind : I32EnumAttr<"TurnKind", "a step of the consumer warpgroups' turns", [
    I32EnumAttrCase<"Start", 0, "start">,
    I32EnumAttrCase<"Wait", 1, "wait">,
    I32EnumAttrCase<"Pass", 2, "pass">,
    I32EnumAttrCase<"Finish", 3, "finish">
  ]> {
  let cppNamespace = "::tilec::tile";
  let genSpecializedAttr = 0;
}
def Tile_TurnKindAttr : EnumAttr<Tile_Dialect, Tile_TurnKind, "turn_kind">;

def Tile_GemmPolicy : I32EnumAttr<"GemmPolicy", "how warps split a gemm tile", [
    I32EnumAttrCase<"Square", 0, "square">,
    I32EnumAttrCase<"FullRow", 1, "full_row">,
    I32EnumAttrCase<"FullCol", 2, "full_col">
  ]> {
  let cppNamespace = "::tilec::tile";
  let genSpecializedAttr = 0;
}
def Tile_GemmPolicyAttr : EnumAttr<Tile_Dialect, Tile_GemmPolicy, "gemm_policy">;

def Tile_MemoryOrder : I32EnumAttr<"MemoryOrder", "the ordering of an atomic operation", [
    I32EnumAttrCase<"Relaxed", 0, "relaxed">,
    I32EnumAttrCase<"Acquire", 1, "acquire">,
    I32EnumAttrCase<"Release", 2, "release">,
    I32EnumAttrCase<"AcqRel", 3, "acq_rel">,
    I32EnumAttrCase<"SeqCst", 4, "seq_cst">
  ]> {
  let cppNamespace = "::tilec::tile";
  let genSpecializedAttr = 0;
}
def Tile_MemoryOrderAttr : EnumAttr<Tile_Dialect, Tile_MemoryOrder, "memory_order">;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Tile_Attr<string name, string mnemonicName, list<Trait> traits = []>
    : AttrDef<Tile_Dialect, name, traits> {
  let mnemonic = mnemonicName;
}

def Tile_SwizzleLayoutAttr : Tile_Attr<"SwizzleLayout", "swizzle"> {
  let summary = "an XOR-swizzled shared-memory layout";
  let description = [{
    Rows of a shared buffer are permuted in 16-byte chunks by XOR with the
    row index, within a span of `bytes` (32, 64 or 128). `bytes = 0` leaves
    the span to the compiler, which picks the widest one the tile allows.

    ```mlir
    tile.annotate_layout %A_shared layout(#tile.swizzle<128>) : !tile.buffer<128x64xf16, shared>
    ```
  }];
  let parameters = (ins "int64_t":$bytes);
  let assemblyFormat = "`<` $bytes `>`";
  let genVerifyDecl = 1;
}

def Tile_CyclicLayoutAttr : Tile_Attr<"CyclicLayout", "cyclic"> {
  let summary = "a fragment spread over a block's threads, element by element";
  let description = [{
    Element `f` (flat, C order) of the fragment is held by thread
    `f mod threads`, in that thread's register slot `f div threads`: the
    order in which `T.Parallel` loops and whole-tile ops hand out elements,
    so every access to such a fragment is local to its thread.
    `tile-infer-layouts` puts it in the type of `tile.alloc` ops whose every
    use allows it.

    ```mlir
    %acc = tile.alloc : !tile.buffer<4x1024xf32, fragment, #tile.cyclic<128>>
    ```
  }];
  let parameters = (ins "int64_t":$threads);
  let assemblyFormat = "`<` $threads `>`";
  let genVerifyDecl = 1;
}

def Tile_WgmmaLayoutAttr : Tile_Attr<"WgmmaLayout", "wgmma"> {
  let summary = "the accumulator layout of Hopper's warpgroup MMA (wgmma), also run on mma.sync";
  let description = [{
    A 2-D fragment of shape (M, N), M a multiple of 64 * `warpgroups`, held
    in the registers of the first `warpgroups` warpgroups of the block the
    way `wgmma.mma_async.m64nNk16` leaves its accumulator. Warpgroup `g`
    owns the M / 64 / warpgroups row blocks of 64 rows starting at row
    block `g * (M / 64 / warpgroups)`; in a row block, lane `l` of warp `w`
    holds rows `16 w + l / 4` and `16 w + l / 4 + 8`, columns
    `8 c + 2 (l mod 4)` and `+ 1` for every 8-column chunk `c`, in register
    slot `4 c + 2 h + e` (`h` the row half, `e` the column) of that row block.
    `tile-infer-layouts` puts it in the type of the accumulator of a
    `tile.gemm` that runs on wgmma.

    Each warp's part of a row block is also the accumulator of a row of
    `mma.sync.m16n8k16` tiles (sm_80), and an A operand held in this layout
    is that instruction's A fragment: with `mma_sync` the gemms run there,
    each warp on its own 16 rows, reading shared operands by `ldmatrix`
    (through the generic proxy, unlike wgmma). Row reductions, row values
    (`#tile.wgmma_rows`) and the loops over the accumulator are the same.

    With `columns c` (c > 1) the columns are split too: `warpgroups * c`
    warpgroups hold the accumulator, warpgroup `r * c + j` the row blocks of
    row group `r` in its `j`-th N / c columns (a block whose row blocks are
    fewer than its warpgroups keeps them all busy). Such an accumulator is
    not reduced along its rows and does not feed a gemm's A from registers.

    ```mlir
    %C = tile.alloc : !tile.buffer<128x128xf32, fragment, #tile.wgmma<1>>
    %D = tile.alloc : !tile.buffer<128x128xf32, fragment, #tile.wgmma<2, mma_sync>>
    %E = tile.alloc : !tile.buffer<64x256xf32, fragment, #tile.wgmma<1, columns 2>>
    ```
  }];
  let parameters = (ins "int64_t":$warpgroups, "bool":$mmaSync, "int64_t":$columnGroups);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Tile_WgmmaRowsLayoutAttr : Tile_Attr<"WgmmaRowsLayout", "wgmma_rows"> {
  let summary = "one value per row of a wgmma accumulator, held by that row's threads";
  let description = [{
    A 1-D fragment of M values, M the rows of a `#tile.wgmma<warpgroups>`
    accumulator: value `i` is held by the four lanes (a quad) that hold row
    `i` of the accumulator, in register slot `2 b + h` (`b` the row block of
    the warpgroup, `h` the row half, as in `#tile.wgmma`). Row statistics
    (attention's running maxima and sums) live here: a reduction along the
    accumulator's rows ends with every lane of the quad holding the total,
    and a loop over the accumulator reads the value of its row from a
    register, with no shared memory and no barrier. `tile-infer-layouts`
    sets it on 1-D fragments whose every use allows it; 1-D `T.Parallel`
    loops over them follow it (each quad runs its rows).

    ```mlir
    %row_max = tile.alloc : !tile.buffer<128xf32, fragment, #tile.wgmma_rows<2>>
    ```
  }];
  let parameters = (ins "int64_t":$warpgroups);
  let assemblyFormat = "`<` $warpgroups `>`";
  let genVerifyDecl = 1;
}

def Tile_WindowAttr : Tile_Attr<"Window", "window"> {
  let summary = "where a view's elements lie in the buffer it views";
  let description = [{
    The storage a `tile.region` view addresses: the shape of the allocation
    (or tensor) it is a window of, and for each view dimension the storage
    dimension it runs along. Dimensions of the storage that the view drops
    are fixed by the region's offsets. A view whose storage is its own shape
    has no window, so `!tile.buffer` types of whole buffers never carry one.
    The lowering reads a view's storage rank, strides and swizzled rows from
    here, never from the ops that made it.

    ```mlir
    // Q[bz, row:row+64, by, :] of a tensor of shape ?x?x?x128
    !tile.buffer<64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>>
    // stage s of a three-stage shared tile
    !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$storageShape,
                        ArrayRefParameter<"int64_t">:$dims);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// What a loop nest's iterations may follow: the thread mapping of the wgmma
/// accumulator (or of its rows) the loop reads and writes.
def Tile_IterationLayoutAttr : AnyAttrOf<[Tile_WgmmaLayoutAttr, Tile_WgmmaRowsLayoutAttr]>;

def Tile_BufferType : TypeDef<Tile_Dialect, "Buffer", [ShapedTypeInterface]> {
  let mnemonic = "buffer";
  let summary = "a tile of memory in a memory scope";
  let description = [{
    A buffer has a shape (static extents, or `?` for a dimension bound at
    launch, which only `global` buffers may have), an element type, a memory
    scope and, once inferred or annotated, a layout attribute.

    ```mlir
    !tile.buffer<?x?xf16, global>
    !tile.buffer<128x32xf16, shared>
    !tile.buffer<128x128xf32, fragment>
    !tile.buffer<f32, local>                      // a scalar variable
    !tile.buffer<128x64xf16, shared, #tile.swizzle<128>>
    ```

    A view of part of a buffer (`tile.region`) also carries a
    `#tile.window`: the storage it addresses and the storage dimension of
    each of its dimensions. Its layout is the viewed buffer's; a layout is
    checked against the storage's shape.

    ```mlir
    !tile.buffer<64x128xf16, global, #tile.window<?x?x?x128, dims [1, 3]>>
    !tile.buffer<128x64xf16, shared, #tile.swizzle<128>, #tile.window<3x128x64, dims [1, 2]>>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType,
    "::tilec::tile::MemoryScope":$scope,
    OptionalParameter<"::mlir::Attribute">:$layout,
    OptionalParameter<"::tilec::tile::WindowAttr">:$window
  );
  let builders = [
    TypeBuilderWithInferredContext<(ins "::llvm::ArrayRef<int64_t>":$shape,
        "::mlir::Type":$elementType, "::tilec::tile::MemoryScope":$scope), [{
      return $_get(elementType.getContext(), shape, elementType, scope,
                   ::mlir::Attribute(), ::tilec::tile::WindowAttr());
    }]>,
    /// A whole buffer (no window).
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape, "::mlir::Type":$elementType,
        "::tilec::tile::MemoryScope":$scope, "::mlir::Attribute":$layout), [{
      return $_get($_ctxt, shape, elementType, scope, layout, ::tilec::tile::WindowAttr());
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// ShapedTypeInterface: a whole buffer with another shape or element
    /// type (no window: a new buffer, not a view).
    BufferType cloneWith(std::optional<::llvm::ArrayRef<int64_t>> shape,
                         ::mlir::Type elementType) const;
    bool hasRank() const { return true; }
    /// The number of elements; only meaningful for a static shape.
    int64_t getNumElementsStatic() const;
    /// A whole buffer of this type's shape in another scope (no window).
    BufferType withScope(MemoryScope scope) const;
    /// The same view with another layout (null: none).
    BufferType withLayout(::mlir::Attribute layout) const;
    /// The same view of other storage: `window` (null, or one equal to the
    /// view itself, for a whole buffer).
    BufferType withWindow(WindowAttr window) const;
    /// The shape of the storage the buffer addresses: the window's, or the
    /// buffer's own.
    ::llvm::ArrayRef<int64_t> getStorageShape() const;
    /// For each dimension, the storage dimension it runs along.
    ::llvm::SmallVector<unsigned> getStorageDims() const;
  }];
}

#endif // TILE_BASE_TD
