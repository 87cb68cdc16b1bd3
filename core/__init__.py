"""Deepfake Inspector's engine. Never imports Qt; TensorFlow is imported only when needed."""
