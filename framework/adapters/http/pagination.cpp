#include "framework/adapters/http/pagination.hpp"

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

std::optional<std::string> token_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value) {
      auto text = token_text(item);
      if (!text || item.is_array()) return std::nullopt;
      out += (out.empty() ? "" : ",") + *text;
    }
    return out;
  }
  return std::nullopt;
}

namespace {

const json* at_pointer(const json& doc, const std::string& pointer) {
  try {
    const json::json_pointer p(pointer);
    return doc.contains(p) ? &doc.at(p) : nullptr;
  } catch (const json::exception&) {
    return nullptr;  // `/items/x` into an array: nothing there
  }
}

}  // namespace

Pager::Pager(PaginationOptions options, std::string first_url)
    : options_(std::move(options)), base_(std::move(first_url)) {
  using T = PaginationType;
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
      std::string next = resolve_link(url_, link);
      if (next == url_)
        return fail(
            Error::permanent(fmt::format("page {} links to itself as the next page", page_ - 1)));
      url_ = std::move(next);
      return {};
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
