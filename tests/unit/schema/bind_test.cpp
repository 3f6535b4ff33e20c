// Bindings fill typed structs from validated sections; these tests feed them sections no
// loader would build (wrong types, keys missing) and bindings no adapter should declare.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "framework/schema/bind.hpp"

using namespace sluice;
using config::Fields;
using config::KeyTable;
using config::KeyType;
using config::Value;

namespace {

const KeyTable& inner_keys() {
  static const KeyTable t{"inner", "", {{.name = "size", .type = KeyType::integer}}};
  return t;
}

const KeyTable& keys() {
  static const KeyTable t{
      "sample",
      "",
      {
          {.name = "name", .type = KeyType::string},
          {.name = "port", .type = KeyType::integer},
          {.name = "ratio", .type = KeyType::number},
          {.name = "verify", .type = KeyType::boolean},
          {.name = "timeout", .type = KeyType::duration},
          {.name = "token", .type = KeyType::string, .secret = config::Secrecy::opaque},
          {.name = "mode", .type = KeyType::choice, .choices = {"fast", "slow"}},
          {.name = "query", .type = KeyType::string},
          {.name = "columns", .type = KeyType::string_list},
          {.name = "inner", .type = KeyType::section, .section = &inner_keys()},
          {.name = "items", .type = KeyType::section_list, .section = &inner_keys()},
          {.name = "note", .type = KeyType::string},
      }};
  return t;
}

enum class Mode { fast, slow };
Mode mode_of(std::string_view text) {
  return text == "slow" ? Mode::slow : Mode::fast;
}
std::optional<std::string> non_empty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

struct Inner {
  std::size_t size;
};

struct Sample {
  config::Written<std::string> name;
  std::optional<unsigned> port;
  double ratio;
  bool verify;
  std::chrono::milliseconds timeout;
  std::optional<config::Secret> token;
  Mode mode;
  std::optional<std::string> query;
  std::vector<std::string> columns;
  Inner inner;
  std::vector<Inner> items;
};

const config::Binding<Inner>& inner_binding() {
  static const config::Binding<Inner> b{inner_keys(), {{"size", &Inner::size}}};
  return b;
}

const config::Binding<Sample>& binding() {
  static const config::Binding<Sample> b{keys(),
                                         {
                                             {"name", &Sample::name},
                                             {"port", &Sample::port},
                                             {"ratio", &Sample::ratio},
                                             {"verify", &Sample::verify},
                                             {"timeout", &Sample::timeout},
                                             {"token", &Sample::token},
                                             {"mode", &Sample::mode, mode_of},
                                             {"query", &Sample::query, non_empty},
                                             {"columns", &Sample::columns},
                                             {"inner", &Sample::inner, inner_binding()},
                                             {"items", &Sample::items, inner_binding()},
                                         },
                                         {{"note", "read by the test itself"}}};
  return b;
}

Fields::Entry entry(const KeyTable& table, std::string_view key, Value value,
                    bool defaulted = false) {
  return {table.find(key), {"f.yaml", 1, 1}, defaulted, std::move(value), {}};
}

Fields inner(std::int64_t size) {
  Fields f("inner", {});
  f.add(entry(inner_keys(), "size", size));
  return f;
}

}  // namespace

TEST_CASE("a binding fills each member from its key's value", "[schema][bind]") {
  REQUIRE(binding().problems().empty());
  Fields f("sample", {});
  f.add(entry(keys(), "name", std::string("db"), true));
  f.add(entry(keys(), "port", std::int64_t{5432}));
  f.add(entry(keys(), "ratio", 0.5));
  f.add(entry(keys(), "verify", true));
  f.add(entry(keys(), "timeout", time::Duration{0, std::chrono::seconds(90)}));
  f.add(entry(keys(), "token",
              config::Secret::resolved("${env:T}", "s3cret", config::Secrecy::opaque)));
  f.add(entry(keys(), "mode", std::string("slow")));
  f.add(entry(keys(), "query", std::string("")));
  f.add(entry(keys(), "columns", std::vector<std::string>{"a", "b"}));
  auto section = entry(keys(), "inner", {});
  section.children.push_back(inner(7));
  f.add(std::move(section));
  auto list = entry(keys(), "items", {});
  list.children = {inner(1), inner(2)};
  f.add(std::move(list));

  const Sample s = config::bind(binding(), f);
  CHECK(s.name.value == "db");
  CHECK_FALSE(s.name.written);
  CHECK(s.port == 5432u);
  CHECK(s.ratio == 0.5);
  CHECK(s.verify);
  CHECK(s.timeout == std::chrono::seconds(90));
  REQUIRE(s.token);
  CHECK(s.token->reveal() == "s3cret");
  CHECK(s.token->redacted() == "${env:T}");
  CHECK(s.mode == Mode::slow);
  CHECK_FALSE(s.query);  // the conversion maps an empty text to nothing
  CHECK(s.columns == std::vector<std::string>{"a", "b"});
  CHECK(s.inner.size == 7);
  REQUIRE(s.items.size() == 2);
  CHECK(s.items[1].size == 2);
}

