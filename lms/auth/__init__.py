"""Sign-in, sign-out, password reset and login throttling."""
