#include "spool/command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "spool/inspect.h"

namespace sd::spool {

void add_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("spool", "offline inspection of a relay spool directory (read-only, no lock)");
  cmd->require_subcommand(1);
  // Options live as long as the parser: the callbacks run during parsing.
  static std::string inspect_dir, verify_dir;
  static bool with_records = false;

  auto* ins =
      cmd->add_subcommand("inspect", "segments, seq ranges, bytes, forwarded_seq and gaps of a spool");
  ins->add_option("dir", inspect_dir, "spool directory")->required();
  ins->add_flag("--records", with_records, "also print every record as one JSON line");
  ins->callback([] {
    int rc = inspect(inspect_dir, std::cout, with_records);
    std::cout.flush();
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto* ver = cmd->add_subcommand("verify",
                                  "check every frame's CRC and the seq order; exit 0 clean, 1 damage, "
                                  "2 unreadable");
  ver->add_option("dir", verify_dir, "spool directory")->required();
  ver->callback([] {
    int rc = verify(verify_dir, std::cout);
    std::cout.flush();
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sd::spool
