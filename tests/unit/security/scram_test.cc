#include "security/scram.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>
#include <string>
#include <vector>

namespace sd::security {
namespace {

// RFC 7677 section 3 (SCRAM-SHA-256 example), checked independently with Python's hashlib.
constexpr std::string_view rfc_client_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view rfc_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
    "Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view rfc_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
// base64 "W22ZaJ0SNY7soEsUEjb6gQ==" decoded.
const std::string rfc_salt("\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81", 16);

// Test iterations: the minimum, so the suite stays fast.
constexpr std::int32_t iters = min_scram_iterations;

scram_server::credential_lookup lookup_from(std::map<std::string, scram_credential, std::less<>> users) {
  return [users = std::move(users)](std::string_view u) -> std::optional<scram_credential> {
    const auto it = users.find(u);
    if (it == users.end()) return std::nullopt;
    return it->second;
  };
}

// --- An independent SCRAM client computation, to build final messages the scram_client never sends
// (librdkafka's repeated nonce, "y,," and authzid gs2 headers). ---
const EVP_MD* md(scram_algorithm a) {
  return a == scram_algorithm::sha512 ? EVP_sha512() : EVP_sha256();
}

std::string test_hmac(scram_algorithm a, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md(a), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string test_b64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// without_proof + ",p=" + proof for the given AuthMessage parts.
std::string manual_final(scram_algorithm a, std::string_view password, const scram_credential& cred,
                         std::string_view client_first_bare, std::string_view server_first,
                         const std::string& without_proof) {
  const std::size_t dlen = a == scram_algorithm::sha512 ? 64 : 32;
  std::string salted(dlen, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(cred.salt.data()),
                    static_cast<int>(cred.salt.size()), cred.iterations, md(a), static_cast<int>(dlen),
                    reinterpret_cast<unsigned char*>(salted.data()));
  const std::string client_key = test_hmac(a, salted, "Client Key");
  unsigned char stored[EVP_MAX_MD_SIZE];
  unsigned int slen = 0;
  EVP_Digest(client_key.data(), client_key.size(), stored, &slen, md(a), nullptr);
  const std::string auth =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  const std::string sig = test_hmac(a, std::string(reinterpret_cast<char*>(stored), slen), auth);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ sig[i]);
  return without_proof + ",p=" + test_b64(proof);
}

// The r= value of a server-first message.
std::string nonce_of(std::string_view server_first) {
  const auto end = server_first.find(',');
  return std::string(server_first.substr(2, end - 2));
}

TEST(ScramRfc7677, ClientMatchesVector) {
  scram_client client(scram_algorithm::sha256, "user", "pencil", std::string(rfc_client_nonce));
  EXPECT_EQ(client.first_message(), rfc_client_first);
  const auto final_msg = client.final_message(rfc_server_first);
  ASSERT_TRUE(final_msg) << client.error();
  EXPECT_EQ(*final_msg, rfc_client_final);
  EXPECT_TRUE(client.verify_server_final(rfc_server_final)) << client.error();
}

TEST(ScramRfc7677, ServerMatchesVector) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pencil", 4096, rfc_salt);
  EXPECT_EQ(cred.salt, rfc_salt);
  scram_server server(scram_algorithm::sha256, lookup_from({{"user", cred}}), std::string(rfc_server_nonce));
  const auto first = server.step(rfc_client_first);
  ASSERT_EQ(first.st, scram_server::status::need_more) << first.error;
  EXPECT_EQ(first.reply, rfc_server_first);
  const auto last = server.step(rfc_client_final);
  ASSERT_EQ(last.st, scram_server::status::done) << last.error;
  EXPECT_EQ(last.reply, rfc_server_final);
  EXPECT_EQ(server.user(), "user");
}

TEST(Scram, MechanismNames) {
  EXPECT_EQ(mechanism_name(scram_algorithm::sha256), "SCRAM-SHA-256");
  EXPECT_EQ(mechanism_name(scram_algorithm::sha512), "SCRAM-SHA-512");
  EXPECT_EQ(scram_from_mechanism("SCRAM-SHA-256"), scram_algorithm::sha256);
  EXPECT_EQ(scram_from_mechanism("SCRAM-SHA-512"), scram_algorithm::sha512);
  EXPECT_EQ(scram_from_mechanism("scram-sha-256"), std::nullopt);
  EXPECT_EQ(scram_from_mechanism("PLAIN"), std::nullopt);
}

TEST(Scram, CredentialDerivation) {
  for (auto a : {scram_algorithm::sha256, scram_algorithm::sha512}) {
    const std::size_t dlen = a == scram_algorithm::sha512 ? 64 : 32;
    const auto c1 = make_scram_credential(a, "secret", iters);
    const auto c2 = make_scram_credential(a, "secret", iters);
    EXPECT_EQ(c1.algorithm, a);
    EXPECT_EQ(c1.iterations, iters);
    EXPECT_EQ(c1.salt.size(), 32u);
    EXPECT_NE(c1.salt, c2.salt);  // fresh random salt each time
    EXPECT_EQ(c1.stored_key.size(), dlen);
    EXPECT_EQ(c1.server_key.size(), dlen);
    EXPECT_NE(c1.stored_key, c2.stored_key);

    // The SaltedPassword path (AlterUserScramCredentials) gives the same credential.
    std::string salted(dlen, '\0');
    PKCS5_PBKDF2_HMAC("secret", 6, reinterpret_cast<const unsigned char*>(c1.salt.data()),
                      static_cast<int>(c1.salt.size()), iters, md(a), static_cast<int>(dlen),
                      reinterpret_cast<unsigned char*>(salted.data()));
    EXPECT_EQ(credential_from_salted_password(a, salted, c1.salt, iters), c1);
  }
}

TEST(Scram, VerifyPassword) {
  for (auto a : {scram_algorithm::sha256, scram_algorithm::sha512}) {
    const auto cred = make_scram_credential(a, "correct horse", iters);
    EXPECT_TRUE(verify_password(cred, "correct horse"));
    EXPECT_FALSE(verify_password(cred, "correct hors"));
    EXPECT_FALSE(verify_password(cred, ""));
    auto broken = cred;
    broken.stored_key.clear();
    EXPECT_FALSE(verify_password(broken, "correct horse"));
  }
  // Empty passwords are derivable and checkable like any other.
  const auto empty = make_scram_credential(scram_algorithm::sha256, "", iters);
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, "x"));
  // A derivation that cannot run yields a credential nothing matches.
  const auto bad = make_scram_credential(scram_algorithm::sha256, "pw", 0);
  EXPECT_TRUE(bad.stored_key.empty());
  EXPECT_FALSE(verify_password(bad, "pw"));
}

