// A file the command writes that appears whole or not at all: written to "<path>.partial" and
// renamed into place by finish(), so a reader never sees half a file and a failed run leaves the
// previous file as it was. The partial file is removed when the writer is destroyed unfinished.
#pragma once

#include <fstream>
#include <optional>
#include <string>

namespace alguna::contract::cli {

class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // The reason when the partial file cannot be created.
  std::optional<std::string> open(const std::string& path);
  bool is_open() const { return out_.is_open(); }
  std::ofstream& body() { return out_; }
  // Puts `head` before the body and `tail` after it, and moves the result to the path. A head is
  // known only at the end (a report's summary), so it costs one copy of the body; without one the
  // partial file is renamed as it is. The reason on failure.
  std::optional<std::string> finish(const std::string& head = {}, const std::string& tail = {});

 private:
  std::string path_;
  std::string partial_;  // empty once finished
  std::ofstream out_;
};

}  // namespace alguna::contract::cli
