"""The agencies' side: telling each post (agency-delivery) and hearing back from them."""
