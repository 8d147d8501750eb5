"""A bounded load test: many people triaging at once over real HTTP, then a check that the data stayed consistent."""
