// RUN: tile-opt %s --split-input-file --tile-convert-to-llvm --verify-diagnostics | FileCheck %s

// A tensor element: guarded where not marked `inside` (a read outside gives
// zero, a write outside is dropped), plain where it is. The buffer's values
// are read through the casts, so the constant stride stays a constant.
// CHECK-LABEL: gpu.func @elements
// CHECK: %[[X:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK:   %[[GEP:.*]] = llvm.getelementptr %arg0[%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, f32
// CHECK:   llvm.load %[[GEP]] : !llvm.ptr<1> -> f32
// CHECK: } else {
// CHECK:   arith.constant 0.000000e+00 : f32
// CHECK: }
// CHECK-NOT: scf.if
// CHECK: llvm.store %[[X]], %{{.*}} : f32, !llvm.ptr<1>
// CHECK: scf.if
// CHECK:   llvm.store
// CHECK-NOT: unrealized_conversion_cast
// CHECK-NOT: tile.
gpu.module @kernels {
  gpu.func @elements(%p: !llvm.ptr<1>, %n: i64) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %extent = arith.index_cast %n : i64 to index
    %A = builtin.unrealized_conversion_cast %p, %extent, %c1, %c0 : !llvm.ptr<1>, index, index, index to !tile.buffer<?xf32, global>
    %tid = gpu.thread_id x
    %x = tile.load %A[%tid] : !tile.buffer<?xf32, global>
    tile.store %x, %A[%tid] {inside} : !tile.buffer<?xf32, global>
    %next = arith.addi %tid, %c1 : index
    tile.store %x, %A[%next] : !tile.buffer<?xf32, global>
    gpu.return
  }
}

// -----

// A speculative read selects the address of a constant zero instead of
// branching.
// CHECK: llvm.mlir.global internal constant @tilec_zeros
// CHECK-LABEL: gpu.func @speculative
// CHECK: %[[ZEROS:.*]] = llvm.mlir.addressof @tilec_zeros : !llvm.ptr<1>
// CHECK: %[[AT:.*]] = llvm.select %{{.*}}, %{{.*}}, %[[ZEROS]] : i1, !llvm.ptr<1>
// CHECK: llvm.load %[[AT]] : !llvm.ptr<1> -> i32
// CHECK-NOT: scf.if
gpu.module @kernels {
  gpu.func @speculative(%p: !llvm.ptr<1>, %n: i64, %q: !llvm.ptr<1>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %extent = arith.index_cast %n : i64 to index
    %ids = builtin.unrealized_conversion_cast %p, %extent, %c1, %c0 : !llvm.ptr<1>, index, index, index to !tile.buffer<?xi32, global>
    %tid = gpu.thread_id x
    %id = tile.load %ids[%tid] {speculative} : !tile.buffer<?xi32, global>
    %out = builtin.unrealized_conversion_cast %q, %extent, %c1, %c0 : !llvm.ptr<1>, index, index, index to !tile.buffer<?xi32, global>
    tile.store %id, %out[%tid] {inside} : !tile.buffer<?xi32, global>
    gpu.return
  }
}

// -----

