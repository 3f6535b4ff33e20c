-- Placeholder on the g3-ops branch for the lead's 0010_notifications (the notifications
-- outbox), so that 0011 builds without a gap; the lead's file replaces this one at the merge.
SELECT 1;
