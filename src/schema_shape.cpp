#include "schema_shape.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "schema_set.hpp"

namespace alguna::contract::detail {

using nlohmann::json;

namespace {

// Deeper than any sane schema; stops a $ref cycle.
constexpr int kMaxSchemaDepth = 64;

bool is_index(const std::string& token) {
  return !token.empty() && std::all_of(token.begin(), token.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
}

// Fills the *_below flags, which depend on everything reachable from a shape.
void mark_below(Shape* shape, std::set<const Shape*>& visiting) {
  if (!visiting.insert(shape).second) return;
  bool case_insensitive = shape->case_insensitive_keys;
  bool open = shape->described && !shape->closed && shape->additional == nullptr;
  std::vector<const Shape*> children;
  for (auto& entry : shape->properties) children.push_back(entry.second);
  if (shape->items) children.push_back(shape->items);
  if (shape->additional) children.push_back(shape->additional);
  for (const Shape* child : children) {
    mark_below(const_cast<Shape*>(child), visiting);
    case_insensitive |= child->has_case_insensitive_below;
    open |= child->open_below;
  }
  shape->has_case_insensitive_below = case_insensitive;
  shape->open_below = open;
}

}  // namespace

const json* Shape::find(const char* keyword) const {
  for (const json* node : nodes) {
    if (auto it = node->find(keyword); it != node->end()) return &*it;
  }
  return nullptr;
}

const Shape* Shape::child(const std::string& token, bool in_array) const {
  if (in_array) return items;
  if (auto it = properties.find(token); it != properties.end()) return it->second;
  return additional;
}

void ShapeGraph::expand(const json* node, std::vector<const json*>& out, int depth) const {
  if (depth > kMaxSchemaDepth || !node->is_object()) return;
  if (std::find(out.begin(), out.end(), node) != out.end()) return;
  out.push_back(node);
  if (auto it = node->find("$ref"); it != node->end() && it->is_string()) {
    const std::string& reference = it->get_ref<const std::string&>();
    if (reference.rfind('#', 0) == 0) {
      const json::json_pointer pointer(reference.substr(1));
      if (bundle_.contains(pointer)) expand(&bundle_.at(pointer), out, depth + 1);
    }
  }
  if (auto it = node->find("allOf"); it != node->end() && it->is_array()) {
    for (const json& member : *it) expand(&member, out, depth + 1);
  }
}

const Shape* ShapeGraph::shape_of(std::vector<const json*> origins, int depth) {
  std::vector<const json*> nodes;
  for (const json* origin : origins) expand(origin, nodes, depth);
  if (nodes.empty() || depth > kMaxSchemaDepth) return nullptr;
  if (auto it = memo_.find(nodes); it != memo_.end()) return it->second;

  Shape& shape = pool_.emplace_back();
  memo_.emplace(nodes, &shape);
  shape.nodes = nodes;

  std::map<std::string, std::vector<const json*>> property_origins;
  std::vector<const json*> item_origins;
  std::vector<const json*> additional_origins;
  for (const json* node : nodes) {
    if (auto it = node->find("properties"); it != node->end() && it->is_object()) {
      shape.described = true;
      for (const auto& [name, child] : it->items()) property_origins[name].push_back(&child);
    }
    if (auto it = node->find("items"); it != node->end() && it->is_object()) {
      item_origins.push_back(&*it);
    }
    if (auto it = node->find("additionalProperties"); it != node->end()) {
      if (it->is_object()) additional_origins.push_back(&*it);
      if (*it == false) shape.closed = true;
    }
    if (node->contains("propertyNames")) shape.closed = true;
    if (node->value("x-case-insensitive-keys", false)) shape.case_insensitive_keys = true;
  }
  for (auto& [name, child_origins] : property_origins) {
    if (const Shape* child = shape_of(child_origins, depth + 1)) shape.properties.emplace(name, child);
  }
  if (shape.case_insensitive_keys) {
    for (const auto& entry : shape.properties) {
      std::string folded = entry.first;
      for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      shape.canonical_names.emplace(std::move(folded), entry.first);
    }
  }
  if (!item_origins.empty()) shape.items = shape_of(item_origins, depth + 1);
  if (!additional_origins.empty()) shape.additional = shape_of(additional_origins, depth + 1);
  return &shape;
}

Result<std::unique_ptr<ShapeGraph>> ShapeGraph::build(const json& bundle) {
  std::unique_ptr<ShapeGraph> graph(new ShapeGraph(bundle));
  try {
    const json& definitions = bundle.at("definitions");
    for (const auto& [name, schema] : definitions.items()) {
      const Shape* shape = graph->shape_of({&schema}, 0);
      if (shape == nullptr) {
        return Error{Errc::schema_invalid, name + ": the schema is not an object"};
      }
      graph->roots_.emplace(name, shape);
    }
    std::set<const Shape*> visiting;
    for (Shape& shape : graph->pool_) mark_below(&shape, visiting);
  } catch (const std::exception& e) {
    return Error{Errc::schema_invalid, std::string("resolving the schemas failed: ") + e.what()};
  }
  return graph;
}

const Shape* ShapeGraph::root(const std::string& file_name) const {
  auto it = roots_.find(file_name);
  return it == roots_.end() ? nullptr : it->second;
}

const Shape* ShapeGraph::at(const Shape* shape, const std::vector<std::string>& tokens) const {
  for (const std::string& token : tokens) {
    if (shape == nullptr) return nullptr;
    // A pointer alone cannot tell an index from a member named "0"; the shape can.
    const bool in_array = shape->items != nullptr && shape->properties.empty() && is_index(token);
    shape = shape->child(token, in_array);
  }
  return shape;
}

}  // namespace alguna::contract::detail
