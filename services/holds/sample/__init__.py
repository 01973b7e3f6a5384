"""Sample consortium configs shipped with kulkuri (package data: ``*.toml``)."""
