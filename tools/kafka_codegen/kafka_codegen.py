#!/usr/bin/env python3
"""kafka_codegen: generate streamdown's C++ Kafka message codec from Apache Kafka's JSON message schemas.

Usage:
  kafka_codegen.py SCHEMA_DIR [--out src/protocol/generated] [--tests-out tests/unit/protocol/generated]
                   [--messages tools/kafka_codegen/messages.txt] [--upstream COMMIT]

SCHEMA_DIR is Kafka's clients/src/main/resources/common/message folder. The schema files start with `//` licence
comments, which are stripped before JSON parsing. Standard library only.

Per message the output has a struct (nested structs for nested fields) with
  void decode(sd::byte_reader& r, std::int16_t ver);
  void encode(sd::protocol::writer& w, std::int16_t ver) const;
  bool operator==(const T&) const = default;
honouring versions, nullableVersions, taggedVersions/tag, flexibleVersions (message and field level) and
defaults. The generated test helper `fill(T&, ver, seed)` populates every field present in a version.
"""


import argparse
import os
import re
import sys

from schema import (INT_READ, INT_WRITE, MAXV, PRIMS, Message, VRange, elem_min, ident, load_schema,
                    snake)

# ---------------------------------------------------------------------------------------------------------------
# C++ emission


def decode_value(f, target, rd, flex, null_expr, elem=False, ind="    ", msg=None):
    """Statements decoding one value of field f (an element when elem=True) into target."""
    kind = f.elem
    is_struct = f.struct is not None
    nullable = f.is_nullable_type() and not elem
    if f.is_array and not elem:
        out = [f"{ind}{{", f"{ind}  const std::int32_t n_ = sd::protocol::wire::read_array_len({rd}, {flex}, {null_expr}, {elem_min(f, msg)});"]
        if nullable:
            out.append(f"{ind}  if (n_ < 0) {{ {target}.reset(); }} else {{")
            out.append(f"{ind}  auto& v_ = {target}.emplace();")
        else:
            out.append(f"{ind}  auto& v_ = {target};")
            out.append(f"{ind}  v_.clear();")
        out.append(f"{ind}  for (std::int32_t i_ = 0; i_ < n_ && {rd}.ok(); ++i_) {{")
        out.append(f"{ind}    auto& e_ = v_.emplace_back();")
        out += decode_value(f, "e_", rd, flex, "false", elem=True, ind=ind + "    ", msg=msg)
        out.append(f"{ind}  }}")
        if nullable:
            out.append(f"{ind}  }}")
        out.append(f"{ind}}}")
        return out
    if is_struct:
        if nullable:
            return [f"{ind}if ({rd}.read_i8() < 0 && {null_expr}) {{ {target}.reset(); }} else {{ {target}.emplace().decode({rd}, ver); }}"]
        return [f"{ind}{target}.decode({rd}, ver);"]
    if kind in INT_READ:
        return [f"{ind}{target} = {rd}.{INT_READ[kind]}();"]
    if kind == "bool":
        return [f"{ind}{target} = sd::protocol::wire::read_bool({rd});"]
    if kind == "float64":
        return [f"{ind}{target} = sd::protocol::wire::read_f64({rd});"]
    if kind == "uuid":
        return [f"{ind}sd::protocol::wire::read_uuid({rd}, {target});"]
    if kind in ("string", "bytes"):
        if nullable:
            return [f"{ind}sd::protocol::wire::read_nullable_{kind}({rd}, {flex}, {null_expr}, {target});"]
        return [f"{ind}sd::protocol::wire::read_{kind}({rd}, {flex}, {target});"]
    if kind == "records":
        return [f"{ind}sd::protocol::wire::read_records({rd}, {flex}, {null_expr}, {target});"]
    raise SystemExit(f"cannot decode {kind}")


