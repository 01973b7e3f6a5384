"""The pure model of the comparison: demand in, transfers, legs and hold times out."""
