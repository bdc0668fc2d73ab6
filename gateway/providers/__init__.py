"""Provider adapters: one package per provider, the same files in each."""
