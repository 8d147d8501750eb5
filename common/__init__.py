"""What several apps share: input cleaners, the client address, a read-only admin, rate limits."""
