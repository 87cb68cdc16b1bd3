"""The window: shows and drives the engine in core/, never computes results itself."""
