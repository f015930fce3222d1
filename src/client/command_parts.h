#pragma once
// Internal to client/: one registration function per subcommand file, and the shared helpers they use.

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "client/kafka_setup.h"

namespace sd::client {

void add_topic_command(CLI::App& app);
void add_group_command(CLI::App& app);
void add_produce_command(CLI::App& app);
void add_consume_command(CLI::App& app);
void add_user_command(CLI::App& app);
void add_acl_command(CLI::App& app);
void add_transaction_command(CLI::App& app);
void add_verify_command(CLI::App& app);

/// -b/--bootstrap, -X (repeatable), --timeout on cmd, stored in o (which must outlive parsing).
void add_connection_flags(CLI::App* cmd, connection_options& o);

/// Runs fn, maps exceptions to messages and exit codes, and throws CLI::RuntimeError for a non-zero code.
void run_command(const std::string& name, const std::function<int()>& fn);

/// "k=v" arguments (e.g. --config) to a map; usage_error naming the flag for a malformed one.
std::map<std::string, std::string> parse_settings(const std::vector<std::string>& args, const std::string& flag);

}  // namespace sd::client
