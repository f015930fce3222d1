// streamdown: one binary, subcommands. Only this module wires the others together.
#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"streamdown: ordered, back-pressured, durable streaming (Kafka wire protocol)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "streamdown 0.1.0");
  CLI11_PARSE(app, argc, argv);
  return 0;
}
