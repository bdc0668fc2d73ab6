"""The Elastic Path emulator: OAuth tokens, JSON:API customers, addresses and orders."""
