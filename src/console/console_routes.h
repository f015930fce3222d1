#pragma once
// console_routes: serves the web console on the broker's HTTP port (docs/CONSOLE.md):
//
//   GET /                 index.html
//   GET /console/<path>   an asset (JavaScript modules, CSS, uPlot under vendor/)
//
// The console is a static page: every action it takes goes through the documented HTTP API (/v1/...), so the
// same authentication and ACLs apply and a script can do whatever the page does. The assets are public to
// whoever may open the HTTP port (they hold no data); authentication, when required, covers them too, so a
// browser asks for credentials on first load and sends them with every API call.
//
// Responses carry a Content-Security-Policy that allows only this origin (no CDN, nothing fetched elsewhere).
// With `dev_dir` set (the STREAMDOWN_CONSOLE_DIR environment variable) the files are read from that directory
// on every request instead (vendor/ from <dev_dir>/../node_modules/uplot/dist), for editing the console
// without rebuilding.

#include <string>

#include "http/http_server.h"

namespace sd::console {

struct console_options {
  std::string dev_dir;  // empty: the embedded assets
};

/// The content type for a file name, by extension ("application/octet-stream" when unknown).
std::string content_type_for(std::string_view path);

void register_console_routes(http::http_server& http, console_options options);

}  // namespace sd::console
