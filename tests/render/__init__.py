"""Tests of stingerloom.render."""
