"""What several apps share: input cleaners and storable text, the client address, the login limiter, a read-only
admin, rate limits."""
