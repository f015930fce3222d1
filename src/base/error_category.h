#pragma once
// A small helper so each module can declare its `enum class errc` as a std::error_code enum in a few lines:
//
//   namespace sd::storage {
//   enum class errc { corrupt_batch = 1, ... };
//   const std::error_category& error_category() noexcept;
//   inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }
//   }
//   template <> struct std::is_error_code_enum<sd::storage::errc> : std::true_type {};
//
// and in the .cc file:
//   const std::error_category& error_category() noexcept {
//     static const sd::named_error_category cat("storage", [](int c) { return describe(errc(c)); });
//     return cat;
//   }
// Value 0 is never an error.

#include <string>
#include <system_error>

namespace sd {

class named_error_category final : public std::error_category {
 public:
  using describe_fn = std::string (*)(int);
  named_error_category(const char* name, describe_fn describe) : _name(name), _describe(describe) {}
  const char* name() const noexcept override { return _name; }
  std::string message(int code) const override { return _describe(code); }

 private:
  const char* _name;
  describe_fn _describe;
};

}  // namespace sd
