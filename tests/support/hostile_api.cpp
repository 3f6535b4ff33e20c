#include "tests/support/hostile_api.hpp"

namespace sluice::test {
namespace {

constexpr std::string_view kRecord1 =
    R"({"id": 1, "time": "2024-01-01T00:00:00Z", "sort": [1, "a"], )"
    R"("attributes": {"note": "one"}, "amount": 1.5})";

std::string record2(std::string_view sort) {
  return R"({"id": 2, "time": "2024-01-01T00:30:00Z", "sort": )" + std::string(sort) +
         R"(, "attributes": {"note": "two"}, "amount": null})";
}

std::string page(std::string_view record1, std::string_view record2, std::string_view next,
                 std::string_view cursor) {
  return R"({"items": [)" + std::string(record1) + ", " + std::string(record2) + R"(], "next": )" +
         std::string(next) + R"(, "next_cursor": )" + std::string(cursor) + "}";
}

std::string json_quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

}  // namespace

std::string nested_arrays(std::size_t depth, std::string_view inner) {
  std::string out(depth, '[');
  out += inner;
  out.append(depth, ']');
  return out;
}

HttpResponse HostileApi::operator()(const HttpRequest& request) const {
  if (mode == Hostile::redirect) {
    HttpResponse r = HttpResponse::json(R"({"moved": true})", 302);
    r.headers.emplace_back("Location", target);
    return r;
  }
  if (mode == Hostile::error_body) {
    HttpResponse r = HttpResponse::json(target, status);
    r.content_type = "text/plain";
    return r;
  }
  if (request.path == "/v1/count") {
    const std::string count = mode == Hostile::deep_count ? nested_arrays(depth, "2") : "2";
    return HttpResponse::json(R"({"data": {"count": )" + count + "}}");
  }
  if (request.path != "/v1/events") return HttpResponse::json(R"({"error": "no such path"})", 404);
  if (!request.param("after").empty() || !request.param("cursor").empty())
    return HttpResponse::json(R"({"items": [], "next": null, "next_cursor": ""})");

  const std::string page2 = "/v1/events?after=2";
  std::string next = json_quoted(page2), cursor = json_quoted("c2"), sort = R"([2, "b"])";
  std::string record1(kRecord1);
  HttpResponse r;
  switch (mode) {
    case Hostile::next_link:
      next = json_quoted(target);
      r.headers.emplace_back("Link", "<" + target + R"(>; rel="next")");
      break;
    case Hostile::deep_cursor: cursor = nested_arrays(depth); break;
    case Hostile::deep_sort_values: sort = nested_arrays(depth); break;
    case Hostile::deep_record:
      record1.replace(record1.find(R"("one")"), 5, nested_arrays(depth, R"("one")"));
      break;
    case Hostile::deep_page: return HttpResponse::json(nested_arrays(depth, "{}"));
    case Hostile::endless_body:
      r.body = R"({"items": [)";
      r.chunk = std::string(kRecord1) + ",\n";
      return r;
    case Hostile::slow_body:
      r.body = R"({"items": [)";
      r.chunk = " ";
      r.stream_interval = std::chrono::milliseconds(100);
      return r;
    default: r.headers.emplace_back("Link", "<" + page2 + R"(>; rel="next")"); break;
  }
  r.body = page(record1, record2(sort), next, cursor);
  return r;
}

}  // namespace sluice::test
