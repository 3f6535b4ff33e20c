#include "framework/notify/directory.hpp"

namespace sluice::notify {
namespace {

Channel webhook_channel(const config::Webhook& w, std::string_view prefix) {
  Channel c;
  c.id = std::string(prefix) + "webhook:" + w.name;
  c.kinds = kinds_of_choices(w.events);
  c.webhook = w;
  return c;
}

KindSet pipeline_email_kinds(const config::Notifications& n) {
  KindSet s;
  if (n.email_on_failure) {
    for (auto k : {EventKind::window_failed, EventKind::audit_mismatch, EventKind::sla_missed,
                   EventKind::backfill_failed, EventKind::config_error, EventKind::check_failed,
                   EventKind::check_warning})
      s.add(k);
  }
  if (n.email_on_retry) s.add(EventKind::window_retry);
  return s;
}

}  // namespace

Directory::Directory(const config::Config& config, std::vector<std::string> quarantined)
    : settings_(config.daemon.notifications),
      public_url_(config.daemon.http.public_url),
      default_zone_(config.daemon.timezone ? config.daemon.timezone : time::utc_zone()) {
  const auto& d = config.daemon.notifications;
  const bool mail = d.smtp.has_value();
  if (mail && !d.email_list.empty()) {
    Channel c{.id = "daemon/email", .email = true, .recipients = d.email_list};
    c.kinds.add(EventKind::config_error);
    c.kinds.add(EventKind::database_down);
    c.kinds.add(EventKind::database_back);
    daemon_.push_back(std::move(c));
  }
  for (const auto& w : d.webhooks) {
    auto c = webhook_channel(w, "daemon/");
    if (c.kinds.has(EventKind::database_down)) c.kinds.add(EventKind::database_back);
    daemon_.push_back(std::move(c));
  }
  for (const auto& p : config.pipelines) {
    PipelineEntry e{.zone = p.zone};
    const auto& n = p.notifications;
    if (mail && !n.email_list.empty()) {
      Channel c{.id = "email",
                .kinds = pipeline_email_kinds(n),
                .email = true,
                .recipients = n.email_list};
      if (!c.kinds.empty()) e.channels.push_back(std::move(c));
    }
    for (const auto& w : n.webhooks) e.channels.push_back(webhook_channel(w, ""));
    pipelines_.insert_or_assign(p.id.value, std::move(e));
  }
  for (auto& id : quarantined) pipelines_.try_emplace(std::move(id));
}

std::vector<const Channel*> Directory::subscribers(std::string_view pipeline,
                                                   EventKind kind) const {
  std::vector<const Channel*> out;
  if (const auto p = pipelines_.find(pipeline); p != pipelines_.end())
    for (const auto& c : p->second.channels)
      if (c.kinds.has(kind)) out.push_back(&c);
  for (const auto& c : daemon_)
    if (c.kinds.has(kind)) out.push_back(&c);
  return out;
}

const Channel* Directory::find(std::string_view pipeline, std::string_view id) const {
  if (id.starts_with("daemon/")) {
    for (const auto& c : daemon_)
      if (c.id == id) return &c;
    return nullptr;
  }
  if (const auto p = pipelines_.find(pipeline); p != pipelines_.end())
    for (const auto& c : p->second.channels)
      if (c.id == id) return &c;
  return nullptr;
}

std::vector<std::string> Directory::channel_ids(std::string_view pipeline) const {
  std::vector<std::string> out;
  if (const auto p = pipelines_.find(pipeline); p != pipelines_.end())
    for (const auto& c : p->second.channels) out.push_back(c.id);
  for (const auto& c : daemon_) out.push_back(c.id);
  return out;
}

KindSet Directory::kinds_of(std::string_view pipeline) const {
  KindSet s;
  if (const auto p = pipelines_.find(pipeline); p != pipelines_.end())
    for (const auto& c : p->second.channels) s.add(c.kinds);
  for (const auto& c : daemon_) s.add(c.kinds);
  return s;
}

bool Directory::knows(std::string_view pipeline) const {
  return pipelines_.contains(pipeline);
}

std::vector<std::string> Directory::pipelines() const {
  std::vector<std::string> out;
  for (const auto& [id, _] : pipelines_) out.push_back(id);
  return out;
}

time::Zone Directory::zone_of(std::string_view pipeline) const {
  const auto p = pipelines_.find(pipeline);
  return p != pipelines_.end() && p->second.zone ? p->second.zone : default_zone_;
}

}  // namespace sluice::notify
