#include "spool/inspect.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "base/base64.h"
#include "spool/format.h"
#include "spool/ledger.h"
#include "spool/segment_scan.h"

namespace sd::spool {
namespace {

struct listed_segment {
  std::uint64_t name = 0;
  std::string file_name;
};

result<std::vector<listed_segment>> list_segments(io::filesystem& fs, const std::string& dir,
                                                  std::vector<std::string>* unknown) {
  auto entries = fs.list(dir);
  if (!entries) return entries.error();
  std::vector<listed_segment> out;
  for (const auto& e : *entries) {
    auto seq = e.is_dir ? std::nullopt : format::parse_segment_name(e.name);
    if (seq) {
      out.push_back({*seq, e.name});
    } else if (unknown != nullptr && e.name != format::lock_name && e.name != format::ledger_name) {
      unknown->push_back(e.name);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

// Structure only (lead and continuation bytes); json's replace handler covers the finer cases.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80)
      n = 0;
    else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
      n = 1;
    else if ((c & 0xF0) == 0xE0)
      n = 2;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
      n = 3;
    else
      return false;
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

void put_bytes(nlohmann::json& j, const char* field, const std::optional<std::string>& v) {
  if (!v) {
    j[field] = nullptr;
  } else if (valid_utf8(*v)) {
    j[field] = *v;
  } else {
    j[field] = b64_encode(*v);
    j[std::string(field) + "_encoding"] = "base64";
  }
}

std::string record_json(const record& r) {
  nlohmann::json j;
  j["seq"] = r.seq;
  j["timestamp"] = r.timestamp_ms;
  j["topic"] = valid_utf8(r.topic) ? r.topic : b64_encode(r.topic);
  j["partition"] = r.partition;
  put_bytes(j, "key", r.key);
  put_bytes(j, "value", r.value);
  nlohmann::json hs = nlohmann::json::array();
  for (const auto& [k, v] : r.headers) hs.push_back({k, v});
  j["headers"] = std::move(hs);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string gap_line(const gap& g) {
  std::string range = g.first_seq == 0
                          ? std::string("(no seq)")
                          : "[" + std::to_string(g.first_seq) + ", " + std::to_string(g.last_seq) + "]";
  return "  " + g.reason + " " + range + " records=" + std::to_string(g.records) +
         " bytes=" + std::to_string(g.bytes) + " at_ms=" + std::to_string(g.at_ms) + "\n";
}

}  // namespace

int inspect(const std::string& dir, std::ostream& out, bool records, io::filesystem* fsp) {
  io::filesystem& fs = fsp != nullptr ? *fsp : io::posix_filesystem();
  auto segs = list_segments(fs, dir, nullptr);
  if (!segs) {
    out << "spool " << dir << ": cannot list: " << segs.error().message() << "\n";
    return 2;
  }
  auto ledger = read_ledger(fs, dir);
  std::uint64_t forwarded = 0;
  out << "spool " << dir << "\n";
  if (!ledger) {
    out << "ledger: unreadable (" << ledger.error().message() << ")\n";
  } else if (!ledger->state) {
    out << "ledger: " << (ledger->exists ? "damaged (no valid slot)" : "missing") << "\n";
  } else {
    const auto& s = *ledger->state;
    forwarded = s.forwarded_seq;
    out << "relay_id: " << s.relay_id << "\n"
        << "forwarded_seq: " << s.forwarded_seq << "\n"
        << "ledger_generation: " << s.generation << " (valid slots " << ledger->valid_slots << ")\n"
        << "dropped_oldest_total: " << s.dropped_oldest_total << "\n"
        << "dropped_newest_total: " << s.dropped_newest_total << "\n"
        << "gaps: " << s.gaps.size() << " listed, " << s.gaps_total << " recorded in all\n";
    for (const gap& g : s.gaps) out << gap_line(g);
  }
  out << "segments: " << segs->size() << "\n";
  std::uint64_t prev = 0, total_bytes = 0, total_records = 0, unforwarded = 0;
  std::vector<std::string> lines;
  for (const auto& ls : *segs) {
    auto f = fs.open(dir + "/" + ls.file_name, io::open_mode::read_only);
    if (!f) {
      out << "  " << ls.file_name << " unreadable: " << f.error().message() << "\n";
      continue;
    }
    auto sc = scan_segment(**f, prev, [&](const record& r, std::uint64_t, std::uint64_t) {
      if (r.seq > forwarded) ++unforwarded;
      if (records) lines.push_back(record_json(r));
    });
    if (!sc) {
      out << "  " << ls.file_name << " unreadable: " << sc.error().message() << "\n";
      continue;
    }
    total_bytes += sc->file_size;
    total_records += sc->records;
    out << "  " << ls.file_name << " bytes=" << sc->file_size << " records=" << sc->records;
    if (sc->records > 0) out << " seq=" << sc->first_seq << ".." << sc->last_seq;
    if (sc->records > 0 && sc->last_seq <= forwarded) out << " forwarded";
    if (!sc->header_seq || *sc->header_seq != ls.name) out << " DAMAGED-HEADER";
    if (!sc->corrupt.empty()) out << " corrupt-ranges=" << sc->corrupt.size();
    if (sc->tail_bytes > 0) out << " torn-tail-bytes=" << sc->tail_bytes;
    out << "\n";
    prev = std::max(prev, sc->last_seq);
  }
  out << "total: bytes=" << total_bytes << " records=" << total_records << " unforwarded=" << unforwarded
      << "\n";
  for (const auto& l : lines) out << l << "\n";
  return 0;
}

int verify(const std::string& dir, std::ostream& out, io::filesystem* fsp) {
  io::filesystem& fs = fsp != nullptr ? *fsp : io::posix_filesystem();
  std::vector<std::string> unknown;
  auto segs = list_segments(fs, dir, &unknown);
  if (!segs) {
    out << "spool " << dir << ": cannot list: " << segs.error().message() << "\n";
    return 2;
  }
  std::uint64_t problems = 0;
  auto ledger = read_ledger(fs, dir);
  if (!ledger) {
    out << "ledger: unreadable: " << ledger.error().message() << "\n";
    ++problems;
  } else if (ledger->exists && !ledger->state) {
    out << "ledger: no valid slot\n";
    ++problems;
  } else if (!ledger->exists && !segs->empty()) {
    out << "ledger: missing beside segment files\n";
    ++problems;
  }
  for (const auto& u : unknown) out << "note: unknown entry " << u << " (ignored by the spool)\n";
  std::uint64_t prev = 0, frames = 0, bytes = 0;
  for (const auto& ls : *segs) {
    auto f = fs.open(dir + "/" + ls.file_name, io::open_mode::read_only);
    if (!f) {
      out << ls.file_name << ": cannot open: " << f.error().message() << "\n";
      ++problems;
      continue;
    }
    auto sc = scan_segment(**f, prev);
    if (!sc) {
      out << ls.file_name << ": cannot read: " << sc.error().message() << "\n";
      ++problems;
      continue;
    }
    frames += sc->records;
    bytes += sc->file_size;
    if (!sc->header_seq) {
      out << ls.file_name << ": damaged segment header\n";
      ++problems;
    } else if (*sc->header_seq != ls.name) {
      out << ls.file_name << ": header says first seq " << *sc->header_seq << "\n";
      ++problems;
    }
    for (const auto& c : sc->corrupt) {
      out << ls.file_name << ": " << (c.end - c.begin) << " damaged bytes at offset " << c.begin
          << " (bad CRC, length or seq order; next good seq " << c.next_seq << " after " << c.prev_seq
          << ")\n";
      ++problems;
    }
    if (sc->tail_bytes > 0) {
      out << ls.file_name << ": " << sc->tail_bytes << " bytes at offset " << sc->end
          << " are no valid frame (a torn tail: the next open cuts it)\n";
      ++problems;
    }
    prev = std::max(prev, sc->last_seq);
  }
  out << "verified " << segs->size() << " segments, " << frames << " records, " << bytes
      << " bytes: " << (problems == 0 ? "clean" : std::to_string(problems) + " problem(s)") << "\n";
  return problems == 0 ? 0 : 1;
}

}  // namespace sd::spool
