"""Mail in and out: ingest (Maildir, IMAP), parse, compose, outbox."""
