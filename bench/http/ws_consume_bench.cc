// sd_bench_ws_consume PORT TOPIC COUNT [WINDOW]: opens /v1/ws/consume?topic=TOPIC&from=earliest on
// 127.0.0.1:PORT, keeps WINDOW records of credit outstanding (granting more as records arrive, in steps of a
// quarter window) and reads COUNT records. Prints {"records":N,"seconds":S,"records_per_s":R,"bytes":B}.
// Exits 1 on any failure and gives up after 300 s.
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

int main(int argc, char** argv) {
  namespace beast = boost::beast;
  using tcp = boost::asio::ip::tcp;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PORT TOPIC COUNT [WINDOW]\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
  const std::string topic = argv[2];
  const long long count = std::stoll(argv[3]);
  const long long window = argc > 4 ? std::stoll(argv[4]) : 10000;
  try {
    boost::asio::io_context ctx;
    beast::websocket::stream<tcp::socket> ws(ctx);
    ws.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    ws.handshake("127.0.0.1", "/v1/ws/consume?topic=" + topic + "&from=earliest");
    ws.read_message_max(64 << 20);
    auto grant = [&](long long n) {
      ws.text(true);
      ws.write(boost::asio::buffer("{\"credit\":" + std::to_string(n) + "}"));
    };
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::seconds(300);
    grant(window);
    long long outstanding = window, got = 0, bytes = 0;
    beast::flat_buffer buf;
    while (got < count) {
      buf.clear();
      ws.read(buf);
      bytes += static_cast<long long>(buf.size());
      ++got;
      if (--outstanding <= window * 3 / 4) {
        grant(window - outstanding);
        outstanding = window;
      }
      if ((got & 0xffff) == 0 && std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "gave up after 300 s at %lld records\n", got);
        return 1;
      }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("{\"records\":%lld,\"seconds\":%.6f,\"records_per_s\":%.1f,\"bytes\":%lld}\n", got, secs, got / secs, bytes);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ws consume: %s\n", e.what());
    return 1;
  }
}
