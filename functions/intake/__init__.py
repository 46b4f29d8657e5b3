"""Intake: turns inbound reports into RECEIVED incidents (the Amazon Connect 112 call first)."""
