// SIGINT and SIGTERM for the long-running commands (serve, record): blocked from construction, so
// that the server threads started afterwards inherit the mask and only wait() ever takes them.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace alguna::contract::cli {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
  }
  ~StopSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Returns once SIGINT or SIGTERM has arrived.
  void wait() const {
    int received = 0;
    while (sigwait(&signals_, &received) != 0) {
    }
  }

 private:
  sigset_t signals_;
  sigset_t previous_;
};

}  // namespace alguna::contract::cli
