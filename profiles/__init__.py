"""Partner organisations, their members and roles, business profiles and the public directory."""
