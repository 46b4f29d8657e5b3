"""What keeps callers' personal data within its retention (UU 27/2022)."""
