"""Points, badges, certificates and leaderboards driven by the xAPI stream (issue 6; not built yet)."""
