"""The resources programs declare."""
