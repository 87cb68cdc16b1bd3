"""Datasets, training and evaluation."""
