"""Account mails: written to an outbox in the same transaction as the event, sent in the background."""
