"""courts of the case side (issue 12)."""
