#pragma once
// The `stdin` source reading any file descriptor (a pipe in tests). make_stdin_source(cfg, ctx) is
// make_fd_source(cfg, ctx, 0). The descriptor is not owned: the caller closes it after stop().

#include <memory>

#include "relay/source.h"

namespace sd::relay {

std::unique_ptr<source> make_fd_source(source_config cfg, source_context& ctx, int fd);

}  // namespace sd::relay
