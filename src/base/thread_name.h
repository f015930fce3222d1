#pragma once
// set_thread_name: names the calling thread for top -H, perf and /proc/PID/task/TID/comm ("sd-flusher").
// Linux keeps at most 15 characters; longer names are cut. Best effort: a failure changes nothing else.

#include <pthread.h>

#include <string>

namespace sd {

inline void set_thread_name(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace sd
