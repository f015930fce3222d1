/* sd_bench_nats_publish: JetStream async publisher for bench/run-all (built by the script when libnats-dev is
 * present). Creates stream BENCH (file storage, subject bench.>) and publishes --count messages of --size bytes
 * with js_PublishAsync (at most --pending in flight) for at most --seconds, waits for the acks, then prints
 *   {"count":OK,"errors":E,"elapsed_s":S,"msg_per_s":X,"mb_per_s":Y}
 *   usage: sd_bench_nats_publish URL COUNT SIZE SECONDS PENDING */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile long long acked = 0, failed = 0;

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
  (void)js; (void)closure;
  if (pa != NULL) __atomic_add_fetch(&acked, 1, __ATOMIC_RELAXED);
  else if (pae != NULL) __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
  natsMsg_Destroy(msg);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s URL COUNT SIZE SECONDS PENDING\n", argv[0]);
    return 2;
  }
  const char *url = argv[1];
  long long count = atoll(argv[2]);
  int size = atoi(argv[3]);
  double seconds = atof(argv[4]);
  int pending = atoi(argv[5]);
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  natsStatus s = natsConnection_ConnectTo(&nc, url);
  if (s != NATS_OK) { fprintf(stderr, "connect: %s\n", natsStatus_GetText(s)); return 1; }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = pending;
  jo.PublishAsync.AckHandler = on_ack;
  s = natsConnection_JetStream(&js, nc, &jo);
  if (s != NATS_OK) { fprintf(stderr, "jetstream: %s\n", natsStatus_GetText(s)); return 1; }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char *subjects[] = {"bench.>"};
  cfg.Name = "BENCH";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  jsErrCode jerr = 0;
  jsStreamInfo *si = NULL;
  s = js_AddStream(&si, js, &cfg, NULL, &jerr);
  if (s != NATS_OK && jerr != JSStreamNameExistErr) {
    fprintf(stderr, "add stream: %s (%d)\n", natsStatus_GetText(s), (int)jerr);
    return 1;
  }
  if (si) jsStreamInfo_Destroy(si);
  char *data = malloc((size_t)size);
  for (int i = 0; i < size; ++i) data[i] = (char)(i * 131 + 7);
  double t0 = now_s(), end = t0 + seconds;
  long long sent = 0;
  while (sent < count && now_s() < end) {
    s = js_PublishAsync(js, "bench.x", data, size, NULL);
    if (s == NATS_OK) ++sent;
    else if (s != NATS_TIMEOUT) { fprintf(stderr, "publish: %s\n", natsStatus_GetText(s)); break; }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 30000;
  js_PublishAsyncComplete(js, &po);
  double elapsed = now_s() - t0;
  long long ok = acked;
  printf("{\"count\":%lld,\"errors\":%lld,\"elapsed_s\":%.3f,\"msg_per_s\":%.1f,\"mb_per_s\":%.2f}\n", ok,
         (long long)failed + (sent - ok - failed), elapsed, ok / elapsed, ok * (double)size / elapsed / 1e6);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  free(data);
  return ok > 0 ? 0 : 3;
}
