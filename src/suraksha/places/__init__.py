"""Places: India's states, union territories, districts and cities, and which state a point lies in."""