TEST(Scram, RoundTripBothAlgorithms) {
  for (auto a : {scram_algorithm::sha256, scram_algorithm::sha512}) {
    SCOPED_TRACE(std::string(mechanism_name(a)));
    const auto cred = make_scram_credential(a, "s3cret", iters);
    scram_server server(a, lookup_from({{"alice", cred}}));
    scram_client client(a, "alice", "s3cret");
    const auto first = server.step(client.first_message());
    ASSERT_EQ(first.st, scram_server::status::need_more) << first.error;
    const auto final_msg = client.final_message(first.reply);
    ASSERT_TRUE(final_msg) << client.error();
    const auto last = server.step(*final_msg);
    ASSERT_EQ(last.st, scram_server::status::done) << last.error;
    EXPECT_TRUE(client.verify_server_final(last.reply)) << client.error();
    EXPECT_EQ(server.user(), "alice");
    // The server nonce part: 32 random bytes, base64.
    const std::string combined = nonce_of(first.reply);
    EXPECT_EQ(combined.size(), 32u /* client: 24 bytes b64 */ + 44u);
  }
}

TEST(Scram, MechanismMismatchFails) {
  // A SHA-512 exchange against a SHA-256 credential (the lookup returns the wrong algorithm) fails.
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  scram_server server(scram_algorithm::sha512, lookup_from({{"alice", cred}}));
  scram_client client(scram_algorithm::sha512, "alice", "pw");
  EXPECT_EQ(server.step(client.first_message()).st, scram_server::status::failed);
}

