-- The service clock (issue 12): warnings at four fifths of a ticket's time and overdue at its
-- deadline, as for appeals, announced once each through the notification outbox and written
-- on the ticket. `alerted` is what was announced for the current deadline ('', 'warn',
-- 'overdue'; a new deadline starts again at ''); `next_check_at` is when the clock looks next
-- (none for a closed ticket or one waiting for materials, whose clock is stopped).
ALTER TABLE service_tickets ADD COLUMN alerted TEXT NOT NULL DEFAULT '';
ALTER TABLE service_tickets ADD COLUMN next_check_at {ts};
-- The open tickets are scheduled in Rust (`service::clock::schedule_after_upgrade`): what is
-- already past is taken as announced, so an upgrade does not flood the channels with old news.
CREATE INDEX service_tickets_next_check ON service_tickets (next_check_at) WHERE next_check_at IS NOT NULL
