"""The Digital River emulator: customers, sources and forget requests."""
