#pragma once
// The Prometheus text exposition (format 0.0.4) of collected metric families, written with fmt
// into one string. prometheus-cpp's TextSerializer writes through an ostream, a value and a
// label at a time; on the same families at 200 pipelines it takes about 7 times as long
// (tests/bench/g1_metrics.cpp compares the two on the same families).
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace sluice::observe {

std::string render_exposition(const std::vector<prometheus::MetricFamily>& families);

}  // namespace sluice::observe
