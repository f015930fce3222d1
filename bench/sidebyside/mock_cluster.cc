// sd_bench_mock_cluster: librdkafka's in-memory mock cluster (rdkafka_mock.h) as its own process, the
// Kafka-protocol ceiling with no disk for bench/run-all.
//   sd_bench_mock_cluster [--brokers N] [--topic NAME:PARTITIONS ...]
// Prints "bootstrap=HOST:PORT[,...]" on stdout once it listens, then serves until SIGTERM or SIGINT.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  int broker_count = 1;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before librdkafka starts threads

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "mock cluster: %s\n", err);
    return 1;
  }
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) broker_count = std::atoi(argv[++i]);
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, broker_count);
  if (mc == nullptr) {
    std::fprintf(stderr, "mock cluster: rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--topic") == 0 && i + 1 < argc) {
      std::string spec = argv[++i];
      auto colon = spec.find(':');
      int parts = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
      std::string name = spec.substr(0, colon);
      if (rd_kafka_mock_topic_create(mc, name.c_str(), parts, 1) != RD_KAFKA_RESP_ERR_NO_ERROR)
        std::fprintf(stderr, "mock cluster: cannot create %s\n", name.c_str());
    }
  }
  std::printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
