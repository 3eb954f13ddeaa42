"""One citizen identity: the population registry, citizen and staff accounts, machine clients, tokens."""
