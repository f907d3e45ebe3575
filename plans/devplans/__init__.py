"""Living development plans: goals broken into ordered playlists of learning items."""
