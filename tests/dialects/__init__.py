"""Tests of stingerloom.dialects."""
