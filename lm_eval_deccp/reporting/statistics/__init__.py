"""Statistics on the answers read: bootstrap intervals, gaps and flip shares, prediction-powered corrected rates."""
