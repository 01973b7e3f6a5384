"""Data shipped with the reports: the population table of the sample networks (see README)."""
