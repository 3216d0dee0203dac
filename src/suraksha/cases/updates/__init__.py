"""What she is told about her case, when, on her channel and in her language (issue 12, point 5)."""
