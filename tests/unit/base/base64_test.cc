#include "base/base64.h"

#include <gtest/gtest.h>

namespace sd {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(b64_encode(plain), encoded);
    EXPECT_EQ(b64_decode(encoded), std::optional<std::string>(plain));
  }
}

TEST(Base64, EveryByteRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 37) {
    const auto text = all.substr(0, len);
    EXPECT_EQ(b64_decode(b64_encode(text)), std::optional<std::string>(text));
  }
}

TEST(Base64, RejectsWhatIsNotStrictBase64) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v\n", "Zm 9", "Zm=v", "=Zm9", "Zh==", "Zm9=Zm9v", "Zm-_"}) {
    EXPECT_EQ(b64_decode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace sd
