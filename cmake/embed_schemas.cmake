# Writes OUTPUT: a C++ table of the files in INPUTS (a ;-list), keyed by file name.
# Bytes are written as hex so that no file content can break the generated source.
set(body "")
set(entries "")
set(index 0)
foreach(input IN LISTS INPUTS)
  get_filename_component(name "${input}" NAME)
  file(READ "${input}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND body "const char file_${index}[] = {${bytes} 0};\n")
  string(APPEND entries "  {\"${name}\", std::string_view(file_${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from schemas/ by cmake/embed_schemas.cmake. Do not edit.
#include <string_view>
#include <utility>

namespace alguna::contract::detail {
namespace {
${body}}  // namespace

extern const std::pair<std::string_view, std::string_view> embedded_schema_table[] = {
${entries}  {std::string_view(), std::string_view()},
};

}  // namespace alguna::contract::detail
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
