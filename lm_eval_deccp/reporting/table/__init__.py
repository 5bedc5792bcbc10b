"""The leaderboard table: its columns, each cell with its interval and source, the rows, the default view."""
