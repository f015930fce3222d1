"""Schema model for kafka_codegen: version ranges, fields, structs and messages parsed from Kafka's JSON
message schemas, plus C++ naming and minimum encoded sizes. Standard library only."""

import json
import re

MAXV = 0x7FFF

PRIMS = {
    "bool": "bool",
    "int8": "std::int8_t",
    "int16": "std::int16_t",
    "uint16": "std::uint16_t",
    "int32": "std::int32_t",
    "uint32": "std::uint32_t",
    "int64": "std::int64_t",
    "float64": "double",
    "string": "std::string",
    "bytes": "sd::bytes",
    "uuid": "sd::protocol::uuid",
    "records": "sd::protocol::records",
}
INT_READ = {
    "int8": "read_i8", "int16": "read_i16", "uint16": "read_u16", "int32": "read_i32",
    "uint32": "read_u32", "int64": "read_i64",
}
INT_WRITE = {
    "int8": "write_i8", "int16": "write_i16", "uint16": "write_u16", "int32": "write_i32",
    "uint32": "write_u32", "int64": "write_i64",
}
KEYWORDS = set("""alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield
decltype default delete do double dynamic_cast else enum explicit export extern false float for friend goto if
inline int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
register reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch
template this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq r w ver""".split())


class VRange:
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @staticmethod
    def parse(s):
        if s is None:
            return VRange(None, None)
        s = str(s).strip()
        if s == "none" or s == "":
            return VRange(None, None)
        if s.endswith("+"):
            return VRange(int(s[:-1]), MAXV)
        if "-" in s:
            a, b = s.split("-")
            return VRange(int(a), int(b))
        return VRange(int(s), int(s))

    def empty(self):
        return self.lo is None

    def intersect(self, o):
        if self.empty() or o.empty():
            return VRange(None, None)
        lo, hi = max(self.lo, o.lo), min(self.hi, o.hi)
        return VRange(lo, hi) if lo <= hi else VRange(None, None)

    def contains(self, v):
        return not self.empty() and self.lo <= v <= self.hi

    def expr(self, var="ver", within=None):
        """C++ condition; `within` is the range already known to hold (simplifies the test)."""
        if self.empty():
            return "false"
        lo, hi = self.lo, self.hi
        wlo, whi = (within.lo, within.hi) if within and not within.empty() else (0, MAXV)
        need_lo = lo > wlo
        need_hi = hi < whi
        if not need_lo and not need_hi:
            return "true"
        if lo == hi:
            return f"{var} == {lo}"
        if need_lo and need_hi:
            return f"({var} >= {lo} && {var} <= {hi})"
        if need_lo:
            return f"{var} >= {lo}"
        return f"{var} <= {hi}"


def strip_comments(text):
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(strip_comments(f.read()))


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def ident(name):
    s = snake(name)
    return s + "_" if s in KEYWORDS else s


class Field:
    def __init__(self, d, msg):
        self.name = d["name"]
        self.cname = ident(self.name)
        self.type = d["type"]
        self.about = d.get("about", "").replace("\n", " ")
        self.versions = VRange.parse(d.get("versions"))
        self.nullable = VRange.parse(d.get("nullableVersions")).intersect(self.versions)
        self.tagged = VRange.parse(d.get("taggedVersions")).intersect(self.versions)
        self.tag = d.get("tag")
        if not self.tagged.empty() and self.tag is None:
            raise SystemExit(f"{msg.name}.{self.name}: taggedVersions without tag")
        self.flex_override = VRange.parse(d["flexibleVersions"]) if "flexibleVersions" in d else None
        self.default = d.get("default")
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None
        if self.elem not in PRIMS:
            if "fields" in d:
                self.struct = Struct(self.elem, d["fields"], msg)
            elif self.elem in msg.common:
                self.struct = msg.common[self.elem]
                self.struct_is_common = True
            else:
                raise SystemExit(f"{msg.name}.{self.name}: unknown type {self.type}")
        self.struct_is_common = self.struct is not None and "fields" not in d

    def is_nullable_type(self):
        return not self.nullable.empty() and self.elem != "records"

    def elem_ctype(self):
        return self.struct.cname if self.struct else PRIMS[self.elem]

    def ctype(self):
        t = self.elem_ctype()
        if self.is_array:
            t = f"std::vector<{t}>"
        if self.is_nullable_type():
            t = f"std::optional<{t}>"
        return t

    def init(self):
        """Initializer (without braces) for the member, or '' for value-initialisation."""
        d = self.default
        if self.is_array or self.struct:
            return ""
        if d is None:
            if self.elem in INT_READ or self.elem == "float64":
                return "0"
            if self.elem == "bool":
                return "false"
            return ""
        d = str(d)
        if d == "null":
            return ""
        if self.elem in INT_READ:
            v = int(d, 0)
            if self.elem in ("int32", "int64") and v == -(2 ** 31):
                return "INT32_MIN" if self.elem == "int32" else "-2147483648LL"
            return str(v)
        if self.elem == "bool":
            return "true" if d.lower() == "true" else "false"
        if self.elem == "float64":
            return str(float(d))
        if self.elem == "string":
            return json.dumps(d) if d != "" else ""
        raise SystemExit(f"unsupported default {d!r} for {self.name} ({self.type})")


