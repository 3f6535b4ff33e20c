#include "tests/support/fake_events_api.hpp"

namespace sluice::test {

using nlohmann::json;

HttpResponse FakeEventsApi::operator()(const HttpRequest& request) const {
  if (request.path != "/v1/events" && request.path != "/v1/count")
    return HttpResponse::json(R"({"error": "no such path"})", 404);
  const std::string from = request.param("from");
  const std::string to = request.param("to");
  if (from.empty() || to.empty())
    return HttpResponse::json(R"({"error": "from and to are required"})", 400);
  std::vector<const json*> matching;
  for (const auto& r : records_) {
    // Whole seconds compare as text; a record's fraction of a second does not move it.
    const auto t = r.at("time").get_ref<const std::string&>().substr(0, 19);
    if (t >= from.substr(0, 19) && t < to.substr(0, 19)) matching.push_back(&r);
  }
  if (request.path == "/v1/count")
    return HttpResponse::json(json{{"data", {{"count", matching.size()}}}}.dump());

  const std::size_t size = std::stoul(request.param("size", std::to_string(matching.size())));
  std::size_t offset = 0;
  if (!request.param("page").empty()) offset = (std::stoul(request.param("page")) - 1) * size;
  if (!request.param("offset").empty()) offset = std::stoul(request.param("offset"));
  if (!request.param("cursor").empty()) offset = std::stoul(request.param("cursor").substr(1));
  json items = json::array();
  for (std::size_t i = offset; i < matching.size() && i < offset + size; ++i)
    items.push_back(*matching[i]);
  const std::size_t next = offset + items.size();
  json body{{"items", std::move(items)}, {"next", nullptr}, {"next_cursor", ""}};
  if (next < matching.size()) {
    body["next"] = "/v1/events?from=" + from + "&to=" + to + "&size=" + std::to_string(size) +
                   "&offset=" + std::to_string(next);
    body["next_cursor"] = "c" + std::to_string(next);
  }
  return HttpResponse::json(body.dump());
}

}  // namespace sluice::test
