//===- Chips.cpp - facts of the GPU chips tilec compiles for --------------===//

#include "lib/Support/Chips.h"

#include "llvm/ADT/StringSwitch.h"

std::optional<tilec::ChipFacts> tilec::chipFacts(llvm::StringRef chip) {
  using Facts = std::optional<ChipFacts>;
  return llvm::StringSwitch<Facts>(chip)
      .Cases({"sm_90a", "sm_90"}, ChipFacts{132, 232448})
      .Case("sm_89", ChipFacts{0, 101376})
      .Case("sm_87", ChipFacts{0, 166912})
      .Case("sm_86", ChipFacts{0, 101376})
      .Case("sm_80", ChipFacts{108, 166912})
      .Case("sm_75", ChipFacts{0, 65536})
      .Case("sm_70", ChipFacts{0, 98304})
      .Case("gfx942", ChipFacts{304, 65536})
      .Case("gfx90a", ChipFacts{0, 65536})
      .Default(std::nullopt);
}
