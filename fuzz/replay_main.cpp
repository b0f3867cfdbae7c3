// A plain main for the fuzz harnesses: runs LLVMFuzzerTestOneInput once over each file named, and
// over each file directly inside each directory named (sorted by name; names starting with "." are
// skipped), so that the seed corpora and every saved finding run as ordinary ctest tests with any
// compiler, without libFuzzer. A harness reports a broken invariant by aborting, so a test fails
// by crashing; a sanitizer build reports memory errors the same way.
//
//   fuzz_<name>_replay [--allow-empty] PATH...
//
// Exit 0 when every input ran; 1 when a path cannot be read, or when no input was found (unless
// --allow-empty: a regressions folder may hold no finding yet).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.string().c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", path.string().c_str(), bytes.size());
  // Copied into an allocation of exactly its size, as libFuzzer does, so that ASan sees any read
  // past the end.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool allow_empty = false;
  std::vector<std::filesystem::path> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--allow-empty") {
      allow_empty = true;
      continue;
    }
    std::error_code ec;
    const std::filesystem::path path(arg);
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec) && entry.path().filename().string().rfind('.', 0) != 0) {
          found.push_back(entry.path());
        }
      }
      if (ec) {
        std::fprintf(stderr, "cannot list %s: %s\n", arg.c_str(), ec.message().c_str());
        ok = false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else if (!allow_empty) {
      std::fprintf(stderr, "no such file or directory: %s\n", arg.c_str());
      ok = false;
    }
  }
  std::size_t ran = 0;
  for (const auto& file : files) {
    if (run_file(file)) {
      ++ran;
    } else {
      ok = false;
    }
  }
  std::fprintf(stderr, "%zu inputs ran\n", ran);
  if (ran == 0 && !allow_empty) {
    std::fprintf(stderr, "no inputs found\n");
    return 1;
  }
  return ok ? 0 : 1;
}
