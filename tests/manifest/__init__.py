"""Tests of stingerloom.manifest."""
