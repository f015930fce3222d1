#pragma once
// result<T>: a value or a std::error_code. Every module defines its own `enum class errc` registered as a
// std::error_code enum (see base/error_category.h), so errors from different layers travel through one type
// without losing where they came from. Exceptions are for start-up and configuration only.

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace sd {

template <class T>
class [[nodiscard]] result {
 public:
  using value_type = T;

  result(T value) : _v(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(std::error_code ec) : _v(std::in_place_index<1>, ec) { assert(ec); }  // NOLINT
  template <class E>
    requires std::is_error_code_enum_v<E>
  result(E e) : result(std::error_code(make_error_code(e))) {}  // NOLINT

  bool has_value() const noexcept { return _v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(_v); }
  const T& value() const& { assert(has_value()); return std::get<0>(_v); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  std::error_code error() const noexcept { return has_value() ? std::error_code{} : std::get<1>(_v); }

 private:
  std::variant<T, std::error_code> _v;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(std::error_code ec) : _ec(ec) {}  // NOLINT
  template <class E>
    requires std::is_error_code_enum_v<E>
  result(E e) : _ec(make_error_code(e)) {}  // NOLINT

  bool has_value() const noexcept { return !_ec; }
  explicit operator bool() const noexcept { return has_value(); }
  std::error_code error() const noexcept { return _ec; }

 private:
  std::error_code _ec;
};

using status = result<void>;

inline status ok() { return {}; }

}  // namespace sd

// SD_TRY(expr): evaluate a result-returning expression; on error, return the error from the enclosing function.
#define SD_TRY(expr)                                   \
  do {                                                 \
    auto&& sd_try_result_ = (expr);                    \
    if (!sd_try_result_) return sd_try_result_.error(); \
  } while (0)
