#pragma once
// Offline views of a spool directory, for `streamdown spool inspect|verify`. Both open every file read-only,
// take no lock (they work beside a running relay, seeing a moment's state) and never modify anything.

#include <iosfwd>
#include <string>

#include "spool/spool.h"

namespace sd::spool {

/// Prints the ledger (relay id, forwarded_seq, drop counters, gaps) and every segment (seq range, records,
/// bytes, damage found); with `records`, then every record as one JSON line (lines starting with '{'):
///   {"seq":N,"timestamp":MS,"topic":"t","partition":P,"key":K,"value":V,"headers":[["name","value"],...]}
/// K and V are strings, or null for a null key/value; bytes that are not UTF-8 are base64 with
/// "key_encoding"/"value_encoding":"base64" (the record_json shape). Returns 0, or 2 when unreadable.
int inspect(const std::string& dir, std::ostream& out, bool records, io::filesystem* fs = nullptr);

/// Checks every segment header, every frame's CRC and the seq order, and the ledger slots. Prints one line
/// per problem and a summary. Returns 0 when clean, 1 when it found damage (what the next open would cut or
/// skip), 2 when the directory cannot be read.
int verify(const std::string& dir, std::ostream& out, io::filesystem* fs = nullptr);

}  // namespace sd::spool
