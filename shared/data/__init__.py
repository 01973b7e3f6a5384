"""Real library network data (see README.md beside this file for provenance)."""
