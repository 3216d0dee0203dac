"""Analytics: what supervisors watch (the live wallboard of response times)."""
