#pragma once
// `streamdown bench`: registers the subcommand (produce | latency | consume) on the application's CLI11
// parser. The subcommand runs from its parse callback; a non-zero exit status is raised as
// CLI::RuntimeError(status), which CLI11_PARSE in main() turns into the process's exit code.

namespace CLI {
class App;
}

namespace sd::benchtool {

void add_command(CLI::App& app);

}  // namespace sd::benchtool
