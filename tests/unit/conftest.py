"""Fixtures the unit tests share: a hand-moved clock, the in-memory repository and dispatch queue, and
an IncidentService wired to them for Banyuwangi."""

from __future__ import annotations

import pytest

from core.incidents import IncidentService
from core.regency import REGENCIES
from tests.fakes import InMemoryIncidentRepository, RecordingDispatchQueue
from tests.support import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo() -> InMemoryIncidentRepository:
    return InMemoryIncidentRepository()


@pytest.fixture
def queue() -> RecordingDispatchQueue:
    return RecordingDispatchQueue()


@pytest.fixture
def service(repo: InMemoryIncidentRepository, queue: RecordingDispatchQueue, clock: Clock) -> IncidentService:
    return IncidentService(repo, REGENCIES["banyuwangi"], queue, clock)
