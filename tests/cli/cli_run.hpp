// Runs the built alguna-contract binary and captures what it does, for the CLI tests.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

extern char** environ;

namespace cli_test {

using alguna::contract::testing::TempDir;

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct RunResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;

  std::vector<std::string> out_lines() const {
    std::vector<std::string> lines;
    std::istringstream stream(out);
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
  }
};

// Runs ALGUNA_CONTRACT_CLI with `args`; stdin is `input` when given, /dev/null otherwise.
inline RunResult run_cli(const std::vector<std::string>& args,
                         const std::optional<std::string>& input = std::nullopt) {
  TempDir io;
  const std::string in_path = input ? io / "stdin" : std::string("/dev/null");
  if (input) write_file(in_path, *input);
  const std::string out_path = io / "stdout";
  const std::string err_path = io / "stderr";

  std::vector<std::string> argv_strings{ALGUNA_CONTRACT_CLI};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot run " + argv_strings[0]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  RunResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

// Runs ALGUNA_CONTRACT_CLI with stdout and stderr on a pseudo-terminal (both arrive mixed in
// `out`), with the environment variables `set` added and `unset` removed. Gives up after
// `limit_seconds` (the child is killed, exit_code -1).
inline RunResult run_cli_in_terminal(const std::vector<std::string>& args,
                                     const std::vector<std::pair<std::string, std::string>>& set = {},
                                     const std::vector<std::string>& unset = {}, int limit_seconds = 60) {
  std::vector<std::string> argv_strings{ALGUNA_CONTRACT_CLI};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    for (const auto& [name, value] : set) ::setenv(name.c_str(), value.c_str(), 1);
    for (const auto& name : unset) ::unsetenv(name.c_str());
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, 0);
    std::vector<char*> argv;
    for (std::string& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_seconds);
  char buffer[4096];
  for (;;) {
    pollfd fd{master, POLLIN, 0};
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      break;
    }
    const int ready = ::poll(&fd, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t got = ::read(master, buffer, sizeof buffer);
    if (got <= 0) break;  // EIO once the child's side is closed
    result.out.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(master);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

inline std::string fixture(const std::string& name) {
  return std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/tests/fixtures/" + name;
}

}  // namespace cli_test
