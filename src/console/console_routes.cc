#include "console/console_routes.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "console/embedded_assets.h"

namespace sd::console {
namespace {

constexpr std::string_view content_security_policy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// A relative asset path is served only when every segment is a plain name (no "..", no empty segment).
bool safe_relative_path(std::string_view p) {
  if (p.empty() || p.front() == '/') return false;
  std::size_t pos = 0;
  while (pos <= p.size()) {
    auto slash = p.find('/', pos);
    if (slash == std::string_view::npos) slash = p.size();
    auto seg = p.substr(pos, slash - pos);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos) return false;
    pos = slash + 1;
  }
  return true;
}

std::optional<std::string> read_dev_file(const std::string& dev_dir, const std::string& rel) {
  std::string path = rel.rfind("vendor/", 0) == 0 ? dev_dir + "/../node_modules/uplot/dist/" + rel.substr(7)
                                                  : dev_dir + "/" + rel;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string_view> find_embedded(std::string_view rel) {
  const auto& assets = console_embedded_assets();
  auto it = std::lower_bound(assets.begin(), assets.end(), rel,
                             [](const embedded_asset& a, std::string_view p) { return a.path < p; });
  if (it == assets.end() || it->path != rel) return std::nullopt;
  return it->data;
}

http::response serve(const console_options& opt, const std::string& rel) {
  if (!safe_relative_path(rel)) return {404, "application/json", R"({"error":"no such console file","code":"not_found"})"};
  std::optional<std::string> body;
  if (!opt.dev_dir.empty()) {
    body = read_dev_file(opt.dev_dir, rel);
  } else if (auto data = find_embedded(rel)) {
    body = std::string(*data);
  }
  if (!body) return {404, "application/json", R"({"error":"no such console file","code":"not_found"})"};
  http::response r{200, content_type_for(rel), std::move(*body), {}};
  r.headers.emplace_back("Content-Security-Policy", std::string(content_security_policy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // The assets change only with the binary; revalidate so an upgraded broker is never paired with old scripts.
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace

std::string content_type_for(std::string_view path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void register_console_routes(http::http_server& http, console_options options) {
  http.get("/", [options](const http::request&) { return serve(options, "index.html"); });
  http.get_prefix("/console/", [options](const http::request& req) {
    return serve(options, std::string(std::string_view(req.path).substr(std::string_view("/console/").size())));
  });
}

}  // namespace sd::console
