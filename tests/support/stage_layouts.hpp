#pragma once
// Every stage layout (format x compression), named as the data file's extension, for tests
// that run each.
#include <string>
#include <utility>
#include <vector>

#include "framework/adapters/stage_local/local_stage.hpp"

namespace sluice::test {

inline const std::vector<std::pair<std::string, adapters::LocalStage::Layout>>& stage_layouts() {
  using adapters::formats::Format;
  static const std::vector<std::pair<std::string, adapters::LocalStage::Layout>> all{
      {"copy", {Format::copy_text, false}}, {"copy.zst", {Format::copy_text, true}},
      {"csv", {Format::csv, false}},        {"csv.zst", {Format::csv, true}},
      {"jsonl", {Format::jsonl, false}},    {"jsonl.zst", {Format::jsonl, true}}};
  return all;
}

}  // namespace sluice::test
