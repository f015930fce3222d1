#pragma once
// The ledger file (layout in spool/format.h): read both slots, write the next generation into the older slot.
// A write is durable when write() returns ok: the slot is fdatasync'ed (and the directory synced once, when
// the write created the file).

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "io/filesystem.h"
#include "spool/format.h"

namespace sd::spool {

struct ledger_read {
  bool exists = false;
  int valid_slots = 0;                        // 0, 1 or 2
  std::optional<format::ledger_state> state;  // the valid slot with the highest generation
};

/// Reads <dir>/ledger without modifying anything (a missing file is exists == false, not an error).
result<ledger_read> read_ledger(io::filesystem& fs, const std::string& dir);

class ledger_writer {
 public:
  /// Opens (creating when missing) <dir>/ledger. last_generation: the generation read at open (0: none).
  static result<ledger_writer> open(io::filesystem& fs, const std::string& dir,
                                    std::uint64_t last_generation);

  /// Writes s as generation last+1 into slot (generation % 2) and syncs it. s.generation is overwritten.
  status write(format::ledger_state& s);

 private:
  std::shared_ptr<io::file> _file;
  std::uint64_t _generation = 0;
};

}  // namespace sd::spool
