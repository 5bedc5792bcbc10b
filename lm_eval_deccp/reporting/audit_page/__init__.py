"""The audit page: `deccp report --format html`, one self-contained HTML file with the answers behind every rate."""
