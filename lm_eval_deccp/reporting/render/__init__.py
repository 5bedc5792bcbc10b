"""The table written as markdown, CSV and JSON, the per-group part after it, and the PNG chart."""
