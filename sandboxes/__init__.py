"""The provider emulators: the embedded default, the test bed and the benchmark target.

A sibling of `gateway/`, shipped in the same distribution. The gateway imports it
only where it mounts the sandboxes; emulators share no code with the adapters, so
each is an independent reading of its provider's documentation.
"""
