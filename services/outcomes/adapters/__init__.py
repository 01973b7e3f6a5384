"""Where the comparison's inputs come from: the shipped networks and the simulator's core."""