def encode_value(f, src, wr, flex, elem=False, ind="    "):
    kind = f.elem
    nullable = f.is_nullable_type() and not elem
    if f.is_array and not elem:
        out = []
        if nullable:
            out.append(f"{ind}if (!{src}) {{ {wr}.write_null_array({flex}); }} else {{")
            src = f"(*{src})"
        else:
            out.append(f"{ind}{{")
        out.append(f"{ind}  {wr}.write_array_len({src}.size(), {flex});")
        out.append(f"{ind}  for (const auto& e_ : {src}) {{")
        out += encode_value(f, "e_", wr, flex, elem=True, ind=ind + "    ")
        out.append(f"{ind}  }}")
        out.append(f"{ind}}}")
        return out
    if f.struct is not None:
        if nullable:
            return [f"{ind}if (!{src}) {{ {wr}.write_i8(-1); }} else {{ {wr}.write_i8(1); {src}->encode({wr}, ver); }}"]
        return [f"{ind}{src}.encode({wr}, ver);"]
    if kind in INT_WRITE:
        return [f"{ind}{wr}.{INT_WRITE[kind]}({src});"]
    if kind == "bool":
        return [f"{ind}{wr}.write_bool({src});"]
    if kind == "float64":
        return [f"{ind}{wr}.write_f64({src});"]
    if kind == "uuid":
        return [f"{ind}{wr}.write_uuid({src});"]
    if kind in ("string", "bytes"):
        if nullable:
            return [f"{ind}{wr}.write_nullable_{kind}({src}, {flex});"]
        return [f"{ind}{wr}.write_{kind}({src}, {flex});"]
    if kind == "records":
        return [f"{ind}{wr}.write_records({src}, {flex});"]
    raise SystemExit(f"cannot encode {kind}")


def flex_expr(f, msg, within):
    if f.flex_override is not None:
        return "(" + f.flex_override.intersect(msg.flexible).expr(within=within) + ")"
    return "flex_"


def regular_cond(f, valid):
    """Condition under which f is a regular (non-tagged) field, or None when it never is."""
    present = f.versions.expr(within=valid)
    if f.tagged.empty():
        return present
    t, v = f.tagged, f.versions
    if t.lo <= v.lo and t.hi >= v.hi:
        return None
    return f"{present} && !({t.expr(within=valid)})"


RESERVED_TOP = {"schema_name", "min_version", "max_version", "first_flexible_version", "api", "is_request"}


def emit_decl(s, msg, ind):
    if s.parent is None:
        clash = RESERVED_TOP & {f.cname for f in s.fields}
        if clash:
            raise SystemExit(f"{msg.name}: field names {clash} clash with the generated constants")
    out = []
    about = f"  // {msg.name}" if s.parent is None else ""
    out.append(f"{ind}struct {s.cname} {{{about}")
    for n in s.nested:
        out += emit_decl(n, msg, ind + "  ")
        out.append("")
    if s.parent is None:
        out.append(f"{ind}  static constexpr const char* schema_name = \"{msg.name}\";")
        out.append(f"{ind}  static constexpr std::int16_t min_version = {msg.valid.lo};")
        out.append(f"{ind}  static constexpr std::int16_t max_version = {msg.valid.hi};")
        ff = -1 if msg.flexible.empty() else msg.flexible.lo
        out.append(f"{ind}  /// First flexible version, or -1 when no version is flexible.")
        out.append(f"{ind}  static constexpr std::int16_t first_flexible_version = {ff};")
        if msg.api_key is not None:
            out.append(f"{ind}  static constexpr sd::protocol::api_key api = static_cast<sd::protocol::api_key>({msg.api_key});")
            out.append(f"{ind}  static constexpr bool is_request = {'true' if msg.kind == 'request' else 'false'};")
        out.append("")
    for f in s.fields:
        notes = []
        v = f.versions
        notes.append("versions none" if v.empty() else f"v{v.lo}+" if v.hi == MAXV else f"v{v.lo}-{v.hi}")
        if not f.nullable.empty():
            notes.append("nullable " + (f"v{f.nullable.lo}+" if f.nullable.hi == MAXV else f"v{f.nullable.lo}-{f.nullable.hi}"))
        if not f.tagged.empty():
            notes.append(f"tag {f.tag}")
        about = f.about if len(f.about) <= 150 else f.about[:147] + "..."
        out.append(f"{ind}  /// [{', '.join(notes)}] {about}".rstrip())
        init = f.init()
        out.append(f"{ind}  {f.ctype()} {f.cname}" + (f" = {init};" if init else "{};"))
    out.append(f"{ind}")
    if msg.kind == "response":
        out += emit_error_visitor(s, ind)
    out.append(f"{ind}  /// Reads this struct at version `ver`; failures put `r` into its failed state.")
    out.append(f"{ind}  void decode(sd::byte_reader& r, std::int16_t ver);")
    out.append(f"{ind}  /// Appends this struct at version `ver`. Fields absent in `ver` are not written.")
    out.append(f"{ind}  void encode(sd::protocol::writer& w, std::int16_t ver) const;")
    out.append(f"{ind}  bool operator==(const {s.cname}&) const = default;")
    out.append(f"{ind}}};")
    return out


