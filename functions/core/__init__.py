"""Respon 112 domain: incidents, their lifecycle, and the ports the functions talk to.

Nothing in this package imports boto3 except the data-access modules (`repository`, `messaging`),
so the domain can be exercised with in-memory fakes.
"""
