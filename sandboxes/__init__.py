"""What every provider sandbox shares: seed data, request counters, fault injection, mounting."""
