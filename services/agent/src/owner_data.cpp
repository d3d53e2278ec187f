#include "owner_data.hpp"

namespace kx::agent {
namespace {

// One statement, so the parts are read at one point in time (the export runs REPEATABLE READ).
constexpr const char* kOwnerData = R"sql(
SELECT json_build_object(
  'owner', (SELECT json_build_object(
              'account_status', o.account_status, 'credits_exhausted', o.credits_exhausted,
              'google_connected', o.google_connected,
              'email_verified', coalesce(o.email_verified, false), 'deleted_at', o.deleted_at)
            FROM owners o WHERE o.user_id = $1),
  'agents', coalesce((
    SELECT json_agg(json_build_object(
             'id', a.id, 'name', a.name, 'status', a.status, 'definition', a.definition,
             'phone_number', n.e164, 'vapi_assistant_id', a.vapi_assistant_id,
             'sync_state', a.sync_state, 'created_at', a.created_at, 'updated_at', a.updated_at)
           ORDER BY a.created_at, a.id)
    FROM agents a LEFT JOIN phone_numbers n ON n.agent_id = a.id
    WHERE a.user_id = $1 AND a.deleted_at IS NULL), '[]'::json),
  'drafts', coalesce((
    SELECT json_agg(json_build_object(
             'id', d.id, 'step', d.step, 'state', d.state, 'created_at', d.created_at,
             'updated_at', d.updated_at) ORDER BY d.created_at, d.id)
    FROM drafts d WHERE d.user_id = $1), '[]'::json),
  'rate_limits', coalesce((
    SELECT json_agg(json_build_object(
             'action', r.action, 'window_start', r.window_start, 'hits', r.hits)
           ORDER BY r.action)
    FROM rate_limits r WHERE r.user_id = $1), '[]'::json))::text)sql";

}  // namespace

std::string owner_data(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1(kOwnerData, user_id)[0].as<std::string>();
}

}  // namespace kx::agent
