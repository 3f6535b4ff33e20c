#include "framework/notify/outbox.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records.hpp"

namespace sluice::notify {
namespace {

using store::exec_with;

constexpr const char* kDue =
    "d.pipeline_id = $1 AND d.channel = $2 AND d.status = 'pending' "
    "AND d.next_attempt_at <= now()";

std::optional<Instant> instant_at(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return Instant(Seconds(f.as<std::int64_t>()));
}

std::optional<std::int64_t> id_at(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

std::string text_at(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

Event event_of(const pqxx::row& r) {
  Event e;
  e.id = r["nid"].as<std::int64_t>();
  e.kind = parse_event_kind(r["event"].as<std::string>()).value_or(EventKind::test);
  e.pipeline = r["pipeline_id"].as<std::string>();
  e.record_id = id_at(r["record_id"]);
  e.backfill_id = id_at(r["backfill_id"]);
  e.window_start = instant_at(r["ws"]);
  e.window_end = instant_at(r["we"]);
  e.run_id = text_at(r["run_id"]);
  e.message = text_at(r["message"]);
  e.at = Instant(Seconds(r["at"].as<std::int64_t>()));
  return e;
}

}  // namespace

Result<std::int64_t> Outbox::expand(const Directory& d, int limit) {
  const auto known = d.pipelines();
  return store::attempt("expanding notifications", [&] {
    pqxx::work tx(c_);
    const auto events = exec_with(tx,
                                  "SELECT id, event, pipeline_id FROM notifications "
                                  " WHERE expanded_at IS NULL AND pipeline_id = ANY($1::text[]) "
                                  " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                                  {store::array_literal(known), std::to_string(limit)});
    std::vector<std::string> ids, delivery_ids, pipelines, channels;
    for (const auto& row : events) {
      const auto id = row[0].as<std::string>();
      ids.push_back(id);
      const auto kind = parse_event_kind(row[1].as<std::string>());
      const auto pipeline = row[2].as<std::string>();
      if (!kind) continue;
      for (const auto* channel : d.subscribers(pipeline, *kind)) {
        delivery_ids.push_back(id);
        pipelines.push_back(pipeline);
        channels.push_back(channel->id);
      }
    }
    if (!delivery_ids.empty()) {
      exec_with(tx,
                "INSERT INTO notification_deliveries (notification_id, pipeline_id, channel) "
                "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) "
                "ON CONFLICT (notification_id, channel) DO NOTHING",
                {store::array_literal(delivery_ids), store::array_literal(pipelines),
                 store::array_literal(channels)});
    }
    if (!ids.empty()) {
      exec_with(tx, "UPDATE notifications SET expanded_at = now() WHERE id = ANY($1::bigint[])",
                {store::array_literal(ids)});
    }
    // A pipeline removed from every daemon's config: nobody will ever expand its events.
    exec_with(tx,
              "UPDATE notifications SET expanded_at = now() "
              " WHERE expanded_at IS NULL AND created_at < now() - interval '1 day'",
              {});
    tx.commit();
    return static_cast<std::int64_t>(ids.size());
  });
}

Result<std::vector<Stream>> Outbox::streams(const Directory& d, int limit) {
  const auto known = d.pipelines();
  return store::attempt("looking for due notifications", [&] {
    pqxx::nontransaction tx(c_);
    std::vector<Stream> out;
    for (const auto& row :
         exec_with(tx,
                   "SELECT pipeline_id, channel, "
                   "       (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::bigint "
                   "  FROM notification_deliveries "
                   " WHERE status = 'pending' AND pipeline_id = ANY($1::text[]) "
                   " GROUP BY 1, 2 ORDER BY 3 LIMIT $2",
                   {store::array_literal(known), std::to_string(limit)}))
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                     std::chrono::milliseconds(row[2].as<std::int64_t>())});
    return out;
  });
}

Result<StreamResult> Outbox::deliver(const Directory& d, const Stream& s, const Sender& send) {
  const auto& settings = d.settings();
  return store::attempt("delivering notifications", [&]() -> StreamResult {
    {
      pqxx::nontransaction n(c_);
      exec_with(n,
                "INSERT INTO notification_streams (pipeline_id, channel) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING",
                {s.pipeline, s.channel});
    }
    // One snapshot: the message, and what is marked sent, are exactly the same deliveries.
    pqxx::transaction<pqxx::isolation_level::repeatable_read> tx(c_);
    const auto lock = exec_with(
        tx,
        "SELECT (extract(epoch FROM last_sent_at + $3 * interval '1 second' - now()) * 1000)"
        "::bigint, extract(epoch FROM now())::bigint "
        "  FROM notification_streams WHERE pipeline_id = $1 AND channel = $2 "
        "   FOR UPDATE SKIP LOCKED",
        {s.pipeline, s.channel, std::to_string(settings.digest_interval.count())});
    if (lock.empty()) return {.what = StreamResult::What::busy};
    if (!lock[0][0].is_null() && lock[0][0].as<std::int64_t>() > 0)
      return {.what = StreamResult::What::waiting,
              .wait = std::chrono::milliseconds(lock[0][0].as<std::int64_t>())};
    const Instant now(Seconds(lock[0][1].as<std::int64_t>()));
    const store::SqlParams stream{s.pipeline, s.channel};

    Message m{.pipeline = s.pipeline, .channel = s.channel, .sent_at = now, .host = host_};
    std::int64_t first = 0, last = 0;
    for (const auto& row : exec_with(tx,
                                     std::string("SELECT n.event, count(*), min(d.id), max(d.id) "
                                                 "  FROM notification_deliveries d "
                                                 "  JOIN notifications n ON n.id = "
                                                 "d.notification_id WHERE ") +
                                         kDue + " GROUP BY n.event",
                                     stream)) {
      const auto kind = parse_event_kind(row[0].as<std::string>()).value_or(EventKind::test);
      const auto n = row[1].as<std::int64_t>();
      m.by_kind[kind] += n;
      m.count += n;
      first = first ? std::min(first, row[2].as<std::int64_t>()) : row[2].as<std::int64_t>();
      last = std::max(last, row[3].as<std::int64_t>());
    }
    if (m.count == 0) return {.what = StreamResult::What::nothing};
    for (const auto& row : exec_with(
             tx,
             std::string(
                 "SELECT n.id AS nid, n.event, n.pipeline_id, n.record_id, n.backfill_id, "
                 "       extract(epoch FROM n.window_start)::bigint AS ws, "
                 "       extract(epoch FROM n.window_end)::bigint AS we, n.run_id, n.message, "
                 "       extract(epoch FROM n.created_at)::bigint AS at "
                 "  FROM notification_deliveries d JOIN notifications n "
                 "    ON n.id = d.notification_id WHERE ") +
                 kDue + " ORDER BY d.id LIMIT " + std::to_string(kMaxListed),
             stream))
      m.events.push_back(event_of(row));
    m.id = fmt::format("{}-{}", first, last);

    const Channel* channel = d.find(s.pipeline, s.channel);
    const SendResult sent =
        channel ? send(*channel, m)
                : SendResult{.verdict = Verdict::give_up,
                             .error = "the channel " + s.channel + " is no longer configured"};
    StreamResult out{.deliveries = m.count, .error = sent.error};
    const std::string where = std::string(" WHERE ") + kDue;
    if (sent.verdict == Verdict::delivered) {
      exec_with(tx,
                "UPDATE notification_deliveries d SET status = 'sent', attempts = attempts + 1, "
                "       sent_at = clock_timestamp(), message_id = $3, last_error = NULL" +
                    where,
                {s.pipeline, s.channel, m.id});
      exec_with(tx,
                "UPDATE notification_streams SET last_sent_at = clock_timestamp() "
                " WHERE pipeline_id = $1 AND channel = $2",
                stream);
      out.what = StreamResult::What::sent;
    } else if (sent.verdict == Verdict::retry) {
      // Each delivery waits by its own count of attempts; the last allowed one gives up.
      exec_with(tx,
                "UPDATE notification_deliveries d SET attempts = attempts + 1, last_error = $3, "
                "       message_id = $4, "
                "       status = CASE WHEN attempts + 1 >= $5 THEN 'given_up' ELSE 'pending' END, "
                "       sent_at = CASE WHEN attempts + 1 >= $5 THEN clock_timestamp() END, "
                "       next_attempt_at = clock_timestamp() + greatest($6::bigint, "
                "           least($8::bigint, $7::bigint * power(2, least(attempts, 30)))) "
                "           * interval '1 second'" +
                    where,
                {s.pipeline, s.channel, sent.error, m.id, std::to_string(settings.max_attempts),
                 std::to_string(sent.retry_after.value_or(Seconds(0)).count()),
                 std::to_string(settings.retry_delay.count()),
                 std::to_string(settings.max_retry_delay.count())});
      out.what = StreamResult::What::retried;
    } else {
      exec_with(tx,
                "UPDATE notification_deliveries d SET status = 'given_up', attempts = attempts "
                "+ 1, sent_at = clock_timestamp(), last_error = $3, message_id = $4" +
                    where,
                {s.pipeline, s.channel, sent.error, m.id});
      out.what = StreamResult::What::given_up;
    }
    tx.commit();
    return out;
  });
}

Result<std::int64_t> Outbox::record_late_windows(
    const Directory& d, const std::vector<std::pair<std::string, Seconds>>& slas) {
  std::vector<std::string> ids, secs;
  for (const auto& [id, sla] : slas) {
    if (d.subscribers(id, EventKind::sla_missed).empty()) continue;
    ids.push_back(id);
    secs.push_back(std::to_string(sla.count()));
  }
  if (ids.empty()) return std::int64_t{0};
  return store::attempt("looking for late windows", [&] {
    pqxx::nontransaction tx(c_);
    const auto r = exec_with(
        tx,
        "INSERT INTO notifications (event, pipeline_id, record_id, window_start, window_end, "
        "                           run_id, message, dedupe_key) "
        "SELECT 'sla_missed', r.pipeline_id, r.id, r.window_start_time, r.window_end_time, "
        "       r.dag_run_id, format('still %s %s after the window ended (sla %s)', "
        "       r.pipeline_status, date_trunc('second', now() - r.window_end_time), "
        "       make_interval(secs => s.secs)), 'sla:' || r.id "
        "  FROM unnest($1::text[], $2::bigint[]) AS s(pipeline_id, secs) "
        "  JOIN pipeline_records r ON r.pipeline_id = s.pipeline_id "
        " WHERE r.pipeline_status IN ('PENDING', 'IN_PROGRESS', 'FAILED') "
        "   AND NOT EXISTS (SELECT 1 FROM pipelines p "
        "                    WHERE p.pipeline_id = r.pipeline_id AND p.paused) "
        "   AND r.window_end_time < now() - s.secs * interval '1 second' "
        "   AND r.window_end_time > now() - s.secs * interval '1 second' - interval '1 day' "
        "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
        {store::array_literal(ids), store::array_literal(secs)});
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

Result<bool> Outbox::record_config_error(const Directory& d, const std::string& pipeline,
                                         const std::string& message,
                                         const std::string& fingerprint) {
  if (d.subscribers(pipeline, EventKind::config_error).empty()) return false;
  return store::attempt("recording a config error", [&] {
    pqxx::nontransaction tx(c_);
    const auto r = exec_with(tx,
                             "INSERT INTO notifications (event, pipeline_id, message, dedupe_key) "
                             "VALUES ('config_error', $1, $2, $3) "
                             "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
                             {pipeline, message, "config:" + pipeline + ":" + fingerprint});
    return r.affected_rows() == 1;
  });
}

Result<std::vector<DeliveryRow>> Outbox::list(const ListFilter& f) {
  return store::attempt("listing notifications", [&] {
    pqxx::nontransaction tx(c_);
    std::vector<DeliveryRow> out;
    for (const auto& r : exec_with(
             tx,
             "SELECT d.id, d.notification_id, n.event, d.pipeline_id, d.channel, d.status, "
             "       d.message_id, d.last_error, n.run_id, d.attempts, n.record_id, "
             "       extract(epoch FROM n.window_start)::bigint, "
             "       extract(epoch FROM d.next_attempt_at)::bigint, "
             "       extract(epoch FROM d.sent_at)::bigint, "
             "       extract(epoch FROM d.created_at)::bigint "
             "  FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id "
             " WHERE ($1::text IS NULL OR d.status = $1) "
             "   AND ($2::text IS NULL OR d.pipeline_id = $2) "
             " ORDER BY d.id DESC LIMIT $3",
             {f.status, f.pipeline, std::to_string(f.limit)})) {
      DeliveryRow row{
          .id = r[0].as<std::int64_t>(),
          .notification_id = r[1].as<std::int64_t>(),
          .event = r[2].as<std::string>(),
          .pipeline = r[3].as<std::string>(),
          .channel = r[4].as<std::string>(),
          .status = r[5].as<std::string>(),
          .message_id = text_at(r[6]),
          .last_error = text_at(r[7]),
          .run_id = text_at(r[8]),
          .attempts = r[9].as<int>(),
          .record_id = id_at(r[10]),
          .window_start = instant_at(r[11]),
          .next_attempt_at = r[5].as<std::string>() == "pending" ? instant_at(r[12]) : std::nullopt,
          .sent_at = instant_at(r[13]),
          .created_at = Instant(Seconds(r[14].as<std::int64_t>()))};
      out.push_back(std::move(row));
    }
    return out;
  });
}

}  // namespace sluice::notify
