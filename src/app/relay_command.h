#pragma once
// `streamdown relay --config relay.toml [--set key=value ...]`: runs the edge relay (relay/relay.h) until SIGTERM
// or SIGINT. Prints `relay ready http=HOST:PORT[ NAME=HOST:PORT ...]` once every source listens (the sources
// that listen, by name). Configuration errors exit 2 with a message naming the key; a spool or port that cannot
// be used exits 1.

namespace CLI {
class App;
}

namespace sd::app {

void add_relay_command(CLI::App& app);

}  // namespace sd::app
