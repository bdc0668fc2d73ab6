"""The Clover emulator: Platform v3 and Ecommerce v1, with Clover's rate limits."""
