"""Reports for the consortium: transport cost sharing among member municipalities, and each
library's annual statistics. Reads what the routing, transport and holds services store."""