TEST_CASE("a written value says so", "[schema][bind]") {
  Fields f("sample", {});
  f.add(entry(keys(), "name", std::string("db")));
  CHECK(config::bind(binding(), f).name.written);
}

TEST_CASE("keys with no value or missing from the section leave their members empty",
          "[schema][bind]") {
  Fields f("sample", {});
  f.add(entry(keys(), "port", {}));   // unset, no default
  f.add(entry(keys(), "name", {}));   // invalid: reported by the loader, not bound
  f.add(entry(keys(), "inner", {}));  // a section that never got its children
  const Sample s = config::bind(binding(), f);
  CHECK_FALSE(s.port);
  CHECK(s.name.value.empty());
  CHECK_FALSE(s.name.written);
  CHECK_FALSE(s.token);
  CHECK(s.columns.empty());
  CHECK(s.inner.size == 0);
  CHECK(s.items.empty());
}

TEST_CASE("a value of another type than the member reads is not bound", "[schema][bind]") {
  Fields f("sample", {});
  f.add(entry(keys(), "name", std::int64_t{3}));
  f.add(entry(keys(), "port", std::string("5432")));
  f.add(entry(keys(), "token", std::string("plain text where a secret belongs")));
  f.add(entry(keys(), "mode", true));
  f.add(entry(keys(), "timeout", std::string("10s")));
  const Sample s = config::bind(binding(), f);
  CHECK(s.name.value.empty());
  CHECK_FALSE(s.port);
  CHECK_FALSE(s.token);
  CHECK(s.mode == Mode::fast);
  CHECK(s.timeout == std::chrono::milliseconds(0));
}

namespace {

bool says(const std::vector<std::string>& problems, std::string_view text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("a binding reports keys bound twice, unknown, unbound or of the wrong type",
          "[schema][bind]") {
  struct Loose {
    std::string name;
    std::string again;
    std::int64_t port;
    std::string token;
    Inner inner;
  };
  const config::Binding<Loose> b{keys(),
                                 {
                                     {"name", &Loose::name},
                                     {"name", &Loose::again},
                                     {"nmae", &Loose::name},
                                     {"ratio", &Loose::port},
                                     {"token", &Loose::token},
                                     {"inner", &Loose::name},
                                     {"items", &Loose::inner, inner_binding()},
                                 },
                                 {{"port", ""}, {"verify", "x"}, {"ghost", "y"}, {"ratio", "z"}}};
  const auto p = b.problems();
  INFO(Catch::Detail::stringify(p));
  CHECK(says(p, "key 'name' is bound 2 times"));
  CHECK(says(p, "binds 'nmae', which the table does not have"));
  CHECK(says(p, "key 'ratio' holds number, its member reads integer"));
  CHECK(says(p, "key 'ratio' is bound and also listed as read elsewhere"));
  CHECK(says(p, "key 'token' holds secret, its member reads string"));
  CHECK(says(p, "key 'inner' holds a section bound by 'inner', its member reads string"));
  CHECK(says(p,
             "key 'items' holds a list of sections bound by 'inner', its member reads a section "
             "bound by 'inner'"));
  CHECK(says(p, "key 'timeout' is neither bound nor listed as read elsewhere"));
  CHECK(says(p, "key 'port' is read elsewhere, but says not where"));
  CHECK(says(p, "lists 'ghost' as read elsewhere, which the table does not have"));
  CHECK_FALSE(says(p, "key 'verify'"));

  // A bound twice key fills both members; one the table lacks fills nothing.
  Fields f("sample", {});
  f.add(entry(keys(), "name", std::string("db")));
  const Loose l = config::bind(b, f);
  CHECK(l.name == "db");
  CHECK(l.again == "db");
}

TEST_CASE("a section's binding is checked with its parent", "[schema][bind]") {
  struct Empty {};
  struct Parent {
    Empty inner;
  };
  static const config::Binding<Empty> none{inner_keys(), {}};
  const config::Binding<Parent> b{keys(), {{"inner", &Parent::inner, none}}};
  CHECK(says(b.problems(), "'inner': 'inner': key 'size' is neither bound"));
}
