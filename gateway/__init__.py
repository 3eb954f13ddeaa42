"""The API gateway and shared kernel: identity, queue, audit, errors — never a service's rules."""
