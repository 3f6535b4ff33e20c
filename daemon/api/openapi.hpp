#pragma once
// The OpenAPI 3.1 document of every route (daemon/api/openapi/openapi.json, compiled in).
// tests/unit/api/openapi_test.cpp holds it to the route table both ways; `@redocly/cli lint`
// checks it (tests/lint/openapi_lint.sh).
#include <string_view>

namespace sluice::api {

std::string_view openapi_document();

}  // namespace sluice::api
