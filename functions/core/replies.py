"""Answers to citizens who wrote on a social channel: what we say, in Bahasa Indonesia."""

from __future__ import annotations

from pydantic import Field

from core.models import OUTBOUND_ID_PATTERN, CamelModel, Channel, IncidentId


class Reply(CamelModel):
    """One message to one citizen, queued for the reply sender."""

    channel: Channel
    recipient: str = Field(min_length=1, max_length=128, description="The platform's id for the citizen")
    text: str = Field(min_length=1, max_length=1000)
    incident_id: IncidentId
    message_id: str | None = Field(
        default=None,
        pattern=OUTBOUND_ID_PATTERN,
        description="An operator's message (the incident's `outbound`): sent once per id, its outcome "
        "recorded on the incident. None for the automatic question, which is neither.",
    )

    @property
    def dedupe_key(self) -> str | None:
        """What makes a message sent once however often it is queued (a retried request queues it again)."""
        return f"REPLY#{self.incident_id}#{self.message_id}" if self.message_id else None


# How many times the replies queue hands a reply to the sender before its dead-letter queue: the sender
# records an operator's message as FAILED on the last (infra/definitions.py's REPLY_QUEUE uses it).
SEND_ATTEMPTS = 5


def ask_for_location(incident_id: str) -> str:
    """Instagram sends no location: ask for the place in words, and say what 112 is for."""
    return (
        "Laporan Anda sudah kami terima dan sedang diperiksa petugas 112 "
        f"(nomor laporan {incident_id[-6:]}). "
        "Di mana kejadiannya? Tuliskan alamat, desa/kelurahan dan kecamatan, atau patokan terdekat, "
        "serta nomor telepon yang bisa kami hubungi. "
        "Jika nyawa terancam, segera telepon 112 (gratis, 24 jam)."
    )
