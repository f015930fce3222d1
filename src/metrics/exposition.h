#pragma once
// exposition: the broker's /metrics page is the concatenation of sections, one per module probe or report
// (net, broker, storage, producer, group lag, alerts). Sections are registered at start-up (before the HTTP
// server starts) and rendered on the HTTP thread at scrape time, in registration order, into one text_writer,
// so the validation of text_writer.h spans the whole page (a family name used by two sections is caught).
// A section reads only thread-safe state (atomics, snapshots, blocking hops such as lag_source::collect_blocking).

#include <functional>
#include <string>
#include <vector>

#include "metrics/text_writer.h"

namespace sd::metrics {

using section_fn = std::function<void(text_writer&)>;

class exposition {
 public:
  void add_section(section_fn fn) { _sections.push_back(std::move(fn)); }
  std::string render() const {
    text_writer w;
    for (const auto& s : _sections) s(w);
    return w.take();
  }

 private:
  std::vector<section_fn> _sections;
};

}  // namespace sd::metrics
