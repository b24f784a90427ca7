// Result<T>: a value or an error code with a short static reason. The core never throws on
// remote input and never asserts: parsers return Result, callers drop and count.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace ssu2 {

enum class Errc : uint8_t {
  ok = 0,
  truncated,        // input shorter than a length field says
  oversized,        // input or a field larger than allowed
  malformed,        // inconsistent or invalid content
  unsupported,      // valid but not supported (type, version)
  auth_failed,      // AEAD tag or signature did not verify
  crypto_error,     // a crypto library call failed (bad key length, ...)
  replay,           // seen before
  wrong_state,      // message not valid in this state
  io_error,         // file/OS error (keys on disk, config)
  not_found,
};

std::string_view to_string(Errc e) noexcept;
template <class Os>
Os& operator<<(Os& os, Errc e) { os << to_string(e); return os; }

struct Error {
  Errc code = Errc::malformed;
  const char* what = "";  // static string, names the field or reason
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(e) {}
  Result(Errc c, const char* what = "") : v_(Error{c, what}) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(e), ok_(false) {}
  Result(Errc c, const char* what = "") : err_{c, what}, ok_(false) {}
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace ssu2
