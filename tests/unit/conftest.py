"""Fixtures the unit tests share: a hand-moved clock, the in-memory repository and dispatch queue, an
IncidentService wired to them for Banyuwangi, and Banyuwangi's seeded agency directory in memory."""

from __future__ import annotations

import pytest

from core.agency_directory import DirectoryService
from core.directory_seed import SEEDS
from core.incidents import IncidentService
from core.regency import REGENCIES
from tests.fakes import (
    InMemoryAgencyStore,
    InMemoryIncidentRepository,
    RecordingDispatchQueue,
    ReversibleSealer,
)
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


@pytest.fixture
def agency_store() -> InMemoryAgencyStore:
    return InMemoryAgencyStore()


@pytest.fixture
def agencies(agency_store: InMemoryAgencyStore, clock: Clock) -> DirectoryService:
    """Banyuwangi's agency directory as seeded (placeholder contacts), in memory."""
    directory = DirectoryService(agency_store, REGENCIES["banyuwangi"], ReversibleSealer(), clock)
    directory.seed(SEEDS["banyuwangi"])
    return directory
