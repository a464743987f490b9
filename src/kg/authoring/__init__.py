"""Adding sources: drafting candidate facts from a text, reviewing and applying them."""
