"""Notifications: in-page notifications (the bell), e-mails through an outbox with retries,
per-user preferences, daily digests and signed unsubscribe links."""
