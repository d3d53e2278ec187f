-- Two indexes that every new call or tool call paid for and no query needed:
-- tool_calls_created was never read (the retention job finds a call's tool calls through the
-- call), and calls_unreported held every call still in progress, while the watchdog that reads
-- it (Calls::overdue) asks only for calls that ended without their call.completed.
DROP INDEX tool_calls_created;
DROP INDEX calls_unreported;
CREATE INDEX calls_unreported ON calls (ended_at) WHERE NOT completed_published AND ended_at IS NOT NULL;
