"""The kernel services build on: the module declaration and the helpers every service shares."""
