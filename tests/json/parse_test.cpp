// parse_json: the bounded, strict parser behind validate_text.
#include <catch2/catch.hpp>

#include <alguna/contract/json.hpp>

using namespace alguna::contract;

TEST_CASE("parse_json parses ordinary JSON", "[json]") {
  const ParseResult result = parse_json(R"({"a": [1, 2.5, "x", null, true], "b": {}})");
  REQUIRE(result.ok());
  CHECK((*result.document)["a"][1] == 2.5);
  CHECK((*result.document)["b"].is_object());
}

TEST_CASE("parse_json: syntax errors carry line and column, offset by first_line", "[json]") {
  const ParseResult result = parse_json("[1,\n 2,\n x]", {}, 10);
  REQUIRE_FALSE(result.document);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].keyword == "syntax");
  CHECK(result.errors[0].line == 12);
  CHECK(result.errors[0].column == 2);
}

TEST_CASE("parse_json: the depth limit is exact", "[json]") {
  ParseLimits limits;
  limits.max_depth = 3;
  CHECK(parse_json("[[[]]]", limits).ok());
  const ParseResult deep = parse_json("[[[[]]]]", limits);
  REQUIRE_FALSE(deep.document);
  CHECK(deep.errors[0].keyword == "depth");
  CHECK(deep.errors[0].column == 4);
  // Brackets inside strings do not count.
  CHECK(parse_json(R"(["[[[[[[", {"a": "{{{{{{"}])", limits).ok());
}

TEST_CASE("parse_json: the size limit", "[json]") {
  ParseLimits limits;
  limits.max_bytes = 4;
  CHECK(parse_json("[12]", limits).ok());
  const ParseResult big = parse_json("[123]", limits);
  REQUIRE_FALSE(big.document);
  CHECK(big.errors[0].keyword == "size");
}

TEST_CASE("parse_json: duplicate keys are reported with escaped pointers, the last value is kept", "[json]") {
  const ParseResult result = parse_json(R"({"a/b": {"c~d": 1, "c~d": 2}, "x": [{"k": 1, "k": 2}]})");
  REQUIRE(result.document);
  REQUIRE(result.errors.size() == 2);
  CHECK(result.errors[0].path == "/a~1b/c~0d");
  CHECK(result.errors[1].path == "/x/0/k");
  CHECK(result.errors[0].keyword == "duplicate-key");
  CHECK((*result.document)["a/b"]["c~d"] == 2);
}

TEST_CASE("parse_json: the last-read token in a message is shortened", "[json]") {
  const std::string text = "\"" + std::string(100000, 'a') + "\xff\"";
  const ParseResult result = parse_json(text);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].message.size() < 400);
}

TEST_CASE("escape_pointer_token follows RFC 6901", "[json]") {
  CHECK(escape_pointer_token("a/b~c") == "a~1b~0c");
  CHECK(escape_pointer_token("") == "");
}

TEST_CASE("parse_json: a NUL byte is a syntax error, not the end of the input", "[json]") {
  // nlohmann's lexer stops at NUL; "{}\0junk" must not pass as "{}".
  for (const std::string& text : {std::string("{}\0junk", 7), std::string("{}\0", 3),
                                 std::string("{\"a\": \"x\0\"}", 11), std::string("\0", 1)}) {
    const ParseResult result = parse_json(text);
    REQUIRE_FALSE(result.document);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].keyword == "syntax");
    CHECK_THAT(result.errors[0].message, Catch::Contains("NUL"));
  }
  const ParseResult located = parse_json(std::string("[1,\n2\0]", 7));
  CHECK(located.errors[0].line == 2);
  CHECK(located.errors[0].column == 2);
}
