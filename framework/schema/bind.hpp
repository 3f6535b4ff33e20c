#pragma once
// Bindings: which key of a table fills which member of a typed struct, declared once next to
// the table (in the spirit of fluent-bit's config_map), so that code reads its section as
// `config::bind(binding, fields)` and never a key by its name. Defaults stay in the table:
// the loader has filled them into the Fields, and a bound member takes whatever is there.
//
// A member reads the Value alternative its type names (std::string, std::int64_t, bool,
// time::Duration, Secret, NamedStrings, ...), or:
// - std::optional<U>: nullopt when the key has no value (unset and no default);
// - Written<U>: the value and whether the file wrote it (false: the table's default);
// - any other integer: from std::int64_t (the table's min/max keep it in range);
// - a std::chrono::duration: from time::Duration's fixed part (durations of adapter keys are
//   never calendar ones);
// - anything, through a conversion function (`{"format", &S::format, parse_format}`);
// - a struct of its own, for a `section` key, through that section's binding (a std::vector of
//   them for `section_list`).
// A value of another alternative than the member reads (never so after validation) leaves the
// member as it was, as a key with no value does.
//
// A binding checks itself against its table (problems()): every key bound to exactly one
// member or listed as read elsewhere with the reason, no key bound that the table lacks, and
// each member reading what the key's type gives. tests/unit/adapters/bindings_test.cpp runs
// it on every adapter's bindings, so a key the loader accepts is never silently ignored.
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "framework/schema/fields.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::config {

// A value and whether the file wrote it: a key that overrides something else (a URL's
// parameters) only when written beside it.
template <class T>
struct Written {
  T value{};
  bool written = false;
};

// The index in Value of the alternative the loader stores for `spec`, or std::variant_npos
// for keys that hold no Value (sections and the loader's own kinds).
std::size_t value_index(const KeySpec& spec);
// `string`, `integer`, `secret`...: an alternative of Value by its index, for messages.
std::string_view value_type_name(std::size_t index);

// A binding without its struct type: what the coverage check needs.
class BindingInfo {
 public:
  struct Key {
    std::string_view name;
    std::size_t reads = std::variant_npos;  // the Value alternative the member takes
    const BindingInfo* section = nullptr;   // `section` / `section_list`: its keys' binding
    bool list = false;                      // `section_list`
  };
  // A key of the table that something else reads, and what does.
  struct Elsewhere {
    std::string_view name;
    std::string_view reason;
  };

  const KeyTable& table() const { return *table_; }
  const std::vector<Key>& keys() const { return keys_; }
  const std::vector<Elsewhere>& elsewhere() const { return elsewhere_; }

  // Everything wrong with the binding as declared, one sentence each (sections' bindings
  // included); empty when every key of the table is bound to exactly one member of a fitting
  // type or read elsewhere.
  std::vector<std::string> problems() const;

 protected:
  BindingInfo(const KeyTable& table, std::vector<Elsewhere> elsewhere)
      : table_(&table), elsewhere_(std::move(elsewhere)) {}

  const KeyTable* table_;
  std::vector<Key> keys_;
  std::vector<Elsewhere> elsewhere_;
};

namespace detail {

template <class T, class V>
struct AlternativeIndex;
template <class T, class... A>
struct AlternativeIndex<T, std::variant<A...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, A>...};
    for (std::size_t i = 0; i < sizeof...(A); ++i) {
      if (same[i]) return i;
    }
    return std::variant_npos;
  }();
};

template <class M>
struct Reads {
  using type = M;
};
template <class U>
struct Reads<std::optional<U>> {
  using type = typename Reads<U>::type;
};
template <class U>
struct Reads<Written<U>> {
  using type = typename Reads<U>::type;
};
template <class R, class P>
struct Reads<std::chrono::duration<R, P>> {
  using type = time::Duration;
};
template <std::integral M>
requires(!std::same_as<M, bool> && !std::same_as<M, std::int64_t>) struct Reads<M> {
  using type = std::int64_t;
};
// A conversion function's parameter: std::string_view reads a string.
template <class F>
using ArgReads = std::conditional_t<std::is_same_v<std::remove_cvref_t<F>, std::string_view>,
                                    std::string, std::remove_cvref_t<F>>;

