// The shape of a document as the bundled schemas describe it, resolved once at load time
// (not public). valijson gives the verdict; shapes give what valijson cannot: every unknown
// field (valijson names only the first), case-insensitive header names, and the schema nodes
// behind a JSON Pointer, from which messages a person understands are written.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/error.hpp>

namespace alguna::contract::detail {

struct Shape {
  // The schema nodes that apply here, after following $ref and allOf.
  std::vector<const nlohmann::json*> nodes;
  std::map<std::string, const Shape*, std::less<>> properties;
  const Shape* items = nullptr;
  const Shape* additional = nullptr;  // additionalProperties as a schema
  bool closed = false;                // additionalProperties: false, or propertyNames
  bool described = false;             // declares properties: unknown ones are worth a warning
  bool case_insensitive_keys = false;  // x-case-insensitive-keys (HTTP header names)
  // With case_insensitive_keys: lower-cased property name -> the schema's spelling.
  std::map<std::string, std::string, std::less<>> canonical_names;
  bool has_case_insensitive_below = false;
  // Some object here or below is described but open: valid documents may still hold unknown
  // fields worth a warning.
  bool open_below = false;

  // The first node's value of `keyword`, or nullptr.
  const nlohmann::json* find(const char* keyword) const;
  // Where the walk goes for a member name or an array index.
  const Shape* child(const std::string& token, bool in_array) const;
};

// Owns the shapes of one bundled schema document.
class ShapeGraph {
 public:
  // `bundle` must outlive the graph.
  static Result<std::unique_ptr<ShapeGraph>> build(const nlohmann::json& bundle);

  // The shape of a whole document checked against "#/definitions/<file>".
  const Shape* root(const std::string& file_name) const;

  // The shape at an RFC 6901 pointer's tokens (unescaped), or nullptr when the schemas say
  // nothing about that place.
  const Shape* at(const Shape* root, const std::vector<std::string>& tokens) const;

 private:
  explicit ShapeGraph(const nlohmann::json& bundle) : bundle_(bundle) {}
  const Shape* shape_of(std::vector<const nlohmann::json*> nodes, int depth);
  void expand(const nlohmann::json* node, std::vector<const nlohmann::json*>& out, int depth) const;

  const nlohmann::json& bundle_;
  std::deque<Shape> pool_;
  std::map<std::vector<const nlohmann::json*>, const Shape*> memo_;
  std::map<std::string, const Shape*> roots_;
  std::string error_;
};

}  // namespace alguna::contract::detail
