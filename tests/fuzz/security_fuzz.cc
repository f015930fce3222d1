// Fuzz target for the security module's parsers of untrusted input: SCRAM client messages (both steps of
// the server), PLAIN tokens, base64, ACL names and principal mapping rules. None may crash, hang or leak;
// a valid-looking but wrong SCRAM exchange must never reach status::done.
//   security_decode_fuzz: libFuzzer + ASan (clang, -DSTREAMDOWN_FUZZ=ON).
//   security_fuzz_corpus: the same body over generated seeds and their mutations (every build, label unit).

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "security/acl.h"
#include "base/base64.h"
#include "security/principal_mapping.h"
#include "security/scram.h"

namespace {

using namespace sd::security;

const scram_credential& test_credential(scram_algorithm a) {
  static const scram_credential c256 = make_scram_credential(scram_algorithm::sha256, "pw", 4096, "saltsaltsalt");
  static const scram_credential c512 = make_scram_credential(scram_algorithm::sha512, "pw", 4096, "saltsaltsalt");
  return a == scram_algorithm::sha256 ? c256 : c512;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // First byte picks the parser, the rest is its input.
  if (in.empty()) return 0;
  const unsigned sel = static_cast<unsigned char>(in[0]) % 6;
  in.remove_prefix(1);
  switch (sel) {
    case 0:
    case 1: {
      // A SCRAM exchange: the input split at the first NUL into client-first and client-final.
      auto alg = sel == 0 ? scram_algorithm::sha256 : scram_algorithm::sha512;
      scram_server s(alg, [alg](std::string_view user) -> std::optional<scram_credential> {
        if (user == "u") return test_credential(alg);
        return std::nullopt;
      });
      auto nul = in.find('\0');
      auto r1 = s.step(in.substr(0, nul));
      if (r1.st == scram_server::status::need_more && nul != std::string_view::npos) {
        auto r2 = s.step(in.substr(nul + 1));
        // The server nonce is random, so a fuzzed final message can never carry the right nonce and proof.
        if (r2.st == scram_server::status::done) __builtin_trap();
      }
      break;
    }
    case 2: (void)parse_plain(in); break;
    case 3: (void)sd::b64_decode(in); break;
    case 4: {
      (void)parse_operation(in);
      (void)parse_resource_type(in);
      (void)parse_pattern_type(in);
      (void)parse_permission(in);
      acl_binding b{resource_type::topic, std::string(in), pattern_type::prefixed, std::string(in), "*",
                    acl_operation::read, acl_permission::allow};
      (void)validate_binding(b);
      break;
    }
    case 5: {
      std::string error;
      // std::regex recursion grows with the pattern; bound the input as the config loader's line length does.
      if (in.size() > 512) break;
      if (auto m = principal_mapping::parse(in, &error)) (void)m->map("CN=alice,OU=eng,O=Acme,C=US");
      break;
    }
  }
  return 0;
}

#ifndef SD_LIBFUZZER
int main() {
  std::vector<std::string> seeds;
  auto add = [&](unsigned sel, std::string s) { seeds.push_back(std::string(1, static_cast<char>(sel)) + s); };
  for (unsigned alg : {0u, 1u}) {
    add(alg, std::string("n,,n=u,r=abcdefgh") + '\0' + "c=biws,r=abcdefghXYZ,p=AAAA");
    add(alg, std::string("n,,n=nobody,r=abcdefgh"));
    add(alg, std::string("y,,n=u,r=a,tokenauth=true") + '\0' + "c=eSws,r=a,p=");
    add(alg, std::string("n,a=u,n=u,r=abc=2C=3D") + '\0' + "c=bixhPXUsLA==,r=abcabc,p=dGVzdA==");
  }
  add(2, std::string("\0u\0pw", 5));
  add(2, std::string("u\0u\0pw", 6));
  add(3, "dGVzdA==");
  add(3, "dGVzd===");
  add(4, "describe-configs");
  add(4, "kafka-cluster");
  add(5, "RULE:^CN=(.*?),OU=eng.*$/$1/L,DEFAULT");
  add(5, "RULE:^CN=([^,]*).*$/$1\\/x/U, RULE:a/b/");
  std::size_t runs = 0;
  for (const auto& s : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    ++runs;
    // Every truncation and deterministic byte flips.
    for (std::size_t n = 0; n < s.size(); ++n, ++runs)
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), n);
    for (std::size_t i = 1; i < s.size(); ++i) {
      for (unsigned char v : {0x00, 0x2c, 0x3d, 0xff, 0x2f, 0x5c}) {
        std::string m = s;
        m[i] = static_cast<char>(v);
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(m.data()), m.size());
        ++runs;
      }
    }
  }
  std::printf("security fuzz corpus: %zu inputs, no crash\n", runs);
  return 0;
}
#endif
