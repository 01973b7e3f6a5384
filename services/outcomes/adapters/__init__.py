"""Where the comparison's inputs come from: the shipped networks and holds configs, and the
simulator's core."""
