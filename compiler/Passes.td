//===- Passes.td - tilec passes ----------------------------*- tablegen -*-===//

#ifndef TILEC_COMPILER_PASSES_TD
#define TILEC_COMPILER_PASSES_TD

include "mlir/Pass/PassBase.td"

def TileLowerToGPU : Pass<"tile-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower tile kernels to gpu.func kernels with a simple, correct schedule";
  let description = [{
    Turns every `tile.kernel` function into a `gpu.func` in the
    `@tilec_kernels` gpu.module. The schedule is the reference one that later
    passes refine: all threads run the scalar code; `tile.per_thread` (the
    T.Parallel loops tile-partition-parallel assigned to threads; a plain
    `tile.parallel` left here is an error) as each thread's own code, with
    `tile.load_slot`/`tile.store_slot` on its register slots (fills,
    reductions of tiles in memory, prefix sums, copies of accumulator rows
    and most whole-tile atomic adds among them: one of those left here is
    an error); the elements of
    the other whole-tile ops (copy, gemm, a relaxed float32 atomic add of a
    shared tile or an accumulator into a tensor) are spread cyclically over
    the block's threads (element `tid + k * threads` in unrolled trip `k`),
    except that each thread writes all of a local buffer (its own copy), a
    contiguous 4/8/16-byte tensor row copied into one (a copy, or a loop of
    element copies) with one vector load where it lies inside the tensor
    and is aligned; a per-thread launch (one that reads `tile.thread_id`,
    the thread index) runs its scalar code with each thread's values and
    its atomic adds and prints on every thread;
    with TMA, only the producer's issuing thread waits for a free stage;
    shared buffers and shared-memory fragments are
    carved from one extern dynamic shared-memory array at the offsets
    tile-plan-shared-memory set (planned here if it did not run); fragments marked
    `#tile.cyclic` by tile-infer-layouts, local buffers and variables live in
    each thread's private memory (registers once promoted); a reduction of a
    `#tile.cyclic` fragment combines per-thread partials with warp shuffles and
    shared scratch (along a last dimension of up to 32, a power of two that
    leaves the threads as many elements each, an output's elements lie in
    neighbouring lanes of a warp, which finish it by shuffles alone), one of
    a `#tile.wgmma` accumulator along its rows with shuffles in each quad of
    lanes (into `#tile.wgmma_rows` registers or
    shared memory). The
    `tile.barrier`s of tile-insert-barriers become block barriers (named
    barriers inside a part of a `tile.warp_specialize`, one per warpgroup
    with `warpgroup`, after a proxy fence with `async_proxy`); the lowering
    adds barriers only inside an op (a reduction's scratch, mbarrier
    set-up, a cp.async wait); element accesses (`tile.load`/`tile.store`,
    `tile.load_slot`/`tile.store_slot`, `tile.load_vector`/`tile.store_vector`,
    `tile.aligned`, `tile.in_bounds`, `tile.dim`) and the thread's own ops
    (`tile.thread_id`, `tile.shuffle`, `tile.assert`; a print, one
    element's `tile.atomic_add`, a signal or wait only where the IR says
    which thread runs it: in a per-thread launch or a `tile.per_thread`,
    else an error) stay as they are for
    tile-convert-to-llvm, on each buffer packed as the values that
    describe it (an `unrealized_conversion_cast` of its pointer, extents,
    strides and offsets), a tensor access that the IR shows inside its
    tensor (loop and block ranges, the conditions of the `if`s around it)
    marked `inside`; inside `tile.per_thread` an `scf.if` with results whose
    sides are pure arithmetic and loads of on-chip buffers at indices inside
    them becomes a select. Copies from and
    to global memory are predicated at the tensor's edges (reads outside give
    zero); gemm runs on wgmma for a `#tile.wgmma` accumulator (A by
    descriptor from swizzled shared memory, or from the registers of a
    `#tile.wgmma` fragment), on mma.sync with `mma-sync`, else as a SIMT loop;
    8-bit floats are bytes in memory, converted by tile-lower-float8.
    Tensor parameters become a `noalias` global
    pointer followed by one i64 per dimension bound at launch. Each
    `tile.launch` of a kernel becomes its own gpu.func (the kernel's name for
    one launch, `<kernel>_launch<i>` in program order for several); the host
    function keeps the launches, the grid computation and the `scf.if`s
    around launches, and each launch records its GPU kernel, block threads,
    shared-memory size and TMA tensor maps in its `gpu_kernel`,
    `block_threads`, `shared_bytes` and `tensor_maps` attributes. Code
    outside launches must be scalar computation, and conditions around a
    launch host-computable integer expressions (located errors otherwise:
    the cpu target runs the rest). Target limits are located errors: shared
    memory (notes at the largest buffers, the `-D` names that size them),
    private memory, and accumulators whose registers a block's threads
    cannot hold.
  }];
  let options = [
    Option<"maxSharedBytes", "max-shared-bytes", "int64_t", "0",
           "Shared memory a block may use on the target (0: no limit); a kernel "
           "that needs more is an error at its T.Kernel line">,
    Option<"maxPrivateBytes", "max-private-bytes", "int64_t", "0",
           "Private (scratch) memory a thread may use on the target (0: no "
           "limit); a kernel that needs more is an error at its largest local "
           "buffer">,
    Option<"targetName", "target", "std::string", "\"nvvm\"",
           "The instruction set the kernels are lowered for: nvvm (NVIDIA) or "
           "rocdl (AMD). The generic lowering asks the target's TargetInfo "
           "(compiler/Transforms/TargetInfo.h) for every vendor-specific "
           "instruction (barriers, fences, async and TMA copies, matrix "
           "loads, tensor cores, registers) and for the address space of "
           "per-thread arrays; an instruction family an option below asks "
           "for and the target lacks is an error">,
    Option<"asyncCopies", "async-copies", "bool", "false",
           "NVIDIA sm_80 and newer: tile.copy_async through cp.async (16 bytes a "
           "thread, where the tile's rows allow) and cp.async groups; without it "
           "those copies complete at once; set by the NVPTX pipeline">,
    Option<"tma", "tma", "bool", "false",
           "NVIDIA sm_90: tile.copy_async of a region of a tensor parameter into a "
           "swizzled shared tile through the tensor memory accelerator "
           "(cp.async.bulk.tensor), completing on the group's mbarrier, and a "
           "tile.copy of a whole swizzled shared tile into a tensor window by a "
           "TMA store; the kernel takes i32 flags (bit i: the runtime built map "
           "i) and one 128-byte tensor map per (tensor, box) after its "
           "parameters, and copies another way where its maps are missing "
           "(cp.async loads, the block's stores); and a T.atomic_add of a "
           "float32 shared tile whose rows are contiguous 16-byte multiples "
           "into a float32 tensor as one bulk reduction a row by the copy "
           "engine (cp.reduce.async.bulk, no tensor map); set by the NVPTX "
           "pipeline">,
    Option<"stmatrix", "stmatrix", "bool", "false",
           "NVIDIA sm_90: a copy of a whole accumulator (#tile.wgmma) into a "
           "16-bit shared tile whose 8-element rows are 16 aligned bytes "
           "stores four 8x8 pieces a warp with stmatrix">,
    Option<"setmaxnreg", "setmaxnreg", "bool", "false",
           "NVIDIA sm_90a: a warp-specialized kernel with two or three "
           "consumer warpgroups that has an SM to itself (by its shared "
           "memory, or its fragments leave no registers for a second block) "
           "moves registers from its producer warpgroup to them (setmaxnreg: "
           "56 and 224 a thread instead of 168 each; 32 and 160 instead of "
           "128 with three)">,
    Option<"mmaSync", "mma-sync", "bool", "false",
           "NVIDIA sm_80 and newer: T.gemm of fp16/bf16 tiles (M, N, K multiples "
           "of 16, 8, 16) on tensor cores with mma.sync m16n8k16, one 16x8 "
           "piece of C per warp at a time; set by the NVPTX pipeline">,
    Option<"wgmmaOverlap", "wgmma-overlap", "bool", "false",
           "NVIDIA sm_90a: a wgmma gemm is waited for where its accumulator is "
           "next used, where shared memory it reads is written (by this thread, "
           "or by others before the next barrier), or at the end of its block, "
           "not as soon as it is issued: what runs in between overlaps with "
           "the tensor cores (wgmma.wait_group with the groups still allowed "
           "in flight)">,
    Option<"vectorAtomics", "vector-atomics", "bool", "false",
           "NVIDIA sm_90: T.atomic_add of a float32 wgmma accumulator into a "
           "float32 tensor adds each thread's pairs of neighbouring columns "
           "with one vector reduction (red.add.v2.f32) where both lie inside "
           "the tensor and the address is 8-byte aligned">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect", "::mlir::nvgpu::NVGPUDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def TileConvertToLLVM : Pass<"tile-convert-to-llvm", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Rewrite the per-thread tile ops of GPU kernels as GPU and LLVM operations";
  let description = [{
    tile-lower-to-gpu leaves the per-thread tile ops of a kernel in its
    gpu.func, each one thread's code (tile-partition-parallel put a block's
    print, flag or element atomic in its first thread's branch), on buffers
    packed as the
    values that describe them (an `unrealized_conversion_cast` of a pointer
    in the buffer's address space and, per storage dimension, the
    storage's extent, its stride and the window's offset). This dialect
    conversion rewrites them, through a TypeConverter from `!tile.buffer`
    to those values (1:N) and one pattern per op.

    Element accesses:
    - `tile.load` / `tile.store`: the element's address (strides, or the
      XOR swizzle of a `#tile.swizzle` buffer), an `llvm.load` /
      `llvm.store` of it as stored (8-bit floats and uint8 as bytes,
      indices as i64); a tensor element that is not marked `inside` is
      guarded: outside its tensor a read gives zero (a `speculative` read
      selects the address of a constant zero instead of branching) and a
      write is dropped;
    - `tile.load_slot` / `tile.store_slot`: the register slot of the
      thread's private array (two 16-bit elements a 32-bit word in a
      packed `#tile.wgmma` fragment);
    - `tile.load_vector` / `tile.store_vector`: one vector load or store,
      aligned to its bytes;
    - `tile.atomic_add` of one element: an atomic add at its address
      between the fences its memory order asks for (LLVM's NVPTX back end
      prints every atomicrmw relaxed), guarded at a tensor's edges as a
      store is unless marked `inside`;
    - `tile.aligned`, `tile.in_bounds`: the checks they stand for;
      `tile.dim`: the type's extent or the one bound at launch.

    The thread's own operations:
    - `tile.thread_id`: `gpu.thread_id x`;
    - `tile.shuffle`: `gpu.shuffle idx` in the target's subgroup, as
      32-bit words (narrower values widened, 64-bit ones as two words);
    - `tile.print` of a scalar: `gpu.printf` of "message: value" (floats
      as double, integers as 64-bit, an i1 as 0 or 1);
    - `tile.assert`: a trap where the condition is false;
    - `tile.signal` / `tile.wait_signal`: the flag's store after a release
      fence, or a spin on it then an acquire fence and its reset, as LLVM
      atomics at GPU scope.

    A fragment held in registers read or written element by element is a
    located error, as is any other op on a tile buffer left in a kernel.
    Afterwards no `!tile.buffer` value and none of these ops remains.

    ```mlir
    %A = builtin.unrealized_conversion_cast %p, %n, %c1, %c0
        : !llvm.ptr<1>, index, index, index to !tile.buffer<?xf32, global>
    %tid = tile.thread_id
    %v = tile.load %A[%tid] {inside} : !tile.buffer<?xf32, global>
    // becomes
    %tid = gpu.thread_id x
    %a = arith.addi %c0, %tid : index
    ...
    %v = llvm.load %gep : !llvm.ptr<1> -> f32
    ```
  }];
  let options = [
    Option<"targetName", "target", "std::string", "\"nvvm\"",
           "The target, as tile-lower-to-gpu's: nvvm (NVIDIA) or rocdl (AMD); "
           "it gives the per-thread arrays' address space and the subgroup's size">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect", "::mlir::scf::SCFDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def TileLowerFloat8 : Pass<"tile-lower-float8", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Rewrite 8-bit float values in GPU kernels as integer code on their bytes";
  let description = [{
    LLVM has no 8-bit float types, so float8_e4m3 and float8_e5m2 values
    become their bytes (i8), through a TypeConverter and one pattern per
    op: `arith.truncf` to them rounds to nearest even on the float32 bits,
    saturating at the largest finite value (448, 57344; infinities too),
    NaN to NaN (the GPUs' `satfinite` conversion and the cpu target's);
    `arith.extf` from them decodes exactly; bitcasts between a stored byte
    and its float, selects and constants carry the byte. Any other op on
    an 8-bit float (arithmetic, comparisons) is a located error: convert
    to float32 first. Runs after tile-convert-to-llvm, whose loads
    and stores of 8-bit float buffers are such bitcasts.

    ```mlir
    %f = arith.bitcast %byte : i8 to f8E4M3FN
    %x = arith.extf %f : f8E4M3FN to f32
    // becomes integer code on %byte giving %x
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def TileInferLayouts : Pass<"tile-infer-layouts", "::mlir::ModuleOp"> {
  let summary = "Choose where each fragment lives: in registers or in shared memory";
  let description = [{
    A first layout inference. A fragment gets `#tile.cyclic<threads>` (in the type
    of its `tile.alloc`) when every use hands out its elements in the
    order of the block's threads: element accesses in a `T.Parallel` loop over
    exactly the fragment's shape indexed by the loop variables, fills, copies,
    tile atomic adds and reductions reading it into at most 32 outputs. Such a fragment lives in the
    threads' registers and needs no barrier, unless it has more than 256
    elements a thread (more than registers hold: it stays in shared memory,
    where the target's limit is checked). Any other use (a gemm operand,
    a broadcast read such as `row_max[i]` in a 2-D loop, a reduction target,
    a region, scalar code) keeps it in shared memory; the block size must
    be a multiple of 32 for the cross-thread reductions.

    With `wgmma` (sm_90a), a `T.gemm` whose A and B are shared buffers of
    f16 or bf16 (whole, or 2-D windows of 2-D tiles that start at a k-step
    along K and at a group of 8 rows or a swizzle span along M or N, offsets
    that may be values of the kernel such as `j * 32`) and whose C is an f32
    fragment of shape (M, N),
    M a multiple of 64, N a multiple of 8, K a multiple of 16, runs on the
    warpgroup MMA: C gets `#tile.wgmma<warpgroups>` (the instruction's
    accumulator layout; `T.Parallel` loops over C that index it by their
    variables get the same layout, which is how they are partitioned) and
    A and B get `#tile.swizzle<bytes>`, the widest XOR swizzle their rows
    allow (128, 64 or 32 bytes), which the wgmma descriptors then describe.
    A `T.annotate_layout` of a shared buffer with `#tile.swizzle` is taken
    as given; two annotations that disagree on one buffer are an error at
    the second, with a note at the first. Uses of C that fit its layout:
    fills, copies to or from memory and fragments out of registers (then a
    `tile.convert_layout`), reductions along its rows, `T.Parallel` loops over C
    that may also read other fragments (those then stay out of registers).
    A 16-bit fragment A written only by copies from an accumulator of its
    shape takes `#tile.wgmma` too (wgmma reads it from registers); another
    fragment A or B moves to swizzled shared memory. 1-D fragments that hold
    one value per row of an accumulator (reduction targets, row values read
    in loops over it, 1-D loops over them) get `#tile.wgmma_rows`, and those
    1-D loops too. When a use of C does not fit, the gemm keeps the mma.sync
    or SIMT path (`-debug-only=tile-infer-layouts` in a debug build says
    why).

    The warpgroups split the accumulator's 64-row blocks first; where the
    blocks are fewer than the warpgroups (a 64-row tile on 256 threads) the
    rest split its columns (`#tile.wgmma<r, columns c>`), unless the gemm's
    policy is FullRow or the accumulator is reduced along its rows; FullCol
    splits the columns only.

    With `mma-sync` instead (sm_80), the same layouts are assigned,
    `#tile.wgmma<g, mma_sync>`, for 16-bit operands: each warp then runs its
    16 rows of every row block on `mma.sync.m16n8k16`, keeping C in
    registers across the gemm's K and across T.Pipelined iterations.

    Last, with every layout known, each `tile.copy` between two fragments of
    different layouts (elements move between threads, or into shared
    memory) becomes a `tile.convert_layout`; a copy left between fragments
    keeps every element on its thread.
  }];
  let options = [
    Option<"wgmma", "wgmma", "bool", "false",
           "Assign the layouts of the sm_90a warpgroup MMA to T.gemm operands">,
    Option<"mmaSync", "mma-sync", "bool", "false",
           "Without wgmma (sm_80): assign the same accumulator layout, marked "
           "`mma_sync`, to fp16/bf16 T.gemms that then run on mma.sync with "
           "operands read by ldmatrix">
  ];
}