def is_error_code(f):
    return f.name == "ErrorCode" and f.elem == "int16" and not f.is_array


def has_error_codes(s, seen=None):
    seen = seen or set()
    if id(s) in seen:
        return False
    seen.add(id(s))
    return any(is_error_code(f) or (f.struct is not None and has_error_codes(f.struct, seen)) for f in s.fields)


def emit_error_visitor(s, ind):
    """Responses: for_each_error_code(f) calls f(code) for every ErrorCode of this struct and the structs in it
    (the broker's error metrics count them; a field absent in a version keeps its default, 0)."""
    out = [f"{ind}  /// Calls f(code) for every ErrorCode field here and in the structs below (0 = no error).",
           f"{ind}  template <class F>",
           f"{ind}  void for_each_error_code([[maybe_unused]] F& f) const {{"]
    for f in s.fields:
        if is_error_code(f):
            out.append(f"{ind}    f({f.cname});")
        elif f.struct is not None and has_error_codes(f.struct):
            nullable = f.is_nullable_type()
            src = f"(*{f.cname})" if nullable else f.cname
            guard = f"if ({f.cname}) " if nullable else ""
            if f.is_array:
                out.append(f"{ind}    {guard}for (const auto& e_ : {src}) e_.for_each_error_code(f);")
            else:
                out.append(f"{ind}    {guard}{src}.for_each_error_code(f);")
    out.append(f"{ind}  }}")
    return out


def emit_defs(s, msg):
    out = []
    path = s.path()
    valid = msg.valid
    # decode
    out.append(f"void {path}::decode(sd::byte_reader& r, [[maybe_unused]] std::int16_t ver) {{")
    out.append(f"  [[maybe_unused]] const bool flex_ = {msg.flexible.expr(within=valid)};")
    for f in s.fields:
        if f.versions.empty():
            continue
        cond = regular_cond(f, valid)
        if cond is None:
            continue
        null_expr = f.nullable.expr(within=f.versions)
        body = decode_value(f, f.cname, "r", flex_expr(f, msg, valid), null_expr, ind="    ", msg=msg)
        if cond == "true":
            out += [l[2:] for l in body]
        else:
            out.append(f"  if ({cond}) {{")
            out += body
            out.append("  }")
    out.append("  if (flex_) {")
    tagged = sorted([f for f in s.fields if not f.tagged.empty()], key=lambda f: f.tag)
    out.append("    const std::uint32_t ntags_ = r.read_uvarint();")
    out.append("    for (std::uint32_t t_ = 0; t_ < ntags_ && r.ok(); ++t_) {")
    out.append("      [[maybe_unused]] const std::uint32_t tag_ = r.read_uvarint();")
    out.append("      sd::byte_reader sub_(r.read_span(r.read_uvarint()));")
    if tagged:
        out.append("      switch (tag_) {")
        for f in tagged:
            out.append(f"        case {f.tag}:")
            out.append(f"          if ({f.tagged.expr(within=valid)}) {{")
            out += decode_value(f, f.cname, "sub_", "true", f.nullable.expr(within=f.versions), ind="            ", msg=msg)
            out.append("          }")
            out.append("          break;")
        out.append("        default:")
        out.append("          break;  // unknown tags are skipped")
        out.append("      }")
    out.append("      if (!sub_.ok()) r.fail();")
    out.append("    }")
    out.append("  }")
    out.append("}")
    out.append("")
    # encode
    out.append(f"void {path}::encode([[maybe_unused]] sd::protocol::writer& w, [[maybe_unused]] std::int16_t ver) const {{")
    out.append(f"  [[maybe_unused]] const bool flex_ = {msg.flexible.expr(within=valid)};")
    for f in s.fields:
        if f.versions.empty():
            continue
        cond = regular_cond(f, valid)
        if cond is None:
            continue
        body = encode_value(f, f.cname, "w", flex_expr(f, msg, valid), ind="    ")
        if cond == "true":
            out += [l[2:] for l in body]
        else:
            out.append(f"  if ({cond}) {{")
            out += body
            out.append("  }")
    out.append("  if (flex_) {")
    if not tagged:
        out.append("    w.write_uvarint(0);")
    else:
        out.append("    std::uint32_t ntags_ = 0;")
        for f in tagged:
            init = f.init()
            out.append(f"    const bool has_{f.cname}_ = ({f.tagged.expr(within=valid)}) && !({f.cname} == decltype({f.cname}){{{init}}});")
            out.append(f"    ntags_ += has_{f.cname}_ ? 1 : 0;")
        out.append("    w.write_uvarint(ntags_);")
        for f in tagged:
            out.append(f"    if (has_{f.cname}_) {{")
            out.append(f"      w.write_uvarint({f.tag});")
            out.append("      sd::protocol::writer tw_;")
            out += encode_value(f, f.cname, "tw_", "true", ind="      ")
            out.append("      w.write_uvarint(tw_.size());")
            out.append("      w.append(std::move(tw_));")
            out.append("    }")
    out.append("  }")
    out.append("}")
    out.append("")
    return out