TEST(Scram, UserNameEscaping) {
  const std::string name = "a,b=c";
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  std::string looked_up;
  scram_server server(scram_algorithm::sha256, [&](std::string_view u) -> std::optional<scram_credential> {
    looked_up = std::string(u);
    return cred;
  });
  scram_client client(scram_algorithm::sha256, name, "pw");
  const std::string first_msg = client.first_message();
  EXPECT_TRUE(first_msg.starts_with("n,,n=a=2Cb=3Dc,r=")) << first_msg;
  const auto first = server.step(first_msg);
  ASSERT_EQ(first.st, scram_server::status::need_more) << first.error;
  EXPECT_EQ(looked_up, name);
  const auto last = server.step(*client.final_message(first.reply));
  ASSERT_EQ(last.st, scram_server::status::done) << last.error;
  EXPECT_EQ(server.user(), name);
}

TEST(Scram, WrongPasswordFails) {
  for (auto a : {scram_algorithm::sha256, scram_algorithm::sha512}) {
    const auto cred = make_scram_credential(a, "Right-Pw-1", iters);
    scram_server server(a, lookup_from({{"alice", cred}}));
    scram_client client(a, "alice", "Other-Pw-2");
    const auto first = server.step(client.first_message());
    ASSERT_EQ(first.st, scram_server::status::need_more);
    const auto last = server.step(*client.final_message(first.reply));
    EXPECT_EQ(last.st, scram_server::status::failed);
    EXPECT_TRUE(last.reply.empty());
    EXPECT_FALSE(last.error.empty());
    EXPECT_EQ(last.error.find("Right-Pw"), std::string::npos);  // no secret in the log text
    EXPECT_EQ(last.error.find("Other-Pw"), std::string::npos);
  }
}

TEST(Scram, UnknownUserFails) {
  scram_server server(scram_algorithm::sha256,
                      lookup_from({{"alice", make_scram_credential(scram_algorithm::sha256, "pw", iters)}}));
  scram_client client(scram_algorithm::sha256, "mallory", "pw");
  const auto first = server.step(client.first_message());
  EXPECT_EQ(first.st, scram_server::status::failed);
  EXPECT_TRUE(first.reply.empty());
  EXPECT_EQ(first.error, "unknown user");
  // Nothing further is accepted.
  EXPECT_EQ(server.step("c=biws,r=x,p=AAAA").st, scram_server::status::failed);
}

TEST(Scram, NoLookupFunctionFails) {
  scram_server server(scram_algorithm::sha256, nullptr);
  EXPECT_EQ(server.step("n,,n=alice,r=abc").st, scram_server::status::failed);
}

// librdkafka before #4895 sends r=<cnonce><cnonce><snonce>; Kafka 3.8.1 accepts it, and so do we.
TEST(Scram, LibrdkafkaRepeatedClientNonceAccepted) {
  for (auto a : {scram_algorithm::sha256, scram_algorithm::sha512}) {
    const auto cred = make_scram_credential(a, "pw", iters);
    scram_server server(a, lookup_from({{"alice", cred}}));
    const std::string cnonce = "fyko+d2lbbFgONRv9qkxdawL";
    const std::string bare = "n=alice,r=" + cnonce;
    const auto first = server.step("n,," + bare);
    ASSERT_EQ(first.st, scram_server::status::need_more) << first.error;
    const std::string combined = nonce_of(first.reply);
    const std::string final_msg =
        manual_final(a, "pw", cred, bare, first.reply, "c=biws,r=" + cnonce + combined);
    const auto last = server.step(final_msg);
    ASSERT_EQ(last.st, scram_server::status::done) << last.error;
    EXPECT_TRUE(last.reply.starts_with("v="));
  }
}

