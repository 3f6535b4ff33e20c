#include "framework/config/show.hpp"

#include <ostream>
#include <stdexcept>

#include <xxhash.h>
#include <yaml-cpp/yaml.h>
#include <zstd.h>

#include <fmt/format.h>

#include "framework/schema/scalar.hpp"

namespace sluice::config {
namespace {

// Would YAML read this plain scalar as a boolean, a number or null?
bool ambiguous(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return true;
  if (parse_bool(s) || s == "y" || s == "n" || s == "Y" || s == "N") return true;
  try {
    std::size_t used = 0;
    (void)std::stod(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

void emit(YAML::Emitter& out, const nlohmann::ordered_json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, value] : v.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(out, item);
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (s.find('\n') != std::string::npos) {
        out << YAML::Literal << s;
      } else if (ambiguous(s)) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      return;
    }
    case nlohmann::json::value_t::boolean: out << v.get<bool>(); return;
    case nlohmann::json::value_t::null: out << YAML::Null; return;
    default: out << v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); return;
  }
}

// A webhook's name defaults by position (build_notifications.cpp), which no key table can
// hold as a literal; the shown config names the channel as `notifications list` does.
void name_webhooks(nlohmann::ordered_json& fields) {
  if (!fields.contains("notifications") || !fields["notifications"].is_object()) return;
  auto& hooks = fields["notifications"]["webhooks"];
  if (!hooks.is_array()) return;
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    if (hooks[i].is_object() && hooks[i]["name"].is_null())
      hooks[i]["name"] = "webhook" + std::to_string(i + 1);
  }
}

}  // namespace

std::string pipeline_config_hash(const PipelineConfig& pipeline) {
  auto definition = pipeline_config_json(pipeline);
  definition.erase("file");
  const std::string text = definition.dump();
  return fmt::format("{:016x}", XXH3_64bits(text.data(), text.size()));
}

std::string packed_config_json(const PipelineConfig& pipeline) {
  std::string text =
      pipeline_config_json(pipeline).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string packed(ZSTD_compressBound(text.size()), '\0');
  const std::size_t n = ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3);
  if (ZSTD_isError(n)) return text;  // cannot happen with a bound-sized buffer; kept readable
  packed.resize(n);
  packed.shrink_to_fit();
  return packed;
}

nlohmann::ordered_json pipeline_config_json(const PipelineConfig& pipeline) {
  if (!pipeline.shown.empty()) {
    const auto& packed = pipeline.shown;
    const auto size = ZSTD_getFrameContentSize(packed.data(), packed.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
      return nlohmann::ordered_json::parse(packed);  // kept as text
    std::string text(size, '\0');
    const std::size_t n = ZSTD_decompress(text.data(), text.size(), packed.data(), packed.size());
    if (ZSTD_isError(n)) throw std::runtime_error("a pipeline's kept definition is corrupt");
    return nlohmann::ordered_json::parse(text);
  }
  nlohmann::ordered_json one = nlohmann::ordered_json::object();
  one["file"] = pipeline.file.string();
  const auto fields = to_json(pipeline.fields);  // items() only refers to it
  for (const auto& [key, value] : fields.items()) one[key] = value;
  name_webhooks(one);
  return one;
}

nlohmann::ordered_json connection_config_json(const ConnectionConfig& connection) {
  return to_json(connection.params);
}

nlohmann::ordered_json effective_config(const Config& config,
                                        const std::optional<DatabaseUrl>& database) {
  using J = nlohmann::ordered_json;
  J out = J::object();
  out["file"] = config.daemon.file.string();
  out["database_url"] =
      database ? J{{"value", database->url.redacted()}, {"from", database->origin}} : J(nullptr);
  J daemon = to_json(config.daemon.fields);
  name_webhooks(daemon);
  J connections = J::object();
  for (const auto& c : config.daemon.connections) connections[c.name] = connection_config_json(c);
  daemon["connections"] = std::move(connections);
  out["daemon"] = std::move(daemon);
  J pipelines = J::object();
  for (const auto& p : config.pipelines) pipelines[p.id.value] = pipeline_config_json(p);
  out["pipelines"] = std::move(pipelines);
  return out;
}

nlohmann::ordered_json diagnostics_json(const Diagnosed& diagnostics) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"file", d.where.file},
                   {"line", d.where.line},
                   {"column", d.where.column},
                   {"path", d.path},
                   {"message", d.message}});
  }
  return out;
}

void print_diagnostics(std::ostream& out, const std::string& config_file,
                       const Diagnosed& diagnostics) {
  for (const auto& d : diagnostics) out << to_string(d) << "\n";
  out << config_file << ": " << diagnostics.size()
      << (diagnostics.size() == 1 ? " error" : " errors") << "\n";
}

std::string to_yaml(const nlohmann::ordered_json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace sluice::config