template <class V>
constexpr std::size_t index_of() {
  constexpr std::size_t i = AlternativeIndex<V, Value>::value;
  static_assert(i != std::variant_npos, "a bound member reads none of config::Value's types");
  return i;
}

template <class T>
inline constexpr bool is_optional = false;
template <class U>
inline constexpr bool is_optional<std::optional<U>> = true;
template <class T>
inline constexpr bool is_written = false;
template <class U>
inline constexpr bool is_written<Written<U>> = true;
template <class T>
inline constexpr bool is_chrono = false;
template <class R, class P>
inline constexpr bool is_chrono<std::chrono::duration<R, P>> = true;

template <class M, class V>
void assign(M& member, const V& value, bool defaulted) {
  if constexpr (is_optional<M>) {
    member.emplace();
    assign(*member, value, defaulted);
  } else if constexpr (is_written<M>) {
    assign(member.value, value, defaulted);
    member.written = !defaulted;
  } else if constexpr (is_chrono<M>) {
    member = std::chrono::duration_cast<M>(value.fixed);
  } else if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
    member = static_cast<M>(value);
  } else {
    member = value;
  }
}

}  // namespace detail

template <class T>
class Binding : public BindingInfo {
 public:
  // One key and the member it fills.
  class Member {
   public:
    template <class M>
    Member(std::string_view key, M T::*member)
        : key_{key, detail::index_of<typename detail::Reads<M>::type>()} {
      using V = typename detail::Reads<M>::type;
      assign_ = [member](T& out, const Fields::Entry& e) {
        if (const V* v = std::get_if<V>(&e.value)) detail::assign(out.*member, *v, e.defaulted);
      };
    }
    // Through a conversion: an enum from a choice, a flag from one of its words.
    template <class M, class From>
    Member(std::string_view key, M T::*member, M (*convert)(From))
        : key_{key, detail::index_of<detail::ArgReads<From>>()} {
      using V = detail::ArgReads<From>;
      assign_ = [member, convert](T& out, const Fields::Entry& e) {
        if (const V* v = std::get_if<V>(&e.value)) out.*member = convert(*v);
      };
    }
    template <class S>
    Member(std::string_view key, S T::*member, const Binding<S>& section)
        : key_{key, std::variant_npos, &section} {
      assign_ = [member, &section](T& out, const Fields::Entry& e) {
        if (!e.children.empty()) out.*member = section.read(e.children.front());
      };
    }
    template <class S>
    Member(std::string_view key, std::vector<S> T::*member, const Binding<S>& section)
        : key_{key, std::variant_npos, &section, true} {
      assign_ = [member, &section](T& out, const Fields::Entry& e) {
        for (const auto& child : e.children) (out.*member).push_back(section.read(child));
      };
    }

   private:
    friend class Binding;
    Key key_;
    std::function<void(T&, const Fields::Entry&)> assign_;
  };

  Binding(const KeyTable& table, std::initializer_list<Member> members,
          std::vector<Elsewhere> elsewhere = {})
      : BindingInfo(table, std::move(elsewhere)), members_(members) {
    for (const auto& m : members_) keys_.push_back(m.key_);
  }

  // The section's values in a T; members whose key the section lacks stay as T{} has them.
  T read(const Fields& fields) const {
    T out{};
    for (const auto& m : members_) {
      if (const Fields::Entry* e = fields.find(m.key_.name)) m.assign_(out, *e);
    }
    return out;
  }

 private:
  std::vector<Member> members_;
};

template <class T>
T bind(const Binding<T>& binding, const Fields& fields) {
  return binding.read(fields);
}

}  // namespace sluice::config
