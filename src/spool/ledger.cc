#include "spool/ledger.h"

#include "io/errc.h"

namespace sd::spool {

result<ledger_read> read_ledger(io::filesystem& fs, const std::string& dir) {
  ledger_read out;
  std::string path = dir + "/" + format::ledger_name;
  auto ex = fs.exists(path);
  if (!ex) return ex.error();
  if (!*ex) return out;
  out.exists = true;
  auto f = fs.open(path, io::open_mode::read_only);
  if (!f) return f.error();
  for (int slot = 0; slot < 2; ++slot) {
    bytes buf(format::ledger_slot_bytes);
    auto n = io::read_up_to(**f, file_pos(slot * format::ledger_slot_bytes), mutable_byte_span(buf));
    if (!n) return n.error();
    auto s = format::decode_ledger_slot(byte_span(buf.data(), *n));
    if (!s) continue;
    ++out.valid_slots;
    if (!out.state || s->generation > out.state->generation) out.state = std::move(*s);
  }
  return out;
}

result<ledger_writer> ledger_writer::open(io::filesystem& fs, const std::string& dir,
                                          std::uint64_t last_generation) {
  std::string path = dir + "/" + format::ledger_name;
  auto ex = fs.exists(path);
  if (!ex) return ex.error();
  auto f = fs.open(path, io::open_mode::create);
  if (!f) return f.error();
  if (!*ex) SD_TRY(fs.sync_dir(dir));  // the new name must survive before any slot in it is relied on
  ledger_writer w;
  w._file = std::move(*f);
  w._generation = last_generation;
  return w;
}

status ledger_writer::write(format::ledger_state& s) {
  s.generation = _generation + 1;
  bytes image = format::encode_ledger_slot(s);
  // The slot not holding the newest generation is overwritten; the newest stays intact until this is durable.
  file_pos at(static_cast<std::uint64_t>(s.generation % 2) * format::ledger_slot_bytes);
  SD_TRY(io::write_all(*_file, at, image));
  SD_TRY(_file->datasync());
  _generation = s.generation;
  return ok();
}

}  // namespace sd::spool
