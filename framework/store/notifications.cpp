#include "framework/store/notifications.hpp"

#include <pqxx/notification>

#include "framework/store/database.hpp"
#include "framework/store/errors.hpp"

namespace sluice::store {
// Not in an anonymous namespace: Notifications::State, a class with linkage, holds it.
namespace listen {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel,
           std::function<void(const std::string&)> on)
      : pqxx::notification_receiver(c, channel), on_(std::move(on)) {}
  void operator()(const std::string& payload, int) override {
    if (on_) on_(payload);
  }

 private:
  std::function<void(const std::string&)> on_;
};

std::function<void(const std::string&)> ignoring_payload(std::function<void()> on) {
  return [on = std::move(on)](const std::string&) {
    if (on) on();
  };
}

}  // namespace listen

// Receivers unregister from their connection when destroyed, so they go first.
struct Notifications::State {
  std::unique_ptr<Connection> connection;
  std::unique_ptr<listen::Receiver> records, backfill, changes, outbox, catalog;
  ~State() {
    records.reset();
    backfill.reset();
    changes.reset();
    outbox.reset();
    catalog.reset();
  }
};

Notifications::Notifications(std::unique_ptr<State> state) : state_(std::move(state)) {}

Notifications::~Notifications() = default;

Result<std::unique_ptr<Notifications>> Notifications::open(std::string_view url,
                                                           NotificationHandlers handlers) {
  auto state = std::make_unique<State>();
  auto opened = connect(url, {"sluice-listen", 5});
  if (!opened) return fail(opened.error());
  state->connection = std::move(*opened);
  auto listened = attempt("LISTEN", [&] {
    state->records =
        std::make_unique<listen::Receiver>(*state->connection, "sluice_records",
                                           listen::ignoring_payload(std::move(handlers.records)));
    state->backfill =
        std::make_unique<listen::Receiver>(*state->connection, "sluice_backfill",
                                           listen::ignoring_payload(std::move(handlers.backfill)));
    if (handlers.changes)
      state->changes = std::make_unique<listen::Receiver>(*state->connection, "sluice_changes",
                                                          std::move(handlers.changes));
    if (handlers.outbox)
      state->outbox =
          std::make_unique<listen::Receiver>(*state->connection, "sluice_notifications",
                                             listen::ignoring_payload(std::move(handlers.outbox)));
    if (handlers.catalog)
      state->catalog =
          std::make_unique<listen::Receiver>(*state->connection, "sluice_catalog",
                                             listen::ignoring_payload(std::move(handlers.catalog)));
  });
  if (!listened) return fail(listened.error());
  return std::unique_ptr<Notifications>(new Notifications(std::move(state)));
}

int Notifications::socket() const {
  return state_->connection->sock();
}

Result<void> Notifications::read() {
  std::string why;
  try {
    state_->connection->get_notifs();
    if (!state_->connection->is_open()) why = "connection closed";
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (why.empty()) return {};
  Error lost = Error::retryable(redact_secrets(why));
  lost.connection_lost = true;
  return fail(std::move(lost));
}

}  // namespace sluice::store