def file_base(group):
    return snake(group)


def banner(upstream, what):
    return [
        f"// GENERATED by tools/kafka_codegen/kafka_codegen.py from Apache Kafka's message schemas",
        f"// (apache/kafka commit {upstream}, clients/src/main/resources/common/message/, Apache-2.0).",
        f"// Do not edit: change the generator and run tools/kafka_codegen/regenerate.sh. {what}",
    ]


def emit_group(group, msgs, upstream, out_dir):
    base = file_base(group)
    h = banner(upstream, "") + [
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <optional>",
        "#include <string>",
        "#include <vector>",
        "",
        "#include \"base/byte_reader.h\"",
        "#include \"base/bytes.h\"",
        "#include \"protocol/buffer.h\"",
        "#include \"protocol/generated/api_keys.h\"",
        "#include \"protocol/writer.h\"",
        "",
        "namespace sd::protocol {",
        "",
    ]
    for m in msgs:
        h += emit_decl(m.root, m, "")
        h.append("")
    h.append("}  // namespace sd::protocol")
    cc = banner(upstream, "") + [
        f"#include \"protocol/generated/{base}.h\"",
        "",
        "#include <climits>",
        "#include <cstdint>",
        "#include <utility>",
        "",
        "#include \"protocol/wire.h\"",
        "",
        "namespace sd::protocol {",
        "",
    ]
    for m in msgs:
        for s in m.root.all_structs():
            cc += emit_defs(s, m)
    cc.append("}  // namespace sd::protocol")
    write(os.path.join(out_dir, base + ".h"), h)
    write(os.path.join(out_dir, base + ".cc"), cc)
    return base


def write(path, lines):
    text = "\n".join(l.rstrip() for l in lines).rstrip() + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def emit_api_keys(schema_dir, upstream, out_dir, generated_keys):
    apis = []
    for fn in sorted(os.listdir(schema_dir)):
        if not fn.endswith("Request.json"):
            continue
        s = load_schema(os.path.join(schema_dir, fn))
        if s.get("type") != "request" or "apiKey" not in s:
            continue
        v = VRange.parse(s["validVersions"])
        fl = VRange.parse(s.get("flexibleVersions", "none"))
        apis.append((s["apiKey"], s["name"][: -len("Request")], v.lo, v.hi, -1 if fl.empty() else fl.lo))
    apis.sort()
    h = banner(upstream, "") + [
        "#pragma once",
        "// Every Kafka API in the schema set: key, name, schema-valid version range and first flexible version",
        "// (which decides the request/response header version). `generated` marks APIs with a codec here.",
        "",
        "#include <cstdint>",
        "#include <string_view>",
        "",
        "namespace sd::protocol {",
        "",
        "enum class api_key : std::int16_t {",
    ]
    for k, n, *_ in apis:
        h.append(f"  {ident(n)} = {k},")
    h += [
        "};",
        "",
        "struct api_info {",
        "  api_key key;",
        "  std::string_view name;",
        "  std::int16_t min_version;",
        "  std::int16_t max_version;",
        "  std::int16_t first_flexible_version;  // -1: never flexible",
        "  bool generated;                        // request and response codecs exist in protocol/generated",
        "};",
        "",
        "/// The table entry for `key`, or nullptr for a key no schema defines.",
        "const api_info* find_api(std::int16_t key) noexcept;",
        "/// All entries, ordered by key.",
        "const api_info* api_table_begin() noexcept;",
        "const api_info* api_table_end() noexcept;",
        "",
        "}  // namespace sd::protocol",
    ]
    cc = banner(upstream, "") + [
        "#include \"protocol/generated/api_keys.h\"",
        "",
        "#include <iterator>",
        "",
        "namespace sd::protocol {",
        "namespace {",
        "",
        "constexpr api_info table[] = {",
    ]
    for k, n, lo, hi, ff in apis:
        gen = "true" if n in generated_keys else "false"
        cc.append(f"    {{api_key::{ident(n)}, \"{n}\", {lo}, {hi}, {ff}, {gen}}},")
    cc += [
        "};",
        "",
        "}  // namespace",
        "",
        "const api_info* find_api(std::int16_t key) noexcept {",
        "  for (const auto& a : table) {",
        "    if (static_cast<std::int16_t>(a.key) == key) return &a;",
        "  }",
        "  return nullptr;",
        "}",
        "const api_info* api_table_begin() noexcept { return std::begin(table); }",
        "const api_info* api_table_end() noexcept { return std::end(table); }",
        "",
        "}  // namespace sd::protocol",
    ]
    write(os.path.join(out_dir, "api_keys.h"), h)
    write(os.path.join(out_dir, "api_keys.cc"), cc)


