"""The Square emulator: Customers, Cards, Locations and Orders as Square documents them."""
