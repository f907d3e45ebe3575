"""The xAPI 1.0.3 Learning Record Store and the platform's statement emitter (issue 3)."""
