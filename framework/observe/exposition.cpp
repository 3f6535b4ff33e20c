#include "framework/observe/exposition.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace sluice::observe {
namespace {

using Out = std::back_insert_iterator<std::string>;

void write_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(Out(out), "{}", v);  // the shortest text that reads back as v
  }
}

// `\`, `"` and newlines escaped, as the format asks of label values (and `\` and newlines of
// help text).
void write_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// name{labels[,extra="value"]} value
void write_sample(std::string& out, const std::string& name, std::string_view suffix,
                  const prometheus::ClientMetric& m, std::string_view extra_label,
                  const std::string& extra_value, double value) {
  out += name;
  out += suffix;
  if (!m.label.empty() || !extra_label.empty()) {
    out += '{';
    bool first = true;
    for (const auto& l : m.label) {
      if (!first) out += ',';
      first = false;
      out += l.name;
      out += "=\"";
      write_escaped(out, l.value, true);
      out += '"';
    }
    if (!extra_label.empty()) {
      if (!first) out += ',';
      out += extra_label;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  write_value(out, value);
  if (m.timestamp_ms != 0) fmt::format_to(Out(out), " {}", m.timestamp_ms);
  out += '\n';
}

std::string_view type_name(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter: return "counter";
    case prometheus::MetricType::Gauge: return "gauge";
    case prometheus::MetricType::Summary: return "summary";
    case prometheus::MetricType::Histogram: return "histogram";
    default: return "untyped";
  }
}

}  // namespace

std::string render_exposition(const std::vector<prometheus::MetricFamily>& families) {
  std::string out;
  std::size_t samples = 0;
  for (const auto& f : families) samples += f.metric.size();
  out.reserve(samples * 96);
  std::string bound;
  for (const auto& f : families) {
    if (f.metric.empty()) continue;
    append_family_header(out, f.name, f.help, type_name(f.type));
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          write_sample(out, f.name, "", m, "", "", m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          write_sample(out, f.name, "", m, "", "", m.gauge.value);
          break;
        case prometheus::MetricType::Histogram: {
          for (const auto& b : m.histogram.bucket) {
            bound.clear();
            write_value(bound, b.upper_bound);
            write_sample(out, f.name, "_bucket", m, "le", bound,
                         static_cast<double>(b.cumulative_count));
          }
          write_sample(out, f.name, "_sum", m, "", "", m.histogram.sample_sum);
          write_sample(out, f.name, "_count", m, "", "",
                       static_cast<double>(m.histogram.sample_count));
          break;
        }
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            bound.clear();
            write_value(bound, q.quantile);
            write_sample(out, f.name, "", m, "quantile", bound, q.value);
          }
          write_sample(out, f.name, "_sum", m, "", "", m.summary.sample_sum);
          write_sample(out, f.name, "_count", m, "", "",
                       static_cast<double>(m.summary.sample_count));
          break;
        default: write_sample(out, f.name, "", m, "", "", m.untyped.value); break;
      }
    }
  }
  return out;
}

void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  write_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_sample(std::string& out, std::string_view name,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                   double value) {
  out += name;
  if (labels.size() > 0) {
    out += '{';
    bool first = true;
    for (const auto& [label, text] : labels) {
      if (!first) out += ',';
      first = false;
      out += label;
      out += "=\"";
      write_escaped(out, text, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  write_value(out, value);
  out += '\n';
}

}  // namespace sluice::observe
