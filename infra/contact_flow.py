"""The 112 contact flow's file, what fills its placeholders, and what the caller hears: plain data.

infra/connect.py hands the file and `flow_variables` to CloudFormation's Fn::Sub; the local flow runner
(local/flow/) fills the same placeholders with `substitute`, which does what Fn::Sub does with a map of
plain strings, so the flow a developer runs locally is the file `cdk deploy` sends to Amazon Connect,
with the same words and limits. Nothing here imports AWS CDK: the local stack reads it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

FLOW_FILE = "emergency-112.json"
FLOW_PATH = Path(__file__).with_name("flows") / FLOW_FILE

CONNECT_INVOKE_TIMEOUT_SECONDS = 3  # the flow's InvocationTimeLimitSeconds: retries still fit in 8 s
# Amazon Polly has no Indonesian voice. A Spanish neural voice reads Indonesian spelling (five pure vowels,
# a rolled r, k, y and w as written) far closer than the default English one (Joanna), and the prompts
# spell numbers out in Indonesian words; recorded prompts are the proper fix (docs/deploy.md,
# docs/decisions.md).
CONNECT_VOICE = "Lupe"
CONNECT_VOICE_ENGINE = "Neural"
# When the queue cannot take the call: how many more tries (each after the hold message) before the
# backup number, and how long that number may ring.
CONNECT_QUEUE_ATTEMPTS = 3
CONNECT_BACKUP_RING_SECONDS = 30
# The "cannot speak" key (docs/decisions.md 36): the keys a caller who cannot speak presses before the
# queue (two presses, as the UK's Silent Solution asks for 55: a pocket dial rarely presses the same key
# twice), and how long the flow waits for the first one before it goes on to the queue.
CANNOT_SPEAK_KEYS = "55"
CANNOT_SPEAK_WAIT_SECONDS = 4

# What the caller hears, in Bahasa Indonesia. Text-to-speech reads it with the voice the flow sets first
# (CONNECT_VOICE: Polly has no Indonesian voice); numbers are written as the words a caller expects to
# hear ("satu satu dua"), so no voice reads them in its own language. Recorded prompts are the proper fix.
GREETING = (
    "Layanan darurat satu satu dua {regency}. Panggilan Anda sedang kami sambungkan ke petugas. "
    "Mohon tetap di saluran."
)
BUSY = "Semua petugas sedang melayani panggilan lain. Mohon tetap di saluran, Anda akan segera kami layani."
ALL_BUSY = "Semua petugas masih sibuk. Kami terus berusaha menyambungkan Anda. Mohon tetap di saluran."
FALLBACK = (
    "Mohon maaf, layanan satu satu dua sedang mengalami gangguan. Mohon tetap di saluran, kami terus "
    "berusaha menyambungkan Anda. Anda juga dapat menghubungi polisi di satu satu nol, pemadam kebakaran di "
    "satu satu tiga, atau ambulans di satu satu delapan atau satu satu sembilan."
)
HOLD = "Mohon tetap di saluran."
# "If you cannot speak, press five five." Said inside the input action itself: Connect hears no key
# pressed while a separate message plays.
CANNOT_SPEAK = "Jika Anda tidak dapat berbicara, tekan lima lima."
# "Thank you. The officer will know that you cannot speak. Please stay on the line."
CANNOT_SPEAK_NOTED = (
    "Terima kasih. Petugas akan tahu bahwa Anda tidak dapat berbicara. Mohon tetap di saluran."
)
# What the flow's backupNumber attribute holds when no backup number is configured: anything but "+…".
NO_BACKUP_NUMBER = "none"

PLACEHOLDER = re.compile(r"\$\{(!?)([^}]*)\}")


def flow_variables(
    intake_arn: str,
    queue_arn: str,
    regency_name: str,
    *,
    backup_number: str | None = None,
    voice: str = CONNECT_VOICE,
    voice_engine: str = CONNECT_VOICE_ENGINE,
) -> dict[str, str]:
    """Every placeholder of the flow file and its value (the ARNs may be CloudFormation tokens)."""
    return {
        "IntakeFunctionArn": intake_arn,
        "OperatorsQueueArn": queue_arn,
        "InvocationTimeLimitSeconds": str(CONNECT_INVOKE_TIMEOUT_SECONDS),
        "VoiceId": voice,
        "VoiceEngine": voice_engine,
        "BackupNumber": backup_number or NO_BACKUP_NUMBER,
        "QueueAttempts": str(CONNECT_QUEUE_ATTEMPTS),
        "BackupRingSeconds": str(CONNECT_BACKUP_RING_SECONDS),
        "CannotSpeakWaitSeconds": str(CANNOT_SPEAK_WAIT_SECONDS),
        "GreetingText": GREETING.format(regency=regency_name),
        "BusyText": BUSY,
        "AllBusyText": ALL_BUSY,
        "FallbackText": FALLBACK,
        "HoldText": HOLD,
        "CannotSpeakText": CANNOT_SPEAK,
        "CannotSpeakNotedText": CANNOT_SPEAK_NOTED,
    }


class MissingVariable(KeyError):
    """A placeholder the variables do not fill (CloudFormation would read it as a resource's name)."""


def substitute(template: str, variables: Mapping[str, str]) -> str:
    """Fn::Sub over plain strings: `${Name}` becomes its variable, `${!Text}` the literal `${Text}`."""

    def fill(match: re.Match[str]) -> str:
        literal, name = match.groups()
        if literal:
            return "${" + name + "}"
        if name not in variables:
            raise MissingVariable(f"the flow's placeholder ${{{name}}} has no value")
        return variables[name]

    return PLACEHOLDER.sub(fill, template)
