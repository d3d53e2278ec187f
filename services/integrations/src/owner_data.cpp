#include "owner_data.hpp"

namespace kx::integrations {
namespace {

// One statement, so the parts are read at one point in time (the export runs REPEATABLE READ).
constexpr const char* kOwnerData = R"sql(
SELECT json_build_object(
  'google', (SELECT json_build_object(
               'status', g.status, 'google_email', g.google_email, 'scopes', g.scopes,
               'calendar_id', g.calendar_id, 'connected_at', g.connected_at,
               'updated_at', g.updated_at)
             FROM google_connections g WHERE g.user_id = $1),
  'settings', (SELECT json_build_object(
                 'appointment_minutes', s.appointment_minutes, 'sheet_id', s.sheet_id,
                 'sheet_url', s.sheet_url, 'sheet_email', s.sheet_email, 'updated_at', s.updated_at)
               FROM owner_settings s WHERE s.user_id = $1),
  'bookings', coalesce((
    SELECT json_agg(json_build_object(
             'id', b.id, 'agent_id', b.agent_id, 'call_id', b.call_id,
             'caller_name', b.caller_name, 'caller_number', b.caller_number,
             'start_at', b.start_at, 'end_at', b.end_at, 'timezone', b.timezone,
             'status', b.status, 'calendar_id', b.calendar_id, 'created_at', b.created_at,
             'updated_at', b.updated_at) ORDER BY b.start_at, b.id)
    FROM bookings b WHERE b.user_id = $1), '[]'::json),
  'call_log', coalesce((
    SELECT json_agg(json_build_object(
             'call_id', r.call_id, 'cells', r.cells, 'state', r.state,
             'created_at', r.created_at, 'done_at', r.done_at) ORDER BY r.created_at, r.call_id)
    FROM sheet_rows r WHERE r.user_id = $1), '[]'::json),
  'mail', json_build_object(
    'recipient', (SELECT json_build_object('email', o.email, 'name', o.name, 'locale', o.locale)
                  FROM mail_owners o WHERE o.user_id = $1 AND NOT o.deleted),
    'preferences', (SELECT json_build_object(
                      'call_summary', p.call_summary, 'new_booking', p.new_booking,
                      'updated_at', p.updated_at)
                    FROM mail_preferences p WHERE p.user_id = $1),
    'mails', coalesce((
      SELECT json_agg(json_build_object(
               'id', m.id, 'kind', m.kind, 'recipient', m.recipient, 'subject', m.subject,
               'language', m.language, 'state', m.state, 'attempts', m.attempts,
               'created_at', m.created_at, 'sent_at', m.sent_at) ORDER BY m.created_at, m.id)
      FROM mails m WHERE m.user_id = $1), '[]'::json)),
  'webhooks', coalesce((
    SELECT json_agg(json_build_object(
             'id', e.id, 'url', e.url, 'description', e.description,
             'event_types', e.event_types, 'enabled', e.enabled,
             'disabled_reason', e.disabled_reason, 'created_at', e.created_at,
             'updated_at', e.updated_at,
             'deliveries', coalesce((
               SELECT json_agg(json_build_object(
                        'id', d.id, 'event_type', d.event_type, 'event_id', d.event_id,
                        'payload', d.payload, 'state', d.state, 'attempts', d.attempts,
                        'last_status', d.last_status, 'created_at', d.created_at,
                        'delivered_at', d.delivered_at) ORDER BY d.created_at DESC, d.id)
               FROM (SELECT * FROM webhook_deliveries WHERE endpoint_id = e.id
                     ORDER BY created_at DESC, id LIMIT 100) d), '[]'::json))
           ORDER BY e.created_at, e.id)
    FROM webhook_endpoints e WHERE e.user_id = $1), '[]'::json))::text)sql";

}  // namespace

std::string owner_data(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1(kOwnerData, user_id)[0].as<std::string>();
}

}  // namespace kx::integrations
