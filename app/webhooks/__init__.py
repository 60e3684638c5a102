"""Outgoing webhooks: Standard Webhooks signatures, a transactional outbox, retries."""
