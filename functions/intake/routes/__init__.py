"""intake-web's routes: one Powertools Router per channel (`reports`, `instagram`, `twitter`, `aml`),
included by intake/web.py; what they share (the ports, the request in hand, "signed, then parsed") is in
`request`."""
