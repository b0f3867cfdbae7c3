// A child process for the tests that run the command itself (`alguna-contract serve`,
// `replay`): stdin /dev/null, stdout on a pipe or in a file, stderr in a file, every wait bounded,
// killed if still running when the test ends. Loopback servers and signals are the tests' business.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

extern char** environ;

namespace alguna::contract::testing {

using ChildClock = std::chrono::steady_clock;

inline std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// How a child process ended.
struct Ended {
  bool exited = false;   // by exit(): `code` holds its exit code
  int code = -1;
  int signal = 0;        // killed by this signal
  bool timed_out = false;  // still running at the deadline: killed by us (SIGKILL)
  std::string describe() const {
    if (timed_out) return "did not finish in time (killed)";
    if (exited) return "exit code " + std::to_string(code);
    return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  }
};

inline Ended ended_from(int status) {
  Ended ended;
  if (WIFEXITED(status)) {
    ended.exited = true;
    ended.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    ended.signal = WTERMSIG(status);
  }
  return ended;
}

// A child process: stdin /dev/null, stdout on a pipe (first_line) or in a file, stderr in a file.
// Killed (SIGKILL) if still running when destroyed.
class Child {
 public:
  Child(std::vector<std::string> argv_strings, bool stdout_pipe) {
    int out[2] = {-1, -1};
    if (stdout_pipe && ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    out_ = out[0];
    std::vector<char*> argv;
    for (std::string& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (stdout_pipe) {
      posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    }
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (stdout_pipe) ::close(out[1]);
    if (spawned != 0) throw std::runtime_error("cannot run " + argv_strings[0]);
  }
  ~Child() {
    if (pid_ > 0 && !ended_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // The first line on the stdout pipe (without its newline), or what came before end or timeout.
  std::string first_line(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const auto deadline = ChildClock::now() + timeout;
    while (out_text_.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - ChildClock::now());
      if (left.count() <= 0) break;
      pollfd descriptor{out_, POLLIN, 0};
      if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[512];
      const ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) break;
      out_text_.append(buffer, static_cast<std::size_t>(n));
    }
    return out_text_.substr(0, out_text_.find('\n'));
  }

  // Still running (not reaped)?
  bool running() {
    if (ended_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      ended_ = ended_from(status);
      return false;
    }
    return true;
  }

  // Waits until it ends or `timeout` passes; then kills it (SIGKILL) and says it timed out.
  Ended wait(std::chrono::milliseconds timeout) {
    const auto deadline = ChildClock::now() + timeout;
    while (running()) {
      if (ChildClock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        ended_ = ended_from(status);
        ended_->timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return *ended_;
  }

  void signal(int number) const {
    if (!ended_) ::kill(pid_, number);
  }

  // Everything written to stdout: read from its file, or what the pipe has so far (drained for
  // up to 100 ms of silence; after wait(), that is all of it).
  std::string out() {
    if (out_ < 0) return read_file_text(out_path_);
    char buffer[4096];
    for (;;) {
      pollfd descriptor{out_, POLLIN, 0};
      if (::poll(&descriptor, 1, 100) <= 0) break;
      const ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) break;
      out_text_.append(buffer, static_cast<std::size_t>(n));
    }
    return out_text_;
  }
  std::string err() const { return read_file_text(err_path_); }

 private:
  TempDir dir_;
  std::string out_path_ = dir_ / "stdout";
  std::string err_path_ = dir_ / "stderr";
  pid_t pid_ = 0;
  int out_ = -1;
  std::string out_text_;
  std::optional<Ended> ended_;
};

}  // namespace alguna::contract::testing