# ---------------------------------------------------------------------------------------------------------------
# Test helper: fill(T&, ver, seed) populates every field present in `ver`.


def fill_value(f, target, seed_expr, k, elem=False, ind="  ", msg=None):
    kind = f.elem
    nullable = f.is_nullable_type() and not elem
    null_cond = f"({f.nullable.expr(within=msg.valid)}) && {seed_expr} >= 0 && ({seed_expr} + {k}) % 3 == 2"
    if f.is_array and not elem:
        out = []
        if nullable:
            out.append(f"{ind}if ({null_cond}) {{ {target}.reset(); }} else {{")
            out.append(f"{ind}  auto& v_ = {target}.emplace();")
        else:
            out.append(f"{ind}{{")
            out.append(f"{ind}  auto& v_ = {target};")
        out.append(f"{ind}  v_.clear();")
        out.append(f"{ind}  for (int i_ = 0; i_ < ({seed_expr} < 0 ? 1 : ({seed_expr} % 2) + 1); ++i_) {{")
        out.append(f"{ind}    auto& e_ = v_.emplace_back();")
        out += fill_value(f, "e_", f"({seed_expr} < 0 ? {seed_expr} : {seed_expr} + 1 + i_)", k, elem=True, ind=ind + "    ", msg=msg)
        out.append(f"{ind}  }}")
        out.append(f"{ind}}}")
        return out
    if f.struct is not None:
        if nullable:
            return [f"{ind}if ({null_cond}) {{ {target}.reset(); }} else {{ fill({target}.emplace(), ver, {seed_expr} < 0 ? {seed_expr} : {seed_expr} + {k}); }}"]
        return [f"{ind}fill({target}, ver, {seed_expr} < 0 ? {seed_expr} : {seed_expr} + {k});"]
    if kind in INT_READ:
        return [f"{ind}{target} = static_cast<{PRIMS[kind]}>({seed_expr} * 37 + {k});"]
    if kind == "bool":
        return [f"{ind}{target} = ({seed_expr} + {k}) % 2 == 0;"]
    if kind == "float64":
        return [f"{ind}{target} = {seed_expr} + 0.25 * {k};"]
    if kind == "uuid":
        return [f"{ind}for (std::size_t b_ = 0; b_ < {target}.size(); ++b_) {target}[b_] = static_cast<std::uint8_t>({seed_expr} + {k} + b_);"]
    if kind == "string":
        val = f"{seed_expr} < 0 ? std::string() : \"s\" + std::to_string({seed_expr}) + \"_{k}\""
    elif kind == "bytes":
        val = f"{seed_expr} < 0 ? sd::bytes() : sd::bytes{{static_cast<std::uint8_t>({seed_expr}), {k % 256}, 0xff}}"
    elif kind == "records":
        out = [f"{ind}{{", f"{ind}  static std::uint8_t buf_[] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}};"]
        if not f.nullable.empty():
            out.append(f"{ind}  {target}.is_null = {null_cond};")
        out.append(f"{ind}  if (!{target}.is_null) {target}.data = sd::mutable_byte_span(buf_, {seed_expr} < 0 ? 0u : static_cast<std::size_t>({seed_expr} % 10));")
        out.append(f"{ind}}}")
        return out
    else:
        raise SystemExit(kind)
    if nullable:
        return [f"{ind}if ({null_cond}) {{ {target}.reset(); }} else {{ {target} = {val}; }}"]
    return [f"{ind}{target} = {val};"]


