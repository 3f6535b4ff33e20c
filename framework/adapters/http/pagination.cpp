#include "framework/adapters/http/pagination.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "framework/adapters/http/records.hpp"
#include "framework/adapters/http/request.hpp"

namespace sluice::adapters::http {

using nlohmann::json;

PaginationType pagination_type(std::string_view name) {
  if (name == "page") return PaginationType::page;
  if (name == "offset") return PaginationType::offset;
  if (name == "next_link") return PaginationType::next_link;
  if (name == "cursor") return PaginationType::cursor;
  if (name == "search_after") return PaginationType::search_after;
  return PaginationType::none;
}

namespace {

std::optional<std::string> scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  // A scalar's dump() does not recurse.
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

// The scheme of a link that is not http or https, for a message: letters only, short.
std::string scheme_shown(std::string_view link) {
  std::string out;
  for (char c : link.substr(0, link.find(':'))) {
    if (out.size() == 16) return out + "...";
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.' ? c : '?';
  }
  return out;
}

const json* at_pointer(const json& doc, const std::string& pointer) {
  try {
    const json::json_pointer p(pointer);
    return doc.contains(p) ? &doc.at(p) : nullptr;
  } catch (const json::exception&) {
    return nullptr;  // `/items/x` into an array: nothing there
  }
}

}  // namespace

std::optional<std::string> token_text(const json& value) {
  if (!value.is_array()) return scalar_text(value);
  std::string out;
  for (const auto& item : value) {
    auto text = scalar_text(item);
    if (!text) return std::nullopt;
    out += (out.empty() ? "" : ",") + *text;
  }
  return out;
}

Pager::Pager(PaginationOptions options, std::string first_url)
    : options_(std::move(options)), base_(std::move(first_url)) {
  using T = PaginationType;
  if (auto home = net::origin_of(base_)) origins_.push_back(std::move(*home));
  for (const auto& text : options_.allowed_origins)
    if (auto origin = net::origin_of(text)) origins_.push_back(std::move(*origin));
  if (options_.type != T::none)
    base_ = add_query(base_, options_.size_param, std::to_string(options_.page_size));
  switch (options_.type) {
    case T::page:
      position_ = options_.first_page;
      url_ = url_with(options_.page_param, std::to_string(position_));
      break;
    case T::offset: url_ = url_with(options_.offset_param, "0"); break;
    default: url_ = base_;
  }
}

std::string Pager::url_with(std::string_view param, std::string_view value) const {
  return add_query(base_, param, value);
}

NextAt next_at(const PaginationOptions& options) {
  using T = PaginationType;
  switch (options.type) {
    case T::next_link: return options.next_pointer.empty() ? NextAt::nowhere : NextAt::body;
    case T::cursor: return NextAt::body;
    case T::search_after: return NextAt::last_record;
    default: return NextAt::nowhere;
  }
}

Result<void> Pager::advance(const PageView& view) {
  PageFacts facts{static_cast<std::int64_t>(view.records.size()), nullptr, view.link_header};
  switch (next_at(options_)) {
    case NextAt::body: facts.next = at_pointer(view.body, options_.next_pointer); break;
    case NextAt::last_record:
      if (!view.records.empty())
        facts.next = at_pointer(view.records.back(), options_.next_pointer);
      break;
    case NextAt::nowhere: break;
  }
  return advance(facts);
}

// Moves to a next link, unless it leaves the allowed origins: refused before any request,
// so neither the connection's headers nor the request itself reach another host, and no
// other scheme is ever opened. The message shows the origin, never the rest of the link.
Result<void> Pager::follow(std::string_view link) {
  const int page = page_ - 1;
  auto next = net::resolve_url(url_, link);
  if (!next) return fail(Error::permanent(fmt::format("page {}'s next link is not a URL", page)));
  const auto origin = net::origin_of(*next);
  if (!origin)
    return fail(Error::permanent(
        fmt::format("page {}'s next link has the scheme {}, not http or https: not followed", page,
                    scheme_shown(*next))));
  if (std::find(origins_.begin(), origins_.end(), *origin) == origins_.end())
    return fail(Error::permanent(fmt::format(
        "page {}'s next link leads to {}, another origin than {}: not followed (list it in "
        "pagination.allowed_origins to follow it)",
        page, origin->text(), origins_.empty() ? "the first URL's" : origins_.front().text())));
  if (*next == url_)
    return fail(Error::permanent(fmt::format("page {} links to itself as the next page", page)));
  url_ = std::move(*next);
  return {};
}

Result<void> Pager::advance(const PageFacts& facts) {
  using T = PaginationType;
  const auto n = facts.records;
  const bool short_page = n < options_.page_size;
  ++page_;
  switch (options_.type) {
    case T::none: done_ = true; return {};
    case T::page:
      done_ = short_page;
      url_ = url_with(options_.page_param, std::to_string(++position_));
      return {};
    case T::offset:
      done_ = short_page;
      position_ += n;
      url_ = url_with(options_.offset_param, std::to_string(position_));
      return {};
    case T::next_link: {
      std::string link;
      if (options_.next_pointer.empty()) {
        link = next_from_link_header(facts.link_header);
      } else if (const json* v = facts.next; v && !v->is_null()) {
        if (!v->is_string())
          return fail(Error::permanent(fmt::format("the next link at {} is {}, not a URL",
                                                   options_.next_pointer, a_type_name(*v))));
        link = v->get<std::string>();
      }
      if (link.empty() || n == 0) {
        done_ = true;
        return {};
      }
      return follow(link);
    }
    case T::cursor:
    case T::search_after: {
      const bool search_after = options_.type == T::search_after;
      if (n == 0 || (search_after && short_page)) {
        done_ = true;
        return {};
      }
      const json* v = facts.next;
      if (!v || v->is_null()) {
        if (search_after)
          return fail(
              Error::permanent(fmt::format("the last record of page {} has no sort values at {}",
                                           page_ - 1, options_.next_pointer)));
        done_ = true;
        return {};
      }
      auto token = token_text(*v);
      if (!token)
        return fail(Error::permanent(fmt::format("the {} at {} is {}, not a token",
                                                 search_after ? "sort values" : "cursor",
                                                 options_.next_pointer, a_type_name(*v))));
      if (token->empty()) {
        done_ = true;
        return {};
      }
      if (*token == last_token_)
        return fail(
            Error::permanent(fmt::format("page {} returned the same {} as the page before",
                                         page_ - 1, search_after ? "sort values" : "cursor")));
      last_token_ = *token;
      url_ = url_with(options_.cursor_param, *token);
      return {};
    }
  }
  return {};
}

}  // namespace sluice::adapters::http
