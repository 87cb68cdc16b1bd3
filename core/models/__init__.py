"""Architectures, model bundles and scoring."""
