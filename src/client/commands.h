#pragma once
// The tool subcommands of the `streamdown` binary: `topic`, `group`, `produce`, `consume`, `user`, `acl`,
// `verify`.

#include <CLI/CLI.hpp>

namespace sd::client {

/// Registers the subcommands on `app`. Each one runs as CLI11's callback during parsing; a failure prints
/// one clear line to stderr and ends parsing with CLI::RuntimeError(code): 1 for a failed operation,
/// 2 for bad usage or configuration (a malformed -X, an unknown librdkafka setting). main()'s CLI11_PARSE
/// turns that into the process exit code.
void add_commands(CLI::App& app);

}  // namespace sd::client