def TileSoftwarePipeline : Pass<"tile-software-pipeline", "::mlir::ModuleOp"> {
  let summary = "Multi-buffer the shared tiles of T.Pipelined loops and load them ahead";
  let description = [{
    For a `T.Pipelined(n, num_stages=S)` loop (S >= 2) whose body starts with
    copies from global memory into whole shared buffers that nothing outside
    the loop uses, each such buffer gets S stages (a leading dimension of S,
    its layout kept), and the copies become `tile.copy_async` issued S - 1
    iterations ahead of the iteration that reads them:

    ```
    for s in 0 .. S-2:  if s < n: copy_async tiles of iteration s -> stage s
                        async_commit (barrier s)
    for i in 0 .. n-1:  if i+S-1 < n: copy_async tiles of iteration i+S-1
                                      -> stage (i+S-1) mod S
                        async_commit (barrier (i+S-1) mod S)
                        async_wait S-1, barrier i mod S, phase (i div S) mod 2
                        the rest of the body, on stage i mod S
    ```

    The S completion barriers are a shared `i64` buffer marked
    `mbarriers`. The scalar code and regions before the copies are
    recomputed for each iteration they serve; so are loads from tensors the
    kernel never writes (a block-sparse kernel's block indices), which is
    what lets a data-dependent tile be loaded ahead. A copy further down the
    body is staged too when its source is computed by such code from the
    loop variable and values from outside, and nothing in the body reads its
    target before it. Loops that do not match stay as they are (one stage:
    the copies wait).

    With `warp-specialize` (targets with TMA), a kernel whose only pipelined
    loop sits in the launch body and that combines nothing across threads
    (no prints, asserts, and no reductions other than along the rows of a
    wgmma accumulator; atomic adds spread over the consumers), launched
    with a multiple of 128 threads below 1024 (the producer comes on top),
    gets a producer warpgroup instead (`tile.warp_specialize`): the
    producer loops over the iterations, waits until the consumers released
    stage i mod S (a second `mbarriers` buffer, `arrivals` = the block's
    threads) and issues the copies; the consumers wait for the stage's copies, run the
    rest of the body and release the stage. No block-wide barrier remains
    in the loop. Tiles the body first uses in different ops (attention's K
    in Q K^T, V in P V) come in groups with barriers of their own: the
    producer waits for each group's release before its copies, the
    consumers wait for a group's copies right before its first use and
    release it right after its last, so that K's stage is refilled while
    P V still reads V's. A shared tile the launch copies from a read-only
    tensor before the loop, that nothing uses before the loop, the loop only
    reads and only code after the loop may write (attention's Q; the
    backward's K and V, whose bytes its epilogue reuses) is loaded by the
    producer ahead of the stages, on a one-slot barrier the consumers wait
    for before their loop (the code after the loop runs on the consumers):
    neither do the first stages' loads queue behind it, nor do all threads
    copy it through their registers before the loop.

    With `persistent` as well, a warp-specialized launch with no tile
    loaded ahead of its loop, one block of which takes an SM's shared memory
    (its stages and, beside them, its epilogue's accumulator stores as
    tile-stage-stores stages them), keeps its blocks resident: the grid
    becomes min(tiles, SMs), and
    block b takes the tiles b, b + grid, ... of the original grid (in its
    order, T.use_swizzle's panels included). Producer and consumers each
    loop over the block's tiles: the consumers run the launch body's code
    before the pipelined loop, the loop and the code after it (the
    epilogue) for each tile, the producer what computes its copies'
    sources. The stages and barrier phases run on across tiles (an
    iteration count carried by the tile loop), so the producer fills the
    next tile's stages while the consumers finish the last one's epilogue.

    ```
    launch grid(P = min(tiles, SMs)):
      warp_specialize
        producer:  for t = block; t < tiles; t += P   (base: iterations so far)
                     for i: wait empty[(base+i) mod S], copies of tile t
        consumers: for t = block; t < tiles; t += P
                     code before the loop; for i: wait full[...], body, release
                     code after the loop
    ```
  }];
  let options = [
    Option<"warpSpecialize", "warp-specialize", "bool", "false",
           "Give the copies of a pipelined loop their own producer warpgroup">,
    Option<"persistent", "persistent", "bool", "false",
           "Keep the blocks of a warp-specialized launch resident, each looping over tiles">,
    Option<"smCount", "sm-count", "int64_t", "132",
           "Multiprocessors of the GPU a persistent launch fills">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def TileVectorizeParallel : Pass<"tile-vectorize-parallel", "::mlir::ModuleOp"> {
  let summary = "Give T.Parallel loops over contiguous global data a per-thread vector width";
  let description = [{
    The reference partition hands iteration `tid + k * threads` to each
    thread: coalesced, but one scalar access per element. This pass sets
    `vector = v` on a T.Parallel loop (outside any other, without a
    register layout) when each thread should run `v` consecutive iterations
    of the innermost loop variable instead (vector `tid + k * threads`), so
    that its accesses to a whole tensor (a parameter or a T.alloc_global
    workspace) become one 16-byte access: every global access either
    indexes the innermost tensor dimension with `lane + (value fixed for
    the vector)` or does not move with the lane, the element at a vector's
    first lane is provably aligned to `v` elements (its linear index is a
    multiple of `v`: strides are multiples of the constant inner extents,
    whatever the extents bound at launch, and indices whose divisibility is
    known, e.g. `bx * 2048 + i`), and `v * element bytes <= 16`. `v` divides
    the innermost extent, and the loop keeps at least one vector per
    thread. Loops touching fragments (partitioned by
    their layout), shared memory (per-thread runs would conflict on banks)
    or other tile ops, and loops that write a thread's own buffer at an
    element that does not move with the lane (a local scratch the
    iterations share, which the lanes of a vector, run op by op, would
    overwrite for each other) keep the reference partition.

    Guards are what usually stands between the accesses of a vector: an
    `scf.if` whose condition holds on an interval of the lane (comparisons
    of linear functions of it with values fixed for the vector, and their
    conjunctions; short-circuit `and`s of such conditions are first
    rewritten to `arith.andi`) gets `tile.vector_guard`: the partition
    (tile-partition-parallel) checks it at the vector's two ends and, when
    both hold and the tensors are aligned, runs the vector unguarded,
    straight-line, so that the
    backend merges its accesses; otherwise element by element.

    ```mlir
    tile.parallel [2048] attributes {vector = 8 : i64} {
    ^bb0(%i: index):
      %index = arith.addi %base, %i : index
      %inside = arith.cmpi slt, %index, %n : index
      scf.if %inside {
        %x = tile.load %X[%index] {contiguous} : !tile.buffer<?xbf16, global>
        ...
      } {tile.vector_guard}
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TileFlattenConditionals : Pass<"tile-flatten-conditionals", "::mlir::ModuleOp"> {
  let summary = "Small value-producing ifs that read tensors as straight-line code and selects";
  let description = [{
    Python's `and`, `or`, `a if c else b` and `T.if_then_else` evaluate
    their right side only when needed, so the frontend gives them an
    `scf.if` that yields a value. Inside a `T.Parallel` over a tile each one
    becomes a branch per element a thread holds, and a load on its side
    cannot be shared between elements: the mask of packed documents,
    `q >= k and ids[b, q] == ids[b, k]`, read two words per score a
    thread holds, behind two branches, instead of one per row and one per
    column (the template's document-masked FlashAttention: 268 id loads in
    the kernel before, 80 after, and 0.62x the time on an H100).

    An `scf.if` with results inside a `T.Parallel`, one of whose sides
    reads a tensor element that other iterations read too (its indices
    leave out one of the loop's), whose sides hold at most `max-ops`
    operations each, all of which may run unasked, becomes its two sides'
    operations followed by one `arith.select` per result (`arith.andi` for
    `and`, `arith.ori` for `or`); the tensor reads it hoists are marked
    `speculative`, which the GPU lowering guards without a branch, and
    LLVM shares the equal ones. May run unasked: pure operations (an
    integer division only by a divisor known not to be 0 or -1), tensor
    reads (outside its tensor a read gives zero, so none faults) and reads
    of fragments and locals at indices provably inside them. Shared memory
    reads and anything that writes stay behind their branch; so do reads
    of an element no other iteration reads (`T.if_then_else(j < N, X[i,
    j], 0)`: the branch costs less than the guard a hoisted read needs;
    LayerNorm's rows took up to 1.2x as long flattened), ifs of arithmetic
    alone (LLVM flattens those itself) and the guards of `vector` loops
    (their lowering checks a guard once per vector). Innermost ifs go
    first, so nested conditions flatten together.

    The GPU pipelines run it after tile-vectorize-parallel. The cpu target
    keeps the branches, so that its checks (reads outside a tensor at
    indices from data, reads of unwritten fragment elements) see exactly
    the reads a program asks for.

    ```mlir
    %same = scf.if %causal -> (i1) {
      %a = tile.load %ids[%b, %q] : !tile.buffer<?x?xi32, global>
      %c = tile.load %ids[%b, %k] : !tile.buffer<?x?xi32, global>
      %eq = arith.cmpi eq, %a, %c : i32
      scf.yield %eq : i1
    } else {
      scf.yield %false : i1
    }
    // becomes
    %a = tile.load %ids[%b, %q] {speculative} : !tile.buffer<?x?xi32, global>
    %c = tile.load %ids[%b, %k] {speculative} : !tile.buffer<?x?xi32, global>
    %eq = arith.cmpi eq, %a, %c : i32
    %same = arith.andi %causal, %eq : i1
    ```
  }];
  let options = [
    Option<"maxOps", "max-ops", "unsigned", "16",
           "The most operations (besides the yield) either side may hold">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TileApproximateMath : Pass<"tile-approximate-math", "::mlir::ModuleOp"> {
  let summary = "Expand math functions marked approximable (fastmath<afn>) into cheaper code";
  let description = [{
    `tilec --fast-math` marks the math functions of a kernel
    `fastmath<afn>`. Where a target library has a fast form of the function
    (exp, log, sin, cos on NVIDIA: libdevice's `__nv_fast_*`), the GPU
    conversion picks it; this pass expands the ones without one, the same
    way for every target, so that the CPU interpreter checks what a GPU
    runs.

    f32 `math.erf` becomes `copysign(1 - 2^p(|x|), x)` with
    `p(a) = a * r(min(a, 4)) - a^2 log2(e)`, r a degree-9 polynomial
    (fitted to `log2(erfc(a)) / a + a log2(e)`): one `exp2`, ten fused
    multiply-adds and no branch, where libdevice's erff takes two
    polynomials chosen per element and a divergent branch. The absolute
    error stays below 2e-7 (a relative one near 0, where erf is small,
    is not kept).

    ```mlir
    %e = math.erf %x fastmath<afn> : f32
    // becomes: math.absf, arith.minimumf, a Horner chain of arith.mulf /
    // arith.addf (fastmath<contract>), math.exp2, arith.select
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def TileStageStores : Pass<"tile-stage-stores", "::mlir::ModuleOp"> {
  let summary = "Stage stores of tensor-core accumulators through swizzled shared tiles";
  let description = [{
    A `tile.copy` of a whole accumulator in the `#tile.wgmma` layout into a
    2-D window of a tensor (16-bit elements, 8 to 256 rows, rows a whole
    number of 32-, 64- or 128-byte swizzle spans) becomes a copy into a new
    swizzled shared tile and a copy of that tile into the window. On sm_90
    the first lowers to stmatrix (each warp writes four 8x8 pieces at once,
    bank-conflict free) and the second to TMA stores issued by one thread,
    which clip at the tensor's edges; where the runtime builds no tensor
    map the tile is copied by the block. A store is staged only when the
    kernel's planned shared memory does not grow for it: the tile must fit
    in bytes no other buffer needs at that point (the pipeline stages of a
    GEMM, dead by its epilogue).

    ```mlir
    tile.copy %acc, %window : !tile.buffer<128x256xf32, fragment>, !tile.buffer<128x256xf16, global>
    // becomes
    %stage = tile.alloc : !tile.buffer<128x256xf16, shared, #tile.swizzle<128>>
    tile.copy %acc, %stage : !tile.buffer<128x256xf32, fragment>, !tile.buffer<128x256xf16, shared>
    tile.copy %stage, %window : !tile.buffer<128x256xf16, shared>, !tile.buffer<128x256xf16, global>
    ```

    A `tile.atomic_add` of a whole float32 accumulator into a 2-D window of
    a float32 tensor (rows contiguous, a 16-byte multiple and at least 512
    bytes long: shorter rows are added faster by paired atomics) becomes a
    copy into a new shared tile (rows padded by 32 bytes, so a warp's
    stores meet each bank the fewest times) and an atomic add of that tile,
    which tile-lower-to-gpu hands to the copy engine as one bulk reduction
    a row. Staged only when `shared-per-sm` is given and the SM still holds
    as many blocks of the kernel (and a block at most `max-shared-bytes`).
  }];
  let options = [
    Option<"sharedPerSM", "shared-per-sm", "int64_t", "0",
           "Shared memory an SM has for blocks (0: atomic adds are not staged)">,
    Option<"reservedPerBlock", "reserved-per-block", "int64_t", "1024",
           "Shared memory the hardware reserves for each block">,
    Option<"maxSharedBytes", "max-shared-bytes", "int64_t", "232448",
           "Shared memory one block may use">
  ];
}

def TilePartitionParallel : Pass<"tile-partition-parallel", "::mlir::ModuleOp"> {
  let summary = "Assign the iterations of T.Parallel loops to threads, explicitly";
  let description = [{
    A `tile.parallel` loop says what runs, not which thread runs it. This
    pass writes that down for each loop: the loop becomes a
    `tile.per_thread`, whose code says with `tile.thread_id` which
    iterations the calling thread runs and with `tile.load_slot` /
    `tile.store_slot` which of its register slots holds each element of a
    fragment the iterations touch; tile-lower-to-gpu then lowers each op of
    it on its own.

    - A loop without a layout runs cyclically: the thread at index `tid` of
      the threads running the code runs iteration `tid + k * threads` in
      trip `k` (guarded where the threads do not divide the iterations),
      split into the loop's variables in C order; a `#tile.cyclic`
      fragment's element is the thread's slot `k`. The trips are unrolled
      where the loop touches a fragment (slots must be constants); others
      keep an `scf.for` over them.
    - A `vector = v` loop (tile-vectorize-parallel) runs vectors of `v`
      consecutive iterations cyclically (vector `tid + k * threads`), each
      in two versions: where the tensors it touches are aligned to the
      vector (`tile.aligned`) and its `tile.vector_guard`s and the tensor
      accesses not otherwise known inside (`tile.in_bounds`) hold at the
      vector's two end lanes, the lanes run op by op, each `contiguous`
      access one `tile.load_vector` / `tile.store_vector`, the guards'
      branches inlined and the checked accesses marked `inside`; else each
      lane runs the body as written.
    - A loop that follows a `#tile.wgmma` accumulator runs the elements
      the thread holds (ThreadLayouts.h: rows `16 w + l / 4` and 8 below in
      each 64-row block, columns `2 (l mod 4)` and the next in each 8-column
      chunk, for lane `l` of warp `w`), each in its slot; a
      `#tile.wgmma_rows` fragment read there gives the slot of the
      element's row.
    - A loop that follows a `#tile.wgmma_rows` layout runs the rows the
      thread's quad holds; its four lanes run each alike, so only the
      quad's first lane writes memory the threads share (inside the
      tensor: a store the IR does not show inside checks `tile.in_bounds`
      first and is marked `inside`).

    The threads running the code are the launch's, the producer
    warpgroup's inside its region of a `tile.warp_specialize` (its thread
    index counts from the launch's last thread), or the consumers' in
    theirs and after it. Threads that reach a loop without taking part (a
    warp-specialized block's producer before the split, warpgroups beyond
    an accumulator's) sit it out.

    Whole-tile ops are the loops they are (each tile of a constant shape,
    else a located error), written as a `tile.parallel` and partitioned as
    one; where their result is a local buffer (each thread's own copy)
    every thread that reaches them runs the whole loop in a
    `tile.per_thread` instead:
    - `tile.fill` stores the value at every element, over the buffer's
      layout where it is an accumulator's or its rows';
    - `tile.reduce` of a tile in memory (shared or local; a fragment in
      registers is left to tile-lower-to-gpu's shuffle reductions) loops
      over its outputs, each folding its line in order, floats in at least
      f32, then combined with the target's value unless it clears it;
    - `tile.cumsum` loops over its lines, each summed in order in at least
      f32 (a fragment in registers is a located error);
    - a whole tile's `tile.atomic_add` loops over the tile's elements, one
      element's atomic add each (over an accumulator's layout where the
      tile is one), except a relaxed float32 add of a shared tile or an
      accumulator into a tensor, left whole for tile-lower-to-gpu's bulk
      and vector-pair adds; in a per-thread launch each thread adds all of
      its own local tile;
    - a `tile.copy` to or from a `#tile.wgmma_rows` fragment loops over its
      rows, as a loop over that layout (a tensor's rows outside it read as
      zero, not written; memory written by each quad's first lane).

    What the block does once in its scalar code (a print of a scalar, one
    element's `tile.atomic_add`, `tile.signal`, `tile.wait_signal`) runs
    on the first thread of the part that reaches it, in a `tile.per_thread`
    branch; a signal gathers the part's writes at a `tile.barrier` before
    it, a wait holds the part's other threads at one after it. A signal or
    wait inside a T.Parallel body or in a per-thread launch is a located
    error.

    A register fragment read or written other than at the loop's own
    iteration, or held over other threads than those running the loop, is
    a located error (tile-infer-layouts keeps such fragments in memory).

    ```mlir
    tile.parallel [4, 64] {
    ^bb0(%i: index, %j: index):
      %v = tile.load %frag[%i, %j] : !tile.buffer<4x64xf32, fragment, #tile.cyclic<128>>
      tile.store %v, %S[%i, %j] : !tile.buffer<4x64xf32, shared>
    }
    ```
    becomes (two trips of 128 threads, the second with slot 1):
    ```mlir
    tile.per_thread {
      %tid = tile.thread_id
      %c0 = arith.constant 0 : index
      %c128 = arith.constant 128 : index
      %k0 = arith.muli %c0, %c128 : index
      %flat = arith.addi %tid, %k0 : index
      %c64 = arith.constant 64 : index
      %j = arith.remui %flat, %c64 : index
      %i = arith.divui %flat, %c64 : index
      %v = tile.load_slot %frag[%c0] : !tile.buffer<4x64xf32, fragment, #tile.cyclic<128>>
      tile.store %v, %S[%i, %j] : !tile.buffer<4x64xf32, shared>
      ...
    }
    ```
    Runs last among the tile-level passes, right before tile-lower-to-gpu.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def TilePingPong : Pass<"tile-pingpong", "::mlir::ModuleOp"> {
  let summary = "Stagger two consumer warpgroups by taking turns at their first gemms";
  let description = [{
    In a warp-specialized block with two consumer warpgroups, each pipelined
    loop of the consumers whose body runs wgmma gemms and other work between
    them (FlashAttention: Q K^T, the softmax, P V) takes turns at the first
    run of consecutive gemms of its body: `tile.warpgroup_turn wait` before
    it, `pass` after it. Warpgroup 1 issues its Q K^T once warpgroup 0 has
    issued its own, so the two run half a step apart and one's softmax
    overlaps the other's gemms, instead of both issuing at once and then
    leaving the tensor cores idle during their softmax together. `start`
    before the loop gives warpgroup 0 the first turn and `finish` after it
    matches the last hand-over.

    Only the first run takes turns: on the H200, turns around every run
    (FlashAttention-3's ping-pong without its intra-warpgroup overlap) were
    slower than none (0.87-0.89x); around the first alone FlashAttention
    at head dim 128 ran between 0.98x and 1.11x (bimodal from run to run),
    so the pipeline adds this pass only with `--enable=pingpong`
    (docs/performance.md).

    A loop qualifies when all its gemms sit at the top of its body with
    wgmma accumulators, and the body does other work than gemms; a turn
    never spans a barrier of the whole block (which the other warpgroup,
    waiting for the turn, could not reach). Runs after tile-insert-barriers
    for that reason.

    ```mlir
    scf.for %k = %c0 to %n step %c1 {
      tile.warpgroup_turn wait
      tile.gemm %Q, %K, %S ...
      tile.warpgroup_turn pass
      tile.reduce max %S, %m dim(1) : ...
      tile.copy %S, %P : ...
      tile.gemm %P, %V, %O ...
    }
    ```
  }];
}

def TileRotateGemms : Pass<"tile-rotate-gemms", "::mlir::ModuleOp"> {
  let summary = "Issue a loop's last gemm in the next iteration, after its first gemm";
  let description = [{
    A loop of a kernel's block code (an `scf.for` without results, such as
    the consumers' loop tile-software-pipeline builds) whose body issues two
    or more gemms on wgmma accumulators, does other work between the first
    and the last, and ends with the last (with the waits for its stages
    before it and the stage releases, `tile.barrier_arrive`, after it) is
    rotated: iteration j's first gemm is followed by iteration j-1's last
    gemm, then by the rest of iteration j; the last iteration's last gemm
    follows the loop. Nothing is peeled (the body's code is not doubled):
    the last gemm's A, an on-chip buffer only the loop uses, is zeroed
    before the loop, and the first iteration runs the moved gemm on its own
    stages, adding nothing, and releases nothing. With the gemms left in
    flight (tile-lower-to-gpu's `wgmma-overlap`, which also holds a stage's
    release back until the gemms reading it are waited for) the tensor
    cores run the previous iteration's last gemm while the threads work on
    the first gemm's result: FlashAttention's P_{j-1} V_{j-1} during the
    softmax of S_j = Q K_j^T, as FlashAttention-3 overlaps them within a
    warpgroup.

    The rotation is sound when the head of an iteration (up to its first
    gemm) commutes with the tail of the previous one: neither writes what
    the other reads or writes, neither writes a tensor, the head holds no
    synchronization but mbarrier waits, the released mbarriers have two
    slots or more (the stage the head waits for was released an iteration
    earlier), the tail reads nothing the body writes but its A and C (its
    stages come from a producer's copies), and its gemm adds to C. The
    tail's operands are recomputed with the previous iteration's index
    (the first iteration's own) from the scalar code, views and read-only
    tensor loads of the body. A loop is left as it is where the block's
    register fragments and some headroom exceed the registers a thread has
    (the register file split over the block's threads, or with
    `setmaxnreg` the consumers' share where registers move to them: 224 of
    two consumer warpgroups, 160 of three): the rotated loop keeps the last
    gemm's operands live through the next iteration's work, and a spill
    costs more than the overlap gains.

    ```mlir
    scf.for %j = %c0 to %n step %c1 {
      tile.barrier_wait %full_k[%s] phase(%p) : <2xi64, shared>
      tile.gemm %Q, %K_j, %S {clear_accum, transpose_b} : ...
      tile.barrier_arrive %empty_k[%s] : <2xi64, shared>
      ... softmax of %S, %P = its probabilities ...
      tile.barrier_wait %full_v[%s] phase(%p) : <2xi64, shared>
      tile.gemm %P, %V_j, %O : ...
      tile.barrier_arrive %empty_v[%s] : <2xi64, shared>
    }
    // becomes
    tile.fill %P, %zero : ...
    scf.for %j = %c0 to %n step %c1 {
      %prev = arith.select %not_first, %j_minus_1, %c0 : index
      tile.barrier_wait %full_k[%s] phase(%p) : <2xi64, shared>
      tile.gemm %Q, %K_j, %S {clear_accum, transpose_b} : ...
      tile.barrier_wait %full_v[%s_prev] phase(%p_prev) : <2xi64, shared>
      tile.gemm %P, %V_prev, %O : ...
      scf.if %not_first {
        tile.barrier_arrive %empty_v[%s_prev] : <2xi64, shared>
      }
      tile.barrier_arrive %empty_k[%s] : <2xi64, shared>
      ... softmax of %S, %P = its probabilities ...
    }
    // and iteration n-1's P V and release.
    ```
  }];
  let options = [
    Option<"setmaxnreg", "setmaxnreg", "bool", "false",
           "NVIDIA sm_90a: registers move from the producer warpgroup of a "
           "warp-specialized block to its consumers where tile-lower-to-gpu "
           "moves them (its option of the same name)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def TileStreamK : Pass<"tile-stream-k", "::mlir::ModuleOp"> {
  let summary = "Share the k-loops of a persistent GEMM's last tiles out among all its blocks";
  let description = [{
    A persistent launch (tile-software-pipeline's `persistent`) runs
    min(tiles, SMs) blocks, each taking tiles in turn; when the tile count
    is not a multiple of the SM count, the last wave leaves SMs idle (64
    tiles on 132 SMs: half the GPU). This pass rewrites such a launch into
    stream-K form where its tiles are GEMM-like: the consumers' k-loop adds
    one wgmma gemm into a float32 accumulator that the tile clears before
    the loop and reads only after it, nothing before the loop has effects
    but that clear, and every tile's k-loop has the same bounds.

    The grid becomes the resident block count, and each block walks its
    pieces of work in one loop (both sides of the tile.warp_specialize
    alike, so that their stages stay in step): while the last wave of tiles
    would keep at least 85% of the blocks busy, whole tiles as before;
    otherwise the last two waves' tiles (or the only one's) become one
    range of k-loop iterations split evenly among all blocks, and a block
    runs its whole tiles, then its share of that range from its end to its
    start, one piece per tile it touches. A piece that does not end its
    tile stores its accumulator into the block's slot of a float32
    workspace (`stream_k_partials`) and signals its flag (`tile.signal`); a
    piece that ends a tile it did not start waits for the flags of the
    blocks holding the tile's earlier iterations (`tile.wait_signal`), adds
    their partials, and runs the tile's epilogue. Each block publishes its
    only partial before it waits for any, and waits only for blocks before
    it, so every wait ends while the blocks are resident together, as the
    persistent grid has them. The flags (`stream_k_flags`, zero-filled per
    call) are back at zero when the launch ends.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def TileCarryGemms : Pass<"tile-carry-gemms", "::mlir::ModuleOp"> {
  let summary = "Release a loop's stages one iteration late, so that its gemm stays in flight";
  let description = [{
    A loop of a kernel's block code (an `scf.for` without results, such as
    the consumers' loop of a pipelined GEMM) whose iteration waits for its
    stages, issues one gemm that adds to a wgmma accumulator and releases
    the stages (`tile.barrier_arrive`) is rewritten to release them one
    iteration later: iteration j releases iteration j - 1's stages right
    after issuing its own gemm (the arrivals marked `of_previous_iteration`),
    and the last iteration's stages are released after the loop. tile-lower-to-gpu
    (`wgmma-overlap`) then keeps each iteration's gemm in flight into the
    next: consecutive wgmmas into one accumulator run in issue order without
    a wait, and a release of the previous iteration's stages waits only
    for the gemms issued before this iteration (`wgmma.wait_group 1`), so
    the tensor cores never drain between iterations, as CUTLASS's Hopper
    mainloop keeps one wgmma batch in flight.

    Sound where the released barriers have two slots or more (the stage an
    iteration waits for was released an iteration earlier, or the producer
    would wait for the stage the consumer holds), the gemm adds to its
    accumulator (a gemm that clears it depends on no earlier one), nothing
    else in the iteration has effects but the waits before the gemm, and
    the released slots can be computed again from the induction variable
    (scalar code and views of the body). The producer refills a stage one
    iteration later than before: it runs at most `stages - 1` stages ahead.

    ```mlir
    scf.for %k = %c0 to %n step %c1 {
      %s = arith.remui %k, %c3 : index
      tile.barrier_wait %full[%s] phase(%p) : <3xi64, shared>
      tile.gemm %A_s, %B_s, %C ...
      tile.barrier_arrive %empty[%s] : <3xi64, shared>
    }
    // becomes
    scf.for %k = %c0 to %n step %c1 {
      %s = arith.remui %k, %c3 : index
      tile.barrier_wait %full[%s] phase(%p) : <3xi64, shared>
      tile.gemm %A_s, %B_s, %C ...
      %not_first = arith.cmpi sgt, %k, %c0 : index
      %k_prev = arith.select %not_first, %k_minus_1, %c0 : index
      %s_prev = arith.remui %k_prev, %c3 : index
      scf.if %not_first {
        tile.barrier_arrive %empty[%s_prev] of_previous_iteration : <3xi64, shared>
      }
    }
    scf.if %any {  // the last iteration's stage
      tile.barrier_arrive %empty[%s_last] : <3xi64, shared>
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def TilePlanSharedMemory : Pass<"tile-plan-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Place on-chip buffers in the dynamic shared memory, reusing dead ones' bytes";
  let description = [{
    Every kernel has one dynamic shared-memory array; each shared buffer and
    each fragment without a register layout gets a byte offset in it, set as
    `shared_offset` on its `tile.alloc`. A buffer is live from its first
    use to its last, each widened to the outermost loop or branch of the
    launch body that holds it; barriers (`mbarriers`) are live from their
    allocation, where they are initialized, to the end of their block (the
    bytes of a valid mbarrier are not reused). Buffers are placed first-fit in
    order of first use, away from the bytes of the buffers whose live range
    overlaps theirs, so a buffer reuses the bytes of buffers whose last use
    is behind. Offsets are 16-byte
    aligned, 1024-byte for swizzled buffers (the hardware swizzles address
    bits, which must agree with the offsets inside the buffer).

    ```mlir
    %a = tile.alloc {shared_offset = 0 : i64} : !tile.buffer<64x64xf16, shared>
    ```
  }];
}

def TileInsertBarriers : Pass<"tile-insert-barriers", "::mlir::ModuleOp"> {
  let summary = "Synchronize the block between tile operations whose threads would race";
  let description = [{
    A tile program reads as if its tile operations ran one after another;
    on a GPU each one is spread over the block's threads, so an operation
    may read what another thread wrote in an earlier one (a T.copy into
    shared memory, then the T.gemm reading it), or overwrite what another
    thread still reads. This pass inserts a `tile.barrier` before each
    tile operation (a T.Parallel loop counts as one, with its body) that
    reads bytes an earlier operation wrote, or writes bytes an earlier one
    read or wrote, with no barrier in between, and nowhere else.

    Bytes: shared buffers at the offsets tile-plan-shared-memory chose
    (buffers that reuse a dead buffer's bytes conflict with it); each tensor
    argument (the tensors of one launch do not overlap, as in TileLang and
    Triton); each tile.reduce's scratch.
    Fragments in registers and local buffers are private to a thread. The
    analysis follows the control flow: branches join, loops (`for`,
    `T.Pipelined`, and `while` with its condition block before every
    iteration) are iterated to a fixed point so that what one iteration
    leaves pending meets the next iteration's operations. The mbarrier protocol of tile-software-pipeline
    is kept: an asynchronous copy waits at its issue for earlier accesses
    to its target; its data is visible after tile.async_wait or
    tile.barrier_wait. The parts of a tile.warp_specialize get barriers of
    their own (named barriers of the part). A wgmma reads shared memory
    through the async proxy: a barrier before one whose operands were
    written by ordinary stores since the last fence carries `async_proxy`.

    ```mlir
    tile.copy %X, %S : ...           // global -> shared
    tile.barrier
    tile.reduce max %S, %m dim(1) clear : ...
    tile.parallel [128, 64] { ... %S ... %m ... }   // reads only: no barrier
    ```

    In a per-thread launch (one that reads `tile.thread_id`) each scalar
    load and store counts as an operation of every thread. Every thread
    must reach a block barrier, so a barrier that would fall inside a
    branch or loop whose condition or bounds depend on the thread index
    (through the index itself or values of local buffers) is an error at
    the access it orders.
  }];
  let options = [
    Option<"tma", "tma", "bool", "false",
           "The target stores tiles through TMA (sm_90): a copy of a whole "
           "swizzled shared tile into a tensor reads it through the async proxy, "
           "so the barrier before it carries async_proxy">,
    Option<"perThreadOnly", "per-thread-only", "bool", "false",
           "Synchronize per-thread launches only (the cpu target, which runs "
           "the other launches' tile operations whole, one after another)">
  ];
}

def TileNVVMGridConstants : Pass<"tile-nvvm-grid-constants", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Make the TMA tensor-map parameters 128-byte NVVM grid constants";
  let description = [{
    tile-lower-to-gpu passes TMA tensor maps as kernel parameters and lists
    them in the kernel's `tile.grid_constants`; the copies take their
    address, which must be the parameter's own (`.param` space), not a local
    copy. NVVM expresses that with `llvm.byval` plus `nvvm.grid_constant`,
    which are only accepted on an `llvm.func` kernel (the GPU to NVVM
    conversion drops them from a `gpu.func`), so this pass, run after that
    conversion, adds them.

    ```mlir
    llvm.func @k(%map: !llvm.ptr) attributes {tile.grid_constants = array<i32: 0>, ...}
    // becomes
    llvm.func @k(%map: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>,
                                  nvvm.grid_constant})
    ```
  }];
}

def TileNarrowCompares : Pass<"tile-narrow-compares", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Compare 64-bit integers on 32 bits where their ranges fit";
  let description = [{
    Index values lower to 64-bit integers on the GPU, and a 64-bit compare
    costs two instructions plus the 64-bit adds that feed it: the masks of
    attention kernels (`bx * block_M + i >= k * block_N + j`, once per
    element a thread holds) sit on the path before each tile's gemm. Integer
    range analysis (thread and block indices bounded by the kernel's known
    block and grid sizes, loop counters by their bounds) proves where both
    operands of an `arith.cmpi` fit 32 bits for its predicate; such a
    compare runs on i32, and so do the additions, subtractions and
    multiplications whose results only such compares use (their low 32 bits
    depend only on their operands' low 32 bits). A value that other ops use
    too (an address's row, say) is truncated once where it is defined and
    keeps its 64 bits, so that no value is computed in both widths; address
    arithmetic is unchanged. (LLVM folds a compare of two such truncations
    back into a 64-bit compare: what stays narrow is the arithmetic the
    compares own, like a mask's per-element sums.)

    ```mlir
    %row = arith.addi %base, %tid : index     // base shared with addresses
    %col = arith.addi %tid, %c3 : index
    %in = arith.cmpi sge, %row, %col : index  // both in [0, 2^31)
    // becomes
    %base32 = arith.index_cast %base : index to i32
    %tid32 = arith.index_cast %tid : index to i32
    %row32 = arith.addi %base32, %tid32 : i32
    %col32 = arith.addi %tid32, %c3_i32 : i32
    %in = arith.cmpi sge, %row32, %col32 : i32
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TileNVVMFastMath : Pass<"tile-nvvm-fast-math", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Approximable f32 exp2 as NVIDIA's flush-to-zero ex2 instruction";
  let description = [{
    An f32 `math.exp2` marked `fastmath<afn>` (`tilec --fast-math`, or
    TileLang's fast-math pass config) becomes the intrinsic
    `llvm.nvvm.ex2.approx.ftz.f`: one MUFU.EX2. libdevice's `__nv_exp2f`,
    which the GPU conversion picks otherwise, keeps subnormal results and
    wraps the instruction in a compare, two multiplies and a select, four
    instructions per element on the path between an attention kernel's two
    gemms. The approximation error is the same (2 ulp); results below
    2^-126 become 0, as under nvcc's `--use_fast_math`. Runs before the GPU
    to NVVM conversion.

    ```mlir
    %p = math.exp2 %x fastmath<afn> : f32
    // becomes
    %p = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"(%x) : (f32) -> f32
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TileROCDLFastMath : Pass<"tile-rocdl-fast-math", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Approximable f32 exp2 as AMD's bare v_exp_f32 instruction";
  let description = [{
    An f32 `math.exp2` marked `fastmath<afn>` (`tilec --fast-math`, or
    TileLang's fast-math pass config) becomes the intrinsic
    `llvm.amdgcn.exp2.f32`: one `v_exp_f32`. The device library's
    `__ocml_exp2_f32`, which the math conversion picks otherwise, keeps
    subnormal results by scaling the argument and the result around the
    instruction (a compare, two selects, an add and an `ldexp`), five
    instructions more per element on the path between an attention
    kernel's two gemms. Results below 2^-126 become 0, as with
    tile-nvvm-fast-math on NVIDIA. Runs before the math conversion.

    ```mlir
    %p = math.exp2 %x fastmath<afn> : f32
    // becomes
    %p = llvm.call_intrinsic "llvm.amdgcn.exp2.f32"(%x) : (f32) -> f32
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TileSerializePTX : Pass<"tile-serialize-ptx", "::mlir::ModuleOp"> {
  let summary = "Compile each gpu.module to PTX, its kernels through LLVM in parallel";
  let description = [{
    What `gpu-module-to-binary{format=isa}` does for NVVM targets, with the
    kernels of a module compiled at the same time: LLVM optimizes and
    selects instructions a function at a time, so a backward pass's two or
    three launches would otherwise take the sum of their times. Each kernel
    goes through the target's serializer in a module of its own (the
    module's globals and declarations, that kernel's definition), on the
    context's threads; the PTX texts are joined into one: the first
    module's header and declarations, then every kernel's entry in the
    module's order. Basic-block labels are numbered per module and scoped
    to their function in PTX, so the joined text differs from a whole-module
    compilation only in those numbers. Lines only some parts have are
    added ahead of the first entry where that is exact: `.extern`
    declarations and globals without contents (the zeros guarded loads
    read: one global of the module, the same line in each part that keeps
    it). A module with one kernel, with a device function (`.func`, which
    each part would define again), or whose parts have other lines of
    their own (a global with contents, which may differ under a name each
    part numbers alike) is compiled whole.

    ```mlir
    gpu.module @tilec_kernels [#nvvm.target<chip = "sm_90a">] {
      llvm.func @k_launch0(...) attributes {gpu.kernel, nvvm.kernel} { ... }
      llvm.func @k_launch1(...) attributes {gpu.kernel, nvvm.kernel} { ... }
    }
    // becomes
    gpu.binary @tilec_kernels [#gpu.object<#nvvm.target<chip = "sm_90a">,
                                           assembly = "...">]
    ```
  }];
  let options = [
    Option<"toolkitPath", "toolkit", "std::string", /*default=*/"\"\"",
           "The CUDA toolkit, for libdevice">,
  ];
}

#endif // TILEC_COMPILER_PASSES_TD
