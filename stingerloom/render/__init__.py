"""Output: result objects in, text/JSON out. No logic about migrations lives here."""