// Register slots: a #tile.cyclic fragment's slot is an element of the
// thread's private array; a 16-bit #tile.wgmma fragment holds two a word,
// read and written as a 2-element vector.
// CHECK-LABEL: gpu.func @slots
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %[[CYCLIC:.*]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK: %[[V:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> f32
// CHECK: %[[H:.*]] = arith.truncf %[[V]] : f32 to bf16
// CHECK: %[[PAIR:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, vector<2xbf16>
// CHECK: %[[OLD:.*]] = llvm.load %[[PAIR]] : !llvm.ptr -> vector<2xbf16>
// CHECK: %[[NEW:.*]] = llvm.insertelement %[[H]], %[[OLD]]
// CHECK: llvm.store %[[NEW]], %[[PAIR]] : vector<2xbf16>, !llvm.ptr
gpu.module @kernels {
  gpu.func @slots(%cyclic: !llvm.ptr, %packed: !llvm.ptr) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %F = builtin.unrealized_conversion_cast %cyclic, %c128, %c1, %c0 : !llvm.ptr, index, index, index to !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    %P = builtin.unrealized_conversion_cast %packed, %c64, %c64, %c64, %c1, %c0, %c0 : !llvm.ptr, index, index, index, index, index, index to !tile.buffer<64x64xbf16, fragment, #tile.wgmma<1>>
    %v = tile.load_slot %F[%c1] : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    %h = arith.truncf %v : f32 to bf16
    tile.store_slot %h, %P[%c3] : !tile.buffer<64x64xbf16, fragment, #tile.wgmma<1>>
    gpu.return
  }
}

// -----

// Vector accesses and the checks that guard them; a swizzled shared tile
// is addressed through its XOR pattern.
// CHECK-LABEL: gpu.func @vectors
// CHECK: llvm.ptrtoint %arg0 : !llvm.ptr<1> to i64
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
// CHECK-COUNT-4: llvm.extractelement
// CHECK: arith.xori
// CHECK: llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: llvm.store %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
gpu.module @kernels {
  gpu.func @vectors(%p: !llvm.ptr<1>, %n: i64, %s: !llvm.ptr<3>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %extent = arith.index_cast %n : i64 to index
    %X = builtin.unrealized_conversion_cast %p, %extent, %c1, %c0 : !llvm.ptr<1>, index, index, index to !tile.buffer<?xf32, global>
    %S = builtin.unrealized_conversion_cast %s, %c64, %c32, %c32, %c1, %c0, %c0 : !llvm.ptr<3>, index, index, index, index, index, index to !tile.buffer<64x32xf32, shared, #tile.swizzle<128>>
    %tid = gpu.thread_id x
    %first = arith.muli %tid, %c32 : index
    %last = arith.addi %first, %c3 : index
    %aligned = tile.aligned %X, 16 : !tile.buffer<?xf32, global>
    %inside = tile.in_bounds %X[%last] : !tile.buffer<?xf32, global>
    %ok = arith.andi %aligned, %inside : i1
    scf.if %ok {
      %a, %b, %c, %d = tile.load_vector %X[%first] : !tile.buffer<?xf32, global> -> f32, f32, f32, f32
      tile.store_vector (%a, %b, %c, %d : f32, f32, f32, f32), %S[%tid, %c0] : !tile.buffer<64x32xf32, shared, #tile.swizzle<128>>
    }
    gpu.return
  }
}

// -----

// 8-bit floats are stored as bytes: a read is the byte, bitcast (for
// tile-lower-float8).
// CHECK-LABEL: gpu.func @float8
// CHECK: %[[BYTE:.*]] = llvm.load %{{.*}} : !llvm.ptr<3> -> i8
// CHECK: arith.bitcast %[[BYTE]] : i8 to f8E4M3FN
gpu.module @kernels {
  gpu.func @float8(%s: !llvm.ptr<3>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %S = builtin.unrealized_conversion_cast %s, %c64, %c1, %c0 : !llvm.ptr<3>, index, index, index to !tile.buffer<64xf8E4M3FN, shared>
    %tid = gpu.thread_id x
    %x = tile.load %S[%tid] : !tile.buffer<64xf8E4M3FN, shared>
    %y = arith.extf %x : f8E4M3FN to f32
    gpu.return
  }
}

// -----

// A fragment held in registers has no element addresses.
gpu.module @kernels {
  gpu.func @register_element(%f: !llvm.ptr) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %F = builtin.unrealized_conversion_cast %f, %c128, %c1, %c0 : !llvm.ptr, index, index, index to !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    // expected-error @+1 {{a fragment held in registers is accessed element by element outside a loop over it}}
    %x = tile.load %F[%c1] : !tile.buffer<128xf32, fragment, #tile.cyclic<64>>
    gpu.return
  }
}

// -----

// One element's atomic add: a relaxed atomic, between fences where its
// memory order asks for them (acq_rel: on both sides); into a tensor,
// guarded at its edges unless marked `inside`.
// CHECK-LABEL: gpu.func @atomics
// CHECK: scf.if
// CHECK-NEXT: arith.addi
// CHECK: llvm.atomicrmw add %{{.*}}, %{{.*}} monotonic : !llvm.ptr<1>, i32
// CHECK-NEXT: }
// CHECK-NOT: scf.if
// CHECK: llvm.atomicrmw add %{{.*}}, %{{.*}} monotonic : !llvm.ptr<1>, i32
// CHECK-NOT: llvm.fence
// CHECK-NOT: scf.if
// CHECK: llvm.fence release
// CHECK-NEXT: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic : !llvm.ptr<3>, f32
// CHECK-NEXT: llvm.fence acquire
gpu.module @kernels {
  gpu.func @atomics(%p: !llvm.ptr<1>, %n: i64, %s: !llvm.ptr<3>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %extent = arith.index_cast %n : i64 to index
    %counts = builtin.unrealized_conversion_cast %p, %extent, %c1, %c0 : !llvm.ptr<1>, index, index, index to !tile.buffer<?xi32, global>
    %S = builtin.unrealized_conversion_cast %s, %c128, %c1, %c0 : !llvm.ptr<3>, index, index, index to !tile.buffer<128xf32, shared>
    %tid = gpu.thread_id x
    %one = arith.constant 1 : i32
    tile.atomic_add %one, %counts[%tid] : i32, !tile.buffer<?xi32, global>
    tile.atomic_add %one, %counts[%tid] {inside} : i32, !tile.buffer<?xi32, global>
    %half = arith.constant 0.5 : f32
    tile.atomic_add %half, %S[%tid] {memory_order = #tile<memory_order acq_rel>} : f32, !tile.buffer<128xf32, shared>
    gpu.return
  }
}

// -----

// A thread's own operations: its index, shuffles in the subgroup of 32 (a
// 16-bit value widened to a word, a 64-bit one as two words), an extent
// bound at launch and a constant one. A kernel reads its thread index once.
// CHECK-LABEL: gpu.func @thread_ops
// CHECK: %[[N:.*]] = arith.index_cast %arg1 : i64 to index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK-NOT: gpu.thread_id
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[I32:.*]] = arith.index_cast %[[LANE]] : index to i32
// CHECK: %[[WIDE:.*]] = arith.extui %{{.*}} : i16 to i32
// CHECK: gpu.shuffle idx %[[WIDE]], %[[I32]], %{{.*}} : i32
// CHECK: arith.trunci %{{.*}} : i32 to i16
// CHECK: arith.bitcast %{{.*}} : i16 to f16
// CHECK: arith.bitcast %{{.*}} : f64 to i64
// CHECK-COUNT-2: gpu.shuffle idx
// CHECK: arith.bitcast %{{.*}} : i64 to f64
// CHECK: arith.addi %[[TID]], %[[N]]
// CHECK: arith.addi %{{.*}}, %c8
// CHECK-NOT: tile.
gpu.module @kernels {
  gpu.func @thread_ops(%p: !llvm.ptr<1>, %n: i64, %h: f16, %d: f64) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %extent = arith.index_cast %n : i64 to index
    %A = builtin.unrealized_conversion_cast %p, %extent, %c8, %c8, %c1, %c0, %c0 : !llvm.ptr<1>, index, index, index, index, index, index to !tile.buffer<?x8xf32, global>
    %tid = tile.thread_id
    %partner = arith.xori %tid, %c1 : index
    %again = tile.thread_id
    %h2 = tile.shuffle %h from %partner : f16
    %d2 = tile.shuffle %d from %partner : f64
    %rows = tile.dim %A[0] : !tile.buffer<?x8xf32, global>
    %cols = tile.dim %A[1] : !tile.buffer<?x8xf32, global>
    %i = arith.addi %again, %rows : index
    %j = arith.addi %i, %cols : index
    %x = arith.extf %h2 : f16 to f32
    tile.store %x, %A[%c0, %j] : !tile.buffer<?x8xf32, global>
    gpu.return
  }
}

