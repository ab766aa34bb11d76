//===- Chips.h - facts of the GPU chips tilec compiles for ------*- C++ -*-===//
//
// One table of what kernels and the compiler ask about a target chip: its
// multiprocessor count (of the part each chip is compiled for first) and the
// shared memory one block may use. Read by the frontend's device queries
// (TileLang's driver.get_num_sms(), torch.cuda.get_device_properties) and by
// the NVPTX target's pipeline (persistent grids, shared-memory limits).
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_LIB_SUPPORT_CHIPS_H
#define TILEC_LIB_SUPPORT_CHIPS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace tilec {

struct ChipFacts {
  /// Multiprocessors (compute units) of the part the chip is compiled for
  /// first: H100 SXM and H200 for sm_90, A100 for sm_80, MI300X for gfx942;
  /// 0 where no part is assumed.
  int64_t smCount = 0;
  /// Shared memory (LDS) one block may opt in to, in bytes.
  int64_t sharedBytesPerBlock = 0;
};

/// The facts of `chip` ("sm_90a", "sm_80", "gfx942", ...), if tilec knows it.
std::optional<ChipFacts> chipFacts(llvm::StringRef chip);

} // namespace tilec

#endif // TILEC_LIB_SUPPORT_CHIPS_H
