"""Dispatch: forwards verified incidents to agencies (SQS worker) and re-queues stalled ones (schedule)."""
