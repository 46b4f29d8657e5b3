"""Verification with the agency directory: the posts an A1 incident goes to, the kecamatan found from a
point (the operator's, or the handset's AML fix) and never overwritten, and the suggestion the verify
form shows."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from core.agencies import DirectorySnapshot
from core.agency_directory import DirectoryService
from core.directory_seed import SEEDS
from core.dispatching import Dispatcher
from core.errors import InvalidRequest
from core.incidents import SYSTEM_INTAKE, IncidentService, Report, VerifyCommand
from core.messaging import SnsAgencyNotifier
from core.models import (
    Action,
    AmlFix,
    AmlTransport,
    Category,
    Channel,
    Location,
    PositioningMethod,
    Priority,
    Status,
)
from core.notification import addressee
from core.positions import PositionService
from core.regency import REGENCIES
from tests.fakes import (
    InMemoryAgencyStore,
    InMemoryIncidentRepository,
    RecordingDispatchQueue,
    RecordingNotifier,
    ReversibleSealer,
)
from tests.support import Clock

BANYUWANGI = REGENCIES["banyuwangi"]
GENTENG = (-8.36611, 114.15012)  # inside Genteng's polygon (python -m local aml's default)
MUNCAR = (-8.430, 114.330)
CALLER = "+6281234567890"


@pytest.fixture
def directory(clock: Clock) -> DirectoryService:
    service = DirectoryService(InMemoryAgencyStore(), BANYUWANGI, ReversibleSealer(), clock)
    service.seed(SEEDS["banyuwangi"])
    return service


@pytest.fixture
def routed(
    repo: InMemoryIncidentRepository, queue: RecordingDispatchQueue, clock: Clock, directory: DirectoryService
) -> IncidentService:
    snapshot: DirectorySnapshot = directory.snapshot()
    return IncidentService(repo, BANYUWANGI, queue, clock, agencies=lambda: snapshot)


def claimed(service: IncidentService) -> str:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER))
    service.claim(incident.id, "operator1")
    return incident.id


def command(location: Location, category: Category = Category.FIRE, **changes: object) -> VerifyCommand:
    fields: dict[str, object] = {
        "category": category,
        "priority": Priority.P1,
        "location": location,
        "summary": "Rumah terbakar",
    }
    return VerifyCommand(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_fire_verified_in_genteng_goes_to_the_genteng_damkar_post(
    routed: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident_id = claimed(routed)

    verified = routed.verify(incident_id, "operator1", command(Location(district="genteng")))

    assert (verified.agencies, verified.posts) == (["DAMKAR"], ["damkar-genteng"])
    entry = repo.timelines[incident_id][-1]
    assert (entry.details["agencies"], entry.details["posts"]) == ("DAMKAR", "damkar-genteng")


def test_a_point_without_a_kecamatan_gets_the_kecamatan_it_lies_in(routed: IncidentService) -> None:
    incident_id = claimed(routed)

    verified = routed.verify(incident_id, "operator1", command(Location(lat=MUNCAR[0], lon=MUNCAR[1])))

    assert verified.location is not None
    assert verified.location.district == "Muncar"
    assert verified.posts == ["damkar-muncar"]


def test_the_operators_kecamatan_stands_even_where_the_point_says_another(routed: IncidentService) -> None:
    incident_id = claimed(routed)

    verified = routed.verify(
        incident_id, "operator1", command(Location(lat=MUNCAR[0], lon=MUNCAR[1], district="Genteng"))
    )

    assert verified.location is not None
    assert verified.location.district == "Genteng"
    assert verified.posts == ["damkar-genteng"]


def test_the_operators_posts_and_types_are_taken_as_chosen(routed: IncidentService) -> None:
    incident_id = claimed(routed)
    chosen = command(
        Location(district="Genteng"), posts=("damkar-genteng", "damkar-rogojampi", "polsek-genteng")
    )

    verified = routed.verify(incident_id, "operator1", chosen)

    assert verified.agencies == ["DAMKAR", "POLICE"]
    assert verified.posts == ["damkar-genteng", "damkar-rogojampi", "polsek-genteng"]


def test_an_unknown_post_is_refused_and_nothing_is_verified(
    routed: IncidentService, repo: InMemoryIncidentRepository, queue: RecordingDispatchQueue
) -> None:
    incident_id = claimed(routed)

    with pytest.raises(InvalidRequest, match="posts: polsek-gotham is not a post"):
        routed.verify(
            incident_id, "operator1", command(Location(district="Genteng"), posts=("polsek-gotham",))
        )

    assert repo.incidents[incident_id].status is Status.IN_REVIEW
    assert queue.sent == []


def test_a_repeated_verification_is_the_same_one(
    routed: IncidentService, queue: RecordingDispatchQueue
) -> None:
    incident_id = claimed(routed)
    first = routed.verify(incident_id, "operator1", command(Location(district="Genteng")))

    again = routed.verify(incident_id, "operator1", command(Location(district="Genteng")))

    assert again == first
    assert queue.sent == [incident_id]


def test_the_suggestion_finds_the_kecamatan_from_the_point_and_says_the_boundaries_are_approximate(
    routed: IncidentService,
) -> None:
    from_point = routed.suggest(Category.TRAFFIC_ACCIDENT, (), None, *GENTENG)
    named = routed.suggest(None, ("DAMKAR",), "muncar")

    assert (from_point.district, from_point.district_from_point, from_point.boundaries_approximate) == (
        "Genteng",
        True,
        True,
    )
    assert [(a.code, [p.id for p in a.posts]) for a in from_point.agencies] == [
        ("POLICE", ["polsek-genteng"]),
        ("PSC119", ["psc119-banyuwangi"]),
    ]
    assert (named.district, named.district_from_point) == ("Muncar", False)
    assert [p.id for p in named.agencies[0].posts] == ["damkar-muncar"]
    with pytest.raises(InvalidRequest, match="not a district"):
        routed.suggest(Category.FIRE, (), "Gotham")
    assert routed.suggest(Category.FIRE, (), None, -9.6, 110.0).district is None  # outside: no guess


# -- the handset's position ------------------------------------------------------------------------------


def aml(clock: Clock, point: tuple[float, float]) -> AmlFix:
    return AmlFix(
        lat=point[0],
        lon=point[1],
        accuracy_m=12,
        method=PositioningMethod.GNSS,
        fixed_at=clock() - timedelta(seconds=2),
        received_at=clock(),
        transport=AmlTransport.HTTPS,
        number=CALLER,
    )


def test_an_aml_fix_gives_an_incident_without_a_kecamatan_the_fixs(
    routed: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident, _ = routed.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER))
    positions = PositionService(repo, clock, BANYUWANGI)

    positions.receive(aml(clock, GENTENG))
    clock.advance(seconds=30)
    positions.receive(aml(clock, MUNCAR))  # a later fix elsewhere: the kecamatan it filled stays

    stored = repo.incidents[incident.id]
    assert stored.location == Location(district="Genteng")
    assert stored.aml is not None
    assert stored.aml.lat == MUNCAR[0]
    first, second = (e for e in repo.timelines[incident.id] if e.action is Action.LOCATE)
    assert first.details["district"] == "Genteng"
    assert "district" not in second.details


def test_an_aml_fix_never_overwrites_a_kecamatan_the_incident_has(
    routed: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident, _ = routed.register(
        Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER, location=Location(district="Sempu"))
    )

    PositionService(repo, clock, BANYUWANGI).receive(aml(clock, GENTENG))

    assert repo.incidents[incident.id].location == Location(district="Sempu")


def test_a_position_kept_before_the_call_fills_the_kecamatan_when_the_call_registers(
    routed: IncidentService, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    PositionService(repo, clock, BANYUWANGI).receive(aml(clock, GENTENG))  # no call yet: kept

    incident, _ = routed.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=CALLER))

    assert incident.location == Location(district="Genteng")


# -- dispatch ------------------------------------------------------------------------------------------------


def test_each_dispatch_record_names_the_incidents_posts_of_its_type(
    routed: IncidentService, repo: InMemoryIncidentRepository, clock: Clock, directory: DirectoryService
) -> None:
    incident_id = claimed(routed)
    routed.verify(incident_id, "operator1", command(Location(district="Srono"), Category.TRAFFIC_ACCIDENT))
    snapshot = directory.snapshot()

    Dispatcher(repo, RecordingNotifier(), clock, agencies=lambda: snapshot).dispatch(incident_id)

    records = {d.agency: d.posts for d in repo.get_detail(incident_id).dispatches}
    assert records == {"POLICE": ["polsek-srono"], "PSC119": ["psc119-banyuwangi"]}


def test_an_sns_subscription_filtered_on_a_post_gets_only_that_posts_incidents(
    routed: IncidentService, repo: InMemoryIncidentRepository, directory: DirectoryService
) -> None:
    """Until delivery per post (issue 14's later part), a post's endpoint can already be reached alone: the
    message carries the incident's posts of the type as a String.Array attribute SNS filters on."""
    incident_id = claimed(routed)
    verified = routed.verify(incident_id, "operator1", command(Location(district="Genteng")))
    snapshot = directory.snapshot()
    with mock_aws():
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="agencies")["TopicArn"]
        inboxes = {}
        for post in ("damkar-genteng", "damkar-muncar"):
            url = sqs.create_queue(QueueName=post)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            sns.subscribe(
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=arn,
                Attributes={"FilterPolicy": json.dumps({"posts": [post]}), "RawMessageDelivery": "true"},
            )
            inboxes[post] = url
        notifier = SnsAgencyNotifier(
            topic, BANYUWANGI, sns, addressee=lambda incident, agency: addressee(snapshot, incident, agency)
        )

        notifier.notify(verified, "DAMKAR")

        genteng = sqs.receive_message(QueueUrl=inboxes["damkar-genteng"]).get("Messages", [])
        muncar = sqs.receive_message(QueueUrl=inboxes["damkar-muncar"]).get("Messages", [])
    assert len(genteng) == 1
    assert muncar == []
    record = json.loads(genteng[0]["Body"])
    assert record["posts"] == [{"id": "damkar-genteng", "name": "Pos Damkar Genteng"}]
