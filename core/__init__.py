"""Deepfake Inspector's engine. Never imports Qt; TensorFlow is imported only when needed."""

import os

# FFmpeg's and OpenCV's own chatter ("moov atom not found") would reach the analyst's terminal
# next to our message about the same problem; keep it quiet unless asked for. Set before any
# core module imports cv2.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