// -----

// Prints: the message is text ('%' doubled), floats print as double,
// integers as 64-bit, an i1 as 0 or 1. An assert traps where its
// condition is false.
// CHECK-LABEL: gpu.func @prints
// CHECK: %[[F:.*]] = arith.extf %arg0 : f32 to f64
// CHECK: gpu.printf "load 100%%: %f\0A", %[[F]] : f64
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: gpu.printf "%lld\0A", %[[I]] : i64
// CHECK: %[[B:.*]] = arith.extui %arg1 : i1 to i64
// CHECK: gpu.printf "flag: %lld\0A", %[[B]] : i64
// CHECK: %[[FAILED:.*]] = arith.xori %arg1, %true
// CHECK: scf.if %[[FAILED]] {
// CHECK:   llvm.intr.trap
// CHECK-NOT: tile.
gpu.module @kernels {
  gpu.func @prints(%x: f32, %ok: i1) kernel {
    tile.print %x {message = "load 100%"} : f32
    %tid = tile.thread_id
    tile.print %tid {message = ""} : index
    tile.print %ok {message = "flag"} : i1
    tile.assert %ok, "the flag must be set"
    gpu.return
  }
}

// -----

// Flags between blocks: a signal is a release fence and the flag's store;
// a wait spins on the flag, then an acquire fence and the flag's reset,
// all as atomics at GPU scope.
// CHECK-LABEL: gpu.func @flags
// CHECK: llvm.fence syncscope("device") release
// CHECK: llvm.store %{{.*}}, %{{.*}} atomic syncscope("device") monotonic {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK: scf.while : () -> () {
// CHECK:   %[[SEEN:.*]] = llvm.load %{{.*}} atomic syncscope("device") monotonic {alignment = 4 : i64} : !llvm.ptr<1> -> i32
// CHECK:   %[[UNSET:.*]] = arith.cmpi eq, %[[SEEN]], %{{.*}} : i32
// CHECK:   scf.condition(%[[UNSET]])
// CHECK: llvm.fence syncscope("device") acquire
// CHECK: llvm.store %{{.*}}, %{{.*}} atomic syncscope("device") monotonic {alignment = 4 : i64} : i32, !llvm.ptr<1>
gpu.module @kernels {
  gpu.func @flags(%p: !llvm.ptr<1>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %F = builtin.unrealized_conversion_cast %p, %c8, %c1, %c0 : !llvm.ptr<1>, index, index, index to !tile.buffer<8xi32, global>
    %bx = gpu.block_id x
    tile.signal %F[%bx] : !tile.buffer<8xi32, global>
    %previous = arith.subi %bx, %c1 : index
    tile.wait_signal %F[%previous] : !tile.buffer<8xi32, global>
    gpu.return
  }
}
