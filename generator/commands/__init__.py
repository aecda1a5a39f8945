"""What the command line runs: build, check, serve, import."""
