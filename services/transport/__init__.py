"""The transport service: transfers, crates, pick and packing lists (to come)."""
