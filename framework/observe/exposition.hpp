#pragma once
// The Prometheus text exposition (format 0.0.4) of collected metric families, written with fmt
// into one string. prometheus-cpp's TextSerializer writes through an ostream, a value and a
// label at a time; on the same families at 200 pipelines it takes about 7 times as long
// (tests/bench/g1_metrics.cpp compares the two on the same families).
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace sluice::observe {

std::string render_exposition(const std::vector<prometheus::MetricFamily>& families);

// A family's `# HELP` and `# TYPE` lines, and one sample line `name{label="value",...} value`,
// as render_exposition writes them: for series rendered straight from a snapshot.
void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type);
void append_sample(std::string& out, std::string_view name,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                   double value);

}  // namespace sluice::observe
