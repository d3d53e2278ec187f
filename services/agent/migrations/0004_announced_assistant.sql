-- The assistant id the other services were last told (agent.created/updated). It outlives a
-- vapi_assistant_id cleared because the assistant vanished in Vapi, so agent.updated and
-- agent.deleted can always name what telephony-webhook routes by.
ALTER TABLE agents ADD COLUMN announced_assistant_id text;
UPDATE agents SET announced_assistant_id = vapi_assistant_id WHERE announced;
