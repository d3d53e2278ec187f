#include "owner_data.hpp"

namespace kx::telephony {
namespace {

// Reports waiting for a route: matched by the owner's assistants and numbers (the routing copy),
// as PendingMessages::attribute would match them.
constexpr const char* kPendingOfOwner = R"sql(
  FROM pending_messages p
  WHERE (p.assistant_id <> '' AND p.assistant_id IN (
           SELECT vapi_assistant_id FROM agents WHERE user_id = $1 AND vapi_assistant_id <> ''))
     OR (p.assistant_id = '' AND (
           p.phone_number_id IN (SELECT vapi_phone_number_id FROM phone_numbers WHERE user_id = $1)
           OR p.phone_number IN (SELECT e164 FROM phone_numbers WHERE user_id = $1))))sql";

// One statement, so the parts are read at one point in time (the export runs REPEATABLE READ).
const std::string& owner_data_sql() {
  static const std::string sql = R"sql(
SELECT json_build_object(
  'account_status', (SELECT status FROM owners WHERE user_id = $1),
  'agents', coalesce((
    SELECT json_agg(json_build_object(
             'agent_id', a.agent_id, 'name', a.name, 'status', a.status, 'language', a.language,
             'timezone', a.timezone, 'escalation_enabled', a.escalation_enabled,
             'forwarding_number', a.forwarding_number, 'fallback_number', a.fallback_number,
             'after_hours_number', a.after_hours_number, 'business_days', a.business_days,
             'business_start', a.business_start, 'business_end', a.business_end,
             'voicemail', a.voicemail, 'deleted_at', a.deleted_at) ORDER BY a.agent_id)
    FROM agents a WHERE a.user_id = $1), '[]'::json),
  'calls', coalesce((
    SELECT json_agg(json_build_object(
             'id', c.id, 'vapi_call_id', c.vapi_call_id, 'agent_id', c.agent_id,
             'call_type', c.call_type, 'test', c.test, 'caller_number', c.caller_number,
             'status', c.status, 'ended_reason', c.ended_reason, 'created_at', c.created_at,
             'started_at', c.started_at, 'ended_at', c.ended_at,
             'duration_seconds', c.duration_seconds, 'transcript', c.messages,
             'summary', c.summary, 'analysis', c.analysis, 'recording_url', c.recording_url,
             'stereo_recording_url', c.stereo_recording_url,
             'appointment_booked', c.appointment_booked, 'transferred', c.transferred,
             'forwarding_outcome', c.forwarding_outcome,
             'content_purged_at', c.content_purged_at,
             'tool_calls', coalesce((
               SELECT json_agg(json_build_object(
                        'name', t.name, 'outcome', t.outcome, 'result', t.result,
                        'appointment_booked', t.appointment_booked, 'created_at', t.created_at)
                      ORDER BY t.created_at, t.tool_call_id)
               FROM tool_calls t WHERE t.vapi_call_id = c.vapi_call_id), '[]'::json))
           ORDER BY c.created_at, c.id)
    FROM calls c WHERE c.user_id = $1), '[]'::json),
  'escalations', coalesce((
    SELECT json_agg(json_build_object(
             'id', e.id, 'call_id', e.call_id, 'agent_id', e.agent_id, 'reason', e.reason,
             'kind', e.kind, 'destination', e.destination,
             'within_business_hours', e.within_business_hours, 'outcome', e.outcome, 'at', e.at)
           ORDER BY e.at, e.id)
    FROM escalations e WHERE e.user_id = $1), '[]'::json),
  'pending_messages', coalesce((
    SELECT json_agg(json_build_object(
             'vapi_call_id', p.vapi_call_id, 'message_type', p.message_type,
             'received_at', p.received_at, 'body', p.body) ORDER BY p.received_at)
    )sql" + std::string(kPendingOfOwner) +
                                 R"sql(), '[]'::json))::text)sql";
  return sql;
}

}  // namespace

std::string owner_data(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1(owner_data_sql(), user_id)[0].as<std::string>();
}

void erase_pending_messages_of(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params(std::string("DELETE") + kPendingOfOwner, user_id);
}

}  // namespace kx::telephony
