#pragma once
// The one place that includes Boost.Asio. Boost 1.74's asio/awaitable.hpp misses <utility> under GCC 12, so
// it must come first. Every module includes this header instead of <boost/asio.hpp>.

#include <utility>  // must precede Boost.Asio (std::exchange in awaitable.hpp)

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sd::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
template <class T = void>
using awaitable = asio::awaitable<T>;
using asio::use_awaitable;
/// Completion token that stores the error in `ec` instead of throwing: `co_await op(..., no_throw(ec))`.
inline auto no_throw(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

}  // namespace sd::net