TEST(Scram, NonceMustCarryBothParts) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  const std::string cnonce = "clientnonce";
  const std::string bare = "n=alice,r=" + cnonce;
  auto attempt = [&](auto make_nonce) {
    scram_server server(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
    const auto first = server.step("n,," + bare);
    EXPECT_EQ(first.st, scram_server::status::need_more);
    const std::string combined = nonce_of(first.reply);
    const std::string nonce = make_nonce(combined);
    return server.step(
        manual_final(scram_algorithm::sha256, "pw", cred, bare, first.reply, "c=biws,r=" + nonce));
  };
  // Correctly proven, but the nonce lacks the server part or has it in the wrong place: refused.
  EXPECT_EQ(attempt([&](const std::string&) { return cnonce; }).st, scram_server::status::failed);
  EXPECT_EQ(attempt([&](const std::string& c) { return "X" + c; }).st, scram_server::status::failed);
  EXPECT_EQ(attempt([&](const std::string& c) { return c + "X"; }).st, scram_server::status::failed);
  EXPECT_EQ(attempt([&](const std::string& c) { return c.substr(0, c.size() - 1); }).st,
            scram_server::status::failed);
  EXPECT_EQ(attempt([&](const std::string& c) { return c; }).st, scram_server::status::done);
}

TEST(Scram, FinalReplayedIntoNewExchangeFails) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  scram_client client(scram_algorithm::sha256, "alice", "pw");
  const std::string first_msg = client.first_message();

  scram_server one(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
  const auto first = one.step(first_msg);
  const auto final_msg = client.final_message(first.reply);
  ASSERT_TRUE(final_msg);
  ASSERT_EQ(one.step(*final_msg).st, scram_server::status::done);

  // An eavesdropper replays both client messages into a new exchange: the new server nonce differs.
  scram_server two(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
  const auto first2 = two.step(first_msg);
  ASSERT_EQ(first2.st, scram_server::status::need_more);
  EXPECT_NE(first2.reply, first.reply);
  const auto last2 = two.step(*final_msg);
  EXPECT_EQ(last2.st, scram_server::status::failed);
  EXPECT_EQ(last2.error, "SCRAM nonce mismatch");
}

TEST(Scram, ThirdStepFails) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  scram_server server(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
  scram_client client(scram_algorithm::sha256, "alice", "pw");
  const auto first = server.step(client.first_message());
  const auto final_msg = *client.final_message(first.reply);
  ASSERT_EQ(server.step(final_msg).st, scram_server::status::done);
  const auto third = server.step(final_msg);
  EXPECT_EQ(third.st, scram_server::status::failed);
  EXPECT_TRUE(third.reply.empty());
  EXPECT_EQ(server.step("").st, scram_server::status::failed);
}

TEST(Scram, Gs2HeaderVariants) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  struct variant {
    std::string gs2;
    scram_server::status first_status;
  };
  const std::vector<variant> variants = {
      {"n,,", scram_server::status::need_more},          // no channel binding
      {"y,,", scram_server::status::need_more},          // client supports it, thinks the server does not
      {"n,a=alice,", scram_server::status::need_more},   // authzid equal to the user
      {"n,a=bob,", scram_server::status::failed},        // authzid of someone else
      {"n,a=,", scram_server::status::failed},           // empty authzid
      {"p=tls-unique,,", scram_server::status::failed},  // channel binding requested
      {"n,x=1,", scram_server::status::failed},         {"q,,", scram_server::status::failed},
  };
  for (const auto& v : variants) {
    SCOPED_TRACE(v.gs2);
    scram_server server(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
    const std::string bare = "n=alice,r=abcdef";
    const auto first = server.step(v.gs2 + bare);
    ASSERT_EQ(first.st, v.first_status) << first.error;
    if (first.st != scram_server::status::need_more) continue;
    const std::string combined = nonce_of(first.reply);
    // c= must be the base64 of exactly the gs2 header the client sent.
    const auto last = server.step(manual_final(scram_algorithm::sha256, "pw", cred, bare, first.reply,
                                               "c=" + test_b64(v.gs2) + ",r=" + combined));
    EXPECT_EQ(last.st, scram_server::status::done) << last.error;

    scram_server other(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
    const auto first2 = other.step(v.gs2 + bare);
    const auto wrong_cbind =
        other.step(manual_final(scram_algorithm::sha256, "pw", cred, bare, first2.reply,
                                "c=" + test_b64("p=x,,") + ",r=" + nonce_of(first2.reply)));
    EXPECT_EQ(wrong_cbind.st, scram_server::status::failed);
  }
}

TEST(Scram, ExtensionsInClientFirst) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  scram_server plain_ext(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
  EXPECT_EQ(plain_ext.step("n,,n=alice,r=abc,foo=bar").st, scram_server::status::need_more);
  // Kafka's delegation-token extension is refused: there are no delegation tokens here.
  scram_server token(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
  const auto r = token.step("n,,n=alice,r=abc,tokenauth=true");
  EXPECT_EQ(r.st, scram_server::status::failed);
  EXPECT_FALSE(r.error.empty());
  scram_server token_upper(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
  EXPECT_EQ(token_upper.step("n,,n=alice,r=abc,tokenauth=TRUE").st, scram_server::status::failed);
}

TEST(Scram, MalformedClientFirstFails) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  const std::vector<std::string> bad = {
      "",
      "n",
      "n,",
      "n,,",
      "n,,n=alice",
      "n,,n=alice,",
      "n,,n=alice,r=",
      "n,,n=,r=abc",
      "n,,r=abc,n=alice",
      "n,,m=ext,n=alice,r=abc",
      "n,,n=al=ice,r=abc",                    // '=' must be =2C or =3D
      "n,,n=alice=2,r=abc",                   // truncated escape
      "n,,n=alice,r=ab,c",                    // field without '='
      "n,,n=alice,r=abc,,x=1",                // empty field
      "n,,n=alice,r=ab\x7f",                  // DEL
      std::string("n,,n=alice,r=ab\0c", 17),  // NUL
      "n,,n=alice,r=ab\x01",                  // control character
      "n,,n=alice\n,r=abc",
      "n,,n=alice,r=ab c",  // space is not a printable nonce character
      "garbage",
      "n,,n=alice,r=" + std::string(5000, 'a'),  // over 4 KiB
  };
  for (const auto& m : bad) {
    SCOPED_TRACE(m.substr(0, 60));
    scram_server server(scram_algorithm::sha256, lookup_from({{"alice", cred}}));
    const auto r = server.step(m);
    EXPECT_EQ(r.st, scram_server::status::failed);
    EXPECT_TRUE(r.reply.empty());
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(server.step(m).st, scram_server::status::failed);  // the exchange stays failed
  }
}

TEST(Scram, MalformedClientFinalFails) {
  const auto cred = make_scram_credential(scram_algorithm::sha256, "pw", iters);
  scram_client client(scram_algorithm::sha256, "alice", "pw", "fixedclientnonce");
  const std::string first_msg = client.first_message();
  // The server nonce is fixed too, so every attempt below sees the same server-first message.
  const auto server_first = [&] {
    scram_server s(scram_algorithm::sha256, lookup_from({{"alice", cred}}), "fixedservernonce");
    return s.step(first_msg).reply;
  }();
  const std::string good = *client.final_message(server_first);
  const std::string nonce = nonce_of(server_first);
  const auto proof_at = good.rfind(",p=");
  const std::string proof = good.substr(proof_at + 3);
  const std::vector<std::string> bad = {
      "",
      "c=biws",
      "c=biws,r=" + nonce,
      "c=biws,r=" + nonce + ",p=",
      "c=biws,r=" + nonce + ",p=!!!!",
      "c=biws,r=" + nonce + ",p=" + proof.substr(0, proof.size() - 4),  // short proof
      "c=biws,r=" + nonce + ",p=" + proof + "AAAA",                     // long proof
      "c=biws,r=" + nonce + ",p=" + proof + ",x=1",                     // proof not last
      "c=eSws,r=" + nonce + ",p=" + proof,                              // wrong channel binding
      "c=,r=" + nonce + ",p=" + proof,
      "r=" + nonce + ",c=biws,p=" + proof,
      "c=biws,r=,p=" + proof,
      good.substr(0, good.size() - 1),  // truncated
      good + "\x01",
      std::string(good).replace(proof_at + 3, 1, proof[0] == 'A' ? "B" : "A"),  // flipped proof bit(s)
      good + std::string(5000, 'A'),
  };
  for (const auto& m : bad) {
    SCOPED_TRACE(m.substr(0, 80));
    scram_server server(scram_algorithm::sha256, lookup_from({{"alice", cred}}), "fixedservernonce");
    ASSERT_EQ(server.step(first_msg).st, scram_server::status::need_more);
    const auto r = server.step(m);
    EXPECT_EQ(r.st, scram_server::status::failed);
    EXPECT_TRUE(r.reply.empty());
    EXPECT_FALSE(r.error.empty());
  }
  // And the untouched message still succeeds against the same server-first.
  scram_server server(scram_algorithm::sha256, lookup_from({{"alice", cred}}), "fixedservernonce");
  ASSERT_EQ(server.step(first_msg).st, scram_server::status::need_more);
  EXPECT_EQ(server.step(good).st, scram_server::status::done);
}

TEST(Scram, ClientRejectsBadServerMessages) {
  auto make = [] {
    scram_client c(scram_algorithm::sha256, "user", "pencil", std::string(rfc_client_nonce));
    c.first_message();
    return c;
  };
  const std::string salt = "s=W22ZaJ0SNY7soEsUEjb6gQ==";
  const std::vector<std::string> bad = {
      "",
      "r=rOprNGfwEbeRWgbNEkqO," + salt + ",i=4096",      // nonce not extended
      "r=someoneelse%hvYDpW," + salt + ",i=4096",        // nonce of another exchange
      "r=rOprNGfwEbeRWgbNEkqOabc," + salt + ",i=4095",   // too few iterations
      "r=rOprNGfwEbeRWgbNEkqOabc," + salt + ",i=16385",  // too many
      "r=rOprNGfwEbeRWgbNEkqOabc," + salt + ",i=4096x",
      "r=rOprNGfwEbeRWgbNEkqOabc," + salt,
      "r=rOprNGfwEbeRWgbNEkqOabc,s=***,i=4096",
      "r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096",
      "m=x,r=rOprNGfwEbeRWgbNEkqOabc," + salt + ",i=4096",
      "e=other-error",
  };
  for (const auto& m : bad) {
    SCOPED_TRACE(m);
    auto c = make();
    EXPECT_FALSE(c.final_message(m));
    EXPECT_FALSE(c.error().empty());
    EXPECT_FALSE(c.verify_server_final(rfc_server_final));
  }

  // Server-final checks.
  auto c = make();
  ASSERT_TRUE(c.final_message(rfc_server_first));
  EXPECT_FALSE(c.verify_server_final("v=AAAA"));
  EXPECT_FALSE(c.verify_server_final("e=invalid-proof"));
  EXPECT_NE(c.error().find("invalid-proof"), std::string::npos);
  EXPECT_FALSE(c.verify_server_final("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  EXPECT_TRUE(c.verify_server_final(rfc_server_final));

  // final_message before first_message.
  scram_client early(scram_algorithm::sha256, "user", "pencil");
  EXPECT_FALSE(early.final_message(rfc_server_first));
}

TEST(Plain, ParsesTokens) {
  auto p = parse_plain(std::string("\0alice\0secret", 13));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user, "alice");
  EXPECT_EQ(p->password, "secret");

  p = parse_plain(std::string("alice\0alice\0secret", 18));  // authzid equal to authcid
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user, "alice");

  p = parse_plain(std::string("\0a,b=c\0p w", 10));  // no escaping in PLAIN
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user, "a,b=c");
  EXPECT_EQ(p->password, "p w");
}

TEST(Plain, RejectsMalformed) {
  const std::vector<std::string> bad = {
      std::string(""),
      std::string("alice"),
      std::string("\0alice", 6),
      std::string("alice\0secret", 12),
      std::string("\0\0secret", 8),
      std::string("\0alice\0", 7),
      std::string("\0alice\0pa\0ss", 12),
      std::string("bob\0alice\0secret", 16),  // authzid of someone else
  };
  for (const auto& t : bad) EXPECT_FALSE(parse_plain(t)) << testing::PrintToString(t);
}

}  // namespace
}  // namespace sd::security
