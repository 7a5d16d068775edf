"""Messaging (platform room): threads between users, opened by a person or by another room
(events, partner search, the one-stop shop) with a context; message requests, blocks, reports,
unread-message notifications, read receipts. Other rooms use `messaging.service` only."""
