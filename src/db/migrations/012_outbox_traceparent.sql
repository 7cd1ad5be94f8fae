-- The trace a background job belongs to (W3C traceparent of the turn that enqueued it), so its
-- delivery shows in the conversation's trace; NULL when tracing was off.
ALTER TABLE outbox_jobs ADD COLUMN traceparent text;
