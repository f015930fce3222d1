#pragma once
// `streamdown spool inspect DIR [--records]` and `streamdown spool verify DIR`: offline views of a relay
// spool (spool/inspect.h). Each runs from its parse callback; a non-zero exit status is raised as
// CLI::RuntimeError(status), which CLI11_PARSE in main() turns into the process's exit code.

namespace CLI {
class App;
}

namespace sd::spool {

void add_command(CLI::App& app);

}  // namespace sd::spool
