#include "cli/output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace alguna::contract::cli {

namespace {

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

}  // namespace

std::optional<std::string> OutputFile::open(const std::string& path) {
  path_ = path;
  partial_ = path + ".partial";
  out_.open(partial_, std::ios::binary | std::ios::trunc);
  if (!out_) return "cannot write " + partial_ + ": " + errno_text();
  return std::nullopt;
}

std::optional<std::string> OutputFile::finish(const std::string& head, const std::string& tail) {
  out_ << tail;
  out_.close();
  if (!out_) return "cannot write " + partial_;
  std::string ready = partial_;
  if (!head.empty()) {
    ready = path_ + ".tmp";
    std::ifstream in(partial_, std::ios::binary);
    std::ofstream out(ready, std::ios::binary | std::ios::trunc);
    if (!in || !out) return "cannot write " + ready;
    out << head;
    if (in.peek() != std::ifstream::traits_type::eof()) out << in.rdbuf();
    out.close();
    if (!out) {
      std::remove(ready.c_str());
      return "cannot write " + ready;
    }
  }
  if (std::rename(ready.c_str(), path_.c_str()) != 0) {
    const std::string reason = errno_text();
    if (ready != partial_) std::remove(ready.c_str());
    return "cannot write " + path_ + ": " + reason;
  }
  if (ready != partial_) std::remove(partial_.c_str());
  partial_.clear();
  return std::nullopt;
}

OutputFile::~OutputFile() {
  if (out_.is_open()) out_.close();
  if (!partial_.empty()) std::remove(partial_.c_str());
}

}  // namespace alguna::contract::cli
