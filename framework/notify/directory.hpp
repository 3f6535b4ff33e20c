#pragma once
// Who hears what, from the loaded config: each pipeline's channels (`email`,
// `webhook:NAME`) and the daemon file's (`daemon/email`, `daemon/webhook:NAME`), with the
// kinds each one subscribes to and what it takes to send (secrets stay here, in memory; the
// database only ever sees channel names). Rebuilt at every load; shared read-only.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config/model.hpp"
#include "framework/notify/event.hpp"

namespace sluice::notify {

struct Channel {
  std::string id{};  // `email`, `webhook:NAME`, `daemon/email`, `daemon/webhook:NAME`
  KindSet kinds{};
  bool email = false;
  std::vector<std::string> recipients{};  // e-mail
  config::Webhook webhook{};              // webhook
};

class Directory {
 public:
  Directory(const config::Config& config, std::vector<std::string> quarantined = {});

  // The channels that hear of `kind` for `pipeline` (its own, then the daemon's).
  std::vector<const Channel*> subscribers(std::string_view pipeline, EventKind kind) const;
  // `id` as `notifications list` shows it: the pipeline's channel, or `daemon/...`.
  const Channel* find(std::string_view pipeline, std::string_view id) const;
  // The ids of the pipeline's channels, then the daemon's.
  std::vector<std::string> channel_ids(std::string_view pipeline) const;
  // The kinds some channel of the pipeline hears (the pipelines registry's notify_events).
  KindSet kinds_of(std::string_view pipeline) const;
  // Loaded, or quarantined (whose events only the daemon's channels hear).
  bool knows(std::string_view pipeline) const;
  std::vector<std::string> pipelines() const;
  const std::vector<Channel>& daemon_channels() const { return daemon_; }
  time::Zone zone_of(std::string_view pipeline) const;

  const config::NotificationSettings& settings() const { return settings_; }
  const std::string& public_url() const { return public_url_; }

 private:
  struct PipelineEntry {
    time::Zone zone = nullptr;
    std::vector<Channel> channels{};
  };
  std::map<std::string, PipelineEntry, std::less<>> pipelines_;
  std::vector<Channel> daemon_;
  config::NotificationSettings settings_;
  std::string public_url_;
  time::Zone default_zone_ = nullptr;
};

}  // namespace sluice::notify
