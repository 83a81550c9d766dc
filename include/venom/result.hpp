#pragma once
// Result<T>: the return type of every fallible call that may cross an async boundary or leave a
// handler (DESIGN.md, convention 3). An Error carries what the HTTP layer needs to answer with
// the contract's error shape, so no layer has to translate exceptions.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace venom {

struct Error {
    int http_status = 500;
    std::string code;     // snake_case reason, e.g. "invalid_model_name"
    std::string message;  // for a person, English
    // When an upstream asked us to wait (a 429's Retry-After or RateLimit reset): sent on as
    // our own Retry-After header, so a client can honour it without reading the message.
    std::optional<long long> retry_after_seconds = std::nullopt;
    // The HTTP status an upstream answered with, when the failure is its answer (governance
    // tells a rate limit from a refused key from a broken runtime by it).
    std::optional<int> upstream_status = std::nullopt;
};

inline Error make_error(int http_status, std::string code, std::string message) {
    return Error{http_status, std::move(code), std::move(message)};
}

template <typename T>
class Result {
public:
    Result(T value) : data_(std::move(value)) {}
    Result(Error error) : data_(std::move(error)) {}

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(data_); }
    const T& value() const& { return std::get<0>(data_); }
    T&& value() && { return std::get<0>(std::move(data_)); }
    const Error& error() const { return std::get<1>(data_); }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Error> data_;
};

template <>
class Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool ok_ = true;
};

}  // namespace venom