def emit_fill(msgs, upstream, out_path, groups):
    decls, defs = [], []
    for m in msgs:
        for s in m.root.all_structs():
            t = "sd::protocol::" + s.path()
            decls.append(f"inline void fill({t}& m, std::int16_t ver, int seed);")
            defs.append(f"inline void fill({t}& m, [[maybe_unused]] std::int16_t ver, [[maybe_unused]] int seed) {{")
            for k, f in enumerate(s.fields, start=1):
                if f.versions.empty():
                    continue
                cond = f.versions.expr(within=m.valid)
                body = fill_value(f, "m." + f.cname, "seed", k, ind="    ", msg=m)
                defs.append(f"  if ({cond}) {{")
                defs += body
                defs.append("  }")
            defs.append("}")
            defs.append("")
    lines = banner(upstream, "Test helper.") + [
        "#pragma once",
        "// fill(message, ver, seed): sets every field present at `ver` to a seed-derived value (nullable fields are",
        "// null for some seeds, arrays have 1 or 2 elements). A negative seed gives the smallest encoding: empty",
        "// strings and bytes, non-null values, one minimal element per array. Used by the round-trip tests.",
        "",
        "#include <cstdint>",
        "#include <string>",
        "",
    ] + [f"#include \"protocol/generated/{g}.h\"" for g in groups] + [
        "",
        "namespace sd::protocol::testing {",
        "",
    ] + decls + [""] + defs + ["}  // namespace sd::protocol::testing"]
    write(out_path, lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap.add_argument("schema_dir")
    ap.add_argument("--out", default=os.path.join(root, "src/protocol/generated"))
    ap.add_argument("--tests-out", default=os.path.join(root, "tests/unit/protocol/generated"))
    ap.add_argument("--messages", default=os.path.join(here, "messages.txt"))
    ap.add_argument("--upstream", default=None,
                    help="upstream apache/kafka commit of the schemas (default: read from README.md next to SCHEMA_DIR)")
    a = ap.parse_args()
    if a.upstream is None:
        readme = os.path.join(os.path.dirname(os.path.abspath(a.schema_dir.rstrip("/"))), "README.md")
        found = None
        if os.path.exists(readme):
            with open(readme, encoding="utf-8") as f:
                m = re.search(r"commit ([0-9a-f]{40})", f.read())
                found = m.group(1) if m else None
        if not found:
            raise SystemExit("cannot find the upstream commit: pass --upstream")
        a.upstream = found

    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.tests_out, exist_ok=True)
    with open(a.messages, encoding="utf-8") as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    all_msgs, groups, api_names = [], [], set()
    for n in names:
        files = [n + "Request.json", n + "Response.json"]
        if not os.path.exists(os.path.join(a.schema_dir, files[0])):
            files = [n + ".json"]
        else:
            api_names.add(n)
        msgs = [Message(load_schema(os.path.join(a.schema_dir, fn))) for fn in files]
        groups.append(emit_group(n, msgs, a.upstream, a.out))
        all_msgs += msgs
    emit_api_keys(a.schema_dir, a.upstream, a.out, api_names)

    # all_messages.h: includes every generated header and lists every message for generic code.
    lines = banner(a.upstream, "") + [
        "#pragma once",
        "",
        "#include \"protocol/generated/api_keys.h\"",
    ] + [f"#include \"protocol/generated/{g}.h\"" for g in groups] + [
        "",
        "// SD_PROTOCOL_FOR_EACH_MESSAGE(X): X(type) for every generated message struct.",
        "#define SD_PROTOCOL_FOR_EACH_MESSAGE(X) \\",
    ] + [f"  X({ident(m.name)}) \\" for m in all_msgs] + [
        "  /* end of list */",
        "",
        "// SD_PROTOCOL_FOR_EACH_API(X): X(api_key enumerator, request type, response type) per generated API.",
        "#define SD_PROTOCOL_FOR_EACH_API(X) \\",
    ] + [f"  X({ident(n)}, {ident(n)}_request, {ident(n)}_response) \\" for n in names if n in api_names] + ["  /* end of list */"]
    write(os.path.join(a.out, "all_messages.h"), lines)
    emit_fill(all_msgs, a.upstream, os.path.join(a.tests_out, "fill.h"), groups)

    with open(os.path.join(a.out, "sources.cmake"), "w", encoding="utf-8") as f:
        f.write("# GENERATED by tools/kafka_codegen/kafka_codegen.py: the generated sources of sd_protocol.\n")
        f.write("set(SD_PROTOCOL_GENERATED_SOURCES\n")
        for g in ["api_keys"] + groups:
            f.write(f"  generated/{g}.cc\n")
        f.write(")\n")
    print(f"generated {len(all_msgs)} messages in {len(groups)} files into {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
