#pragma once
// sluice's own key tables (the daemon file, the pipeline file and what every connection,
// source and target has) and the reference rendered from them with the adapters' tables.
#include <string>

#include "framework/schema/key_table.hpp"

namespace sluice::config {

// The pipeline file, the daemon file and their sections (framework/config/keys_*.cpp).
const KeyTable& daemon_keys();
const KeyTable& pipeline_keys();
// `kind` (and what every connection has) before the adapter's own keys.
const KeyTable& connection_common_keys();
// `connection` before the adapter's own source / target keys.
const KeyTable& source_common_keys();
const KeyTable& target_common_keys();
// pipeline.notifications and the daemon file's notifications (keys_notifications.cpp).
const KeyTable& pipeline_notifications_keys();
const KeyTable& daemon_notifications_keys();
// One item of pipeline.checks (keys_checks.cpp).
const KeyTable& check_keys();
// pipeline.run_if (keys_run_if.cpp).
const KeyTable& run_if_keys();

// Markdown reference of every table (daemon, pipeline, each adapter).
std::string render_key_reference();

// A pool's name (the daemon file's `pools`, a pipeline's `pool`): an error, or empty.
std::string check_pool_name(std::string_view name);

}  // namespace sluice::config
