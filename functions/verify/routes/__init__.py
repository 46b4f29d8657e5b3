"""verify-api's routes: one Powertools Router per concern (`operators`, `queue`, `incidents`, `review`,
`dispatches`), included by verify/api.py; what they share (who is asking, the service and the operators'
directory, the incident id, the errors a route may answer) is in `request`."""
