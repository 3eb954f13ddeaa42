"""Parking tables: zones (GeoJSON), versioned tariffs, event multiples, attendants' assignments, devices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

# Perda Kota Pematangsiantar 1/2024: the vehicle classes the tariff distinguishes.
VEHICLE_CLASSES = ("motorcycle", "car", "four_wheel_goods", "six_wheel", "over_six_wheel")
TARIFF_KINDS = ("visit", "monthly")


class Zone(Base):
    """A parking point (titik parkir) or zone: its area on the map and what it offers."""

    __tablename__ = "parking_zone"

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. SUTOMO-1
    name: Mapped[str] = mapped_column(String(160))
    kelurahan_code: Mapped[str] = mapped_column(String(13))
    road: Mapped[str] = mapped_column(String(160))
    capacity: Mapped[int] = mapped_column(Integer)
    e_parking: Mapped[bool] = mapped_column(Boolean, default=True)  # cashless point (QRIS on a handheld)
    geometry: Mapped[dict] = mapped_column()  # GeoJSON Polygon or MultiPolygon, WGS84 [lon, lat]
    # Bounding box of the geometry: a cheap first filter before the point-in-polygon test.
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tariff(Base):
    """One version of a tariff: a class's price per visit or per month from a date (to a date).

    A change adds a version and closes the previous one; sessions keep the version they were charged,
    so a new Perda never rewrites a past visit.
    """

    __tablename__ = "parking_tariff"
    __table_args__ = (
        UniqueConstraint("vehicle_class", "kind", "effective_from", name="uq_parking_tariff_version"),
        Index("ix_parking_tariff_lookup", "vehicle_class", "kind", "effective_from"),
        {"info": {"reference": True}},  # the law's tariffs: seeded once, kept between tests
    )

    id: Mapped[str] = id_column()
    vehicle_class: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # visit | monthly
    amount: Mapped[int] = mapped_column(Integer)  # rupiah
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)  # exclusive; None = still in force
    legal_basis: Mapped[str] = mapped_column(
        String(120)
    )  # e.g. "Perda Kota Pematangsiantar No. 1 Tahun 2024"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventRate(Base):
    """How an event (keramaian) multiplies the visit tariff: commercial 3×, social 1×, private 2×."""

    __tablename__ = "parking_event_rate"
    __table_args__ = {"info": {"reference": True}}

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    multiple: Mapped[int] = mapped_column(Integer)


class ZoneEvent(Base):
    """An event at a zone for a period: visits started then are charged the event's multiple."""

    __tablename__ = "parking_zone_event"
    __table_args__ = (Index("ix_parking_zone_event_zone", "zone_code", "starts_at"),)

    id: Mapped[str] = id_column()
    zone_code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """An attendant (juru parkir) works a zone for a period; outside it he cannot act there."""

    __tablename__ = "parking_assignment"
    __table_args__ = (
        Index("ix_parking_assignment_attendant", "attendant_id", "valid_from"),
        Index("ix_parking_assignment_zone", "zone_code", "valid_from"),
    )

    id: Mapped[str] = id_column()
    attendant_id: Mapped[str] = mapped_column(String(36))  # identity_staff.id, role attendant
    zone_code: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[datetime] = mapped_column()
    valid_to: Mapped[datetime | None] = mapped_column()  # exclusive; None = open-ended
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Device(Base):
    """A handheld registered to the city; its id is the QRIS terminal label (tag 62/07)."""

    __tablename__ = "parking_device"

    id: Mapped[str] = id_column()
    device_id: Mapped[str] = mapped_column(String(25), unique=True)
    serial_number: Mapped[str] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by: Mapped[str] = mapped_column(String(36))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Session(Base):
    """One visit: started on a handheld (its UUID is the id, so a retry is never a second visit).

    `plate` and `photo` are personal data: emptied after the retention period, when only `plate_key`
    (a keyed hash, for statistics such as repeat visits) remains.
    """

    __tablename__ = "parking_session"
    __table_args__ = (
        Index("ix_parking_session_zone_started", "zone_code", "started_at"),
        Index("ix_parking_session_attendant_started", "attendant_id", "started_at"),
        Index("ix_parking_session_device_started", "device_id", "started_at"),
        Index("ix_parking_session_plate_key", "plate_key", "started_at"),
        Index("ix_parking_session_started", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the handheld's UUID
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # printed, QRIS 62/05
    zone_code: Mapped[str] = mapped_column(String(40))
    attendant_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(25))
    plate: Mapped[str | None] = mapped_column(String(16))  # normalised, e.g. "BK 1234 ABC"
    plate_key: Mapped[str] = mapped_column(String(64))  # HMAC of the plate: stays after pseudonymisation
    vehicle_class: Mapped[str] = mapped_column(String(20))
    tariff_id: Mapped[str] = mapped_column(String(36))
    multiple: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[int] = mapped_column(Integer)  # rupiah due for this visit
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | ended
    payment_state: Mapped[str] = mapped_column(String(12), default="unpaid")  # unpaid | paid | subscription
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    offline: Mapped[bool] = mapped_column(Boolean, default=False)  # uploaded later in a batch
    lat: Mapped[float | None] = mapped_column(Float)  # where the handheld was, when it knew
    lon: Mapped[float | None] = mapped_column(Float)
    # The location at the start lay more than geo.OUTSIDE_METRES from the zone's polygon as drawn then
    # (None: no location). Decided once, at the start: the reconciliation only counts it.
    outside_zone: Mapped[bool | None] = mapped_column(Boolean)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_content_type: Mapped[str | None] = mapped_column(String(20))
    pseudonymised_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The visit's invoice at payments (none when a subscription covers it); paid only by invoice_paid.
    invoice_id: Mapped[str | None] = mapped_column(String(36))
    billing_code: Mapped[str | None] = mapped_column(String(20))
    qris: Mapped[str | None] = mapped_column(String(512))
    paid_at: Mapped[datetime | None] = mapped_column()


class Plate(Base):
    """A plate a citizen registered as hers: she sees its sessions, and staff reads are in her log."""

    __tablename__ = "parking_plate"

    id: Mapped[str] = id_column()
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    plate_key: Mapped[str] = mapped_column(String(64), index=True)
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    vehicle_class: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CashReport(Base):
    """ "Jukir minta tunai": a citizen reports an attendant who demanded cash (cash is not a channel)."""

    __tablename__ = "parking_cash_report"
    __table_args__ = (Index("ix_parking_cash_report_zone", "zone_code", "occurred_at"),)

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    zone_code: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column()
    plate: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(1000), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    attendant_ids: Mapped[list] = mapped_column(default=list)  # on duty there then (assignments)
    session_reference: Mapped[str | None] = mapped_column(String(20))  # the reporter's visit, if recorded
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_content_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """Langganan: one calendar month for a plate and class, city-wide (no zones) or for chosen zones."""

    __tablename__ = "parking_subscription"
    __table_args__ = (Index("ix_parking_subscription_plate", "plate_key", "starts_on"),)

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    plate: Mapped[str] = mapped_column(String(16))
    plate_key: Mapped[str] = mapped_column(String(64))
    vehicle_class: Mapped[str] = mapped_column(String(20))
    zone_codes: Mapped[list] = mapped_column(default=list)  # [] = the whole city
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # exclusive
    amount: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | active | cancelled
    invoice_id: Mapped[str | None] = mapped_column(String(36))
    billing_code: Mapped[str | None] = mapped_column(String(20))
    qris: Mapped[str | None] = mapped_column(String(512))
    activated_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReconciliationRun(Base):
    """The nightly reconciliation of one local day and grouping, kept as it was computed."""

    __tablename__ = "parking_reconciliation_run"
    __table_args__ = (UniqueConstraint("day", "group", name="uq_parking_reconciliation_run"),)

    id: Mapped[str] = id_column()
    day: Mapped[date] = mapped_column(Date)
    group: Mapped[str] = mapped_column(String(10))
    computed_at: Mapped[datetime] = mapped_column()
    result: Mapped[dict] = mapped_column()
