"""What several apps share: the client's address, the login limiter, text the database can store."""
