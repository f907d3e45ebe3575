"""People and organisation: users, roles, departments, employment spells."""