class Struct:
    def __init__(self, type_name, fields, msg, cname=None):
        self.type_name = type_name
        self.cname = cname or ident(type_name)
        self.fields = [Field(f, msg) for f in fields]
        self.parent = None
        self.nested = []  # structs declared inside this one
        for f in self.fields:
            if f.struct and not f.struct_is_common:
                f.struct.parent = self
                self.nested.append(f.struct)
        names = {f.cname for f in self.fields}
        for s in self.nested:
            own = {f.cname for f in s.fields}
            while s.cname in names or s.cname in own or s.cname == self.cname:
                s.cname += "_data"

    def path(self):
        return (self.parent.path() + "::" if self.parent else "") + self.cname

    def all_structs(self):
        yield self
        for s in self.nested:
            yield from s.all_structs()


class Message:
    def __init__(self, schema):
        self.name = schema["name"]
        self.api_key = schema.get("apiKey")
        self.kind = schema.get("type")
        self.valid = VRange.parse(schema["validVersions"])
        self.flexible = VRange.parse(schema.get("flexibleVersions", "none"))
        self.common = {}
        common = []
        for c in schema.get("commonStructs", []):
            s = Struct(c["name"], [], self)
            self.common[c["name"]] = s
            common.append((s, c))
        for s, c in common:  # second pass: common structs may refer to each other
            full = Struct(c["name"], c["fields"], self)
            s.fields, s.nested = full.fields, full.nested
            for n in s.nested:
                n.parent = s
        self.root = Struct(self.name, schema["fields"], self)
        for s, _ in common:
            s.parent = self.root
            self.root.nested.insert(0, s)


# ---------------------------------------------------------------------------------------------------------------
# Minimum encoded sizes: an array count is checked against remaining / min element size, which bounds the
# memory a hostile count can make the decoder allocate.

FIXED = {"bool": 1, "int8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "int64": 8, "float64": 8, "uuid": 16}


def value_min(f, msg, v, elem=False):
    flex = f.flex_override.contains(v) if f.flex_override is not None else msg.flexible.contains(v)
    if f.is_array and not elem:
        return 1 if flex else 4
    if f.struct is not None:
        if f.is_nullable_type() and not elem:
            return 1
        return struct_min(f.struct, msg, v)
    if f.elem in FIXED:
        return FIXED[f.elem]
    if f.elem == "string":
        return 1 if flex else 2
    return 1 if flex else 4  # bytes, records


def struct_min(s, msg, v):
    n = 1 if msg.flexible.contains(v) else 0
    for f in s.fields:
        if f.versions.contains(v) and not f.tagged.contains(v):
            n += value_min(f, msg, v)
    return n


def elem_min(f, msg):
    """Smallest encoding of one element of array field f over every version where f exists (>= 1)."""
    sizes = [value_min(f, msg, v, elem=True) for v in range(msg.valid.lo, msg.valid.hi + 1) if f.versions.contains(v)]
    return max(1, min(sizes)) if sizes else 1
