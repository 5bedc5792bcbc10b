"""`deccp spot-check`: a seeded sample of each group's answers, a page to read them blind, the judge as a reader."""
