-- Which of a partner's two webhooks a row belongs to (identification, billing) is its channel.
ALTER TABLE webhook_endpoints RENAME COLUMN kind TO channel;
ALTER TABLE webhook_deliveries RENAME COLUMN kind TO channel;
