"""Points, badges (Open Badges 2.0), certificates and leaderboards driven by the xAPI statement stream (issue 6)."""
