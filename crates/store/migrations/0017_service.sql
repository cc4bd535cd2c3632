-- The service system (issue 12): the catalogue, the service points with their hours and duty
-- rosters, tickets (办件) with their materials, hand-offs and one-time notices, consultations,
-- appointments, and good-or-bad ratings with their follow-up.

-- The catalogue. Desk categories hold the government service items, centre categories the
-- community centre's services. An item's materials are a JSON list; every edit makes a new
-- version, kept whole in service_item_versions, and a ticket keeps the version it was taken
-- under. The bundled catalogue is loaded by the program on first migration.
CREATE TABLE service_categories (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE service_items (
    code TEXT PRIMARY KEY,
    category TEXT NOT NULL REFERENCES service_categories(code),
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    limit_workdays INTEGER NOT NULL,
    legal_basis TEXT NOT NULL,
    fee_fen BIGINT NOT NULL,
    places TEXT NOT NULL,
    appointment BOOLEAN NOT NULL,
    materials TEXT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX service_items_category ON service_items (category, position);
CREATE TABLE service_item_versions (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at {ts} NOT NULL,
    PRIMARY KEY (code, version)
);

-- A service point is a territory node's centre or station (its id is the node's). It offers
-- every item whose places include its kind, except those it has switched off.
CREATE TABLE service_points (
    id {uuid} PRIMARY KEY REFERENCES territories(id),
    kind TEXT NOT NULL,
    path {path} NOT NULL,
    name TEXT NOT NULL,
    regular_hours TEXT NOT NULL,
    extended_hours TEXT NOT NULL,
    staggered_hours TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    slot_capacity INTEGER NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX service_points_path ON service_points (path);
CREATE TABLE service_point_exclusions (
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    item TEXT NOT NULL REFERENCES service_items(code),
    PRIMARY KEY (point_id, item)
) {without_rowid};
CREATE TABLE service_duty_shifts (
    id {uuid} PRIMARY KEY,
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    starts_at {ts} NOT NULL,
    ends_at {ts} NOT NULL,
    staff_name TEXT NOT NULL,
    user_id {uuid} REFERENCES users(id),
    note TEXT NOT NULL,
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX service_duty_shifts_point ON service_duty_shifts (point_id, starts_at);
CREATE INDEX service_duty_shifts_ends ON service_duty_shifts (ends_at);

-- Every community has a centre and every compound station is a point, with the usual hours.
INSERT INTO service_points (id, kind, path, name, regular_hours, extended_hours, staggered_hours, slot_minutes, slot_capacity, created_at)
SELECT id, 'centre', path, name || '党群服务中心', '08:30-12:00,13:30-17:30', '12:00-13:30,17:30-19:30', '09:00-12:00', 30, 4, created_at
FROM territories WHERE kind = 'community';
INSERT INTO service_points (id, kind, path, name, regular_hours, extended_hours, staggered_hours, slot_minutes, slot_capacity, created_at)
SELECT territory_id, 'station', path, name, '08:30-12:00,13:30-17:30', '17:30-19:00', '09:00-11:30', 30, 2, created_at
FROM service_stations;

-- Tickets. The receiver answers for the ticket to the end (首问负责); the handler is who holds
-- it now. due_at is NULL while the ticket waits for materials (the clock is stopped).
CREATE TABLE service_tickets (
    id {uuid} PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    path {path} NOT NULL,
    item TEXT NOT NULL REFERENCES service_items(code),
    item_version INTEGER NOT NULL,
    item_name TEXT NOT NULL,
    limit_workdays INTEGER NOT NULL,
    channel TEXT NOT NULL,
    person_id {uuid} REFERENCES people(id),
    applicant_name TEXT NOT NULL,
    -- AES-256-GCM ciphertext
    applicant_phone TEXT,
    receiver_id {uuid} NOT NULL REFERENCES users(id),
    handler_id {uuid} NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    received_at {ts} NOT NULL,
    due_at {ts},
    warn_at {ts},
    closed_at {ts},
    refused_reason TEXT,
    outside_hours BOOLEAN NOT NULL,
    note TEXT NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX service_tickets_path ON service_tickets (path, received_at);
CREATE INDEX service_tickets_handler ON service_tickets (handler_id, status, due_at);
CREATE INDEX service_tickets_receiver ON service_tickets (receiver_id, status, due_at);
CREATE INDEX service_tickets_person ON service_tickets (person_id);
CREATE INDEX service_tickets_received ON service_tickets (received_at);
CREATE TABLE service_ticket_materials (
    ticket_id {uuid} NOT NULL REFERENCES service_tickets(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    form TEXT NOT NULL,
    copies INTEGER NOT NULL,
    provided BOOLEAN NOT NULL,
    provided_at {ts},
    PRIMARY KEY (ticket_id, seq)
);
CREATE TABLE service_ticket_events (
    ticket_id {uuid} NOT NULL REFERENCES service_tickets(id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id {uuid},
    actor_name TEXT NOT NULL,
    to_id {uuid},
    to_name TEXT,
    note TEXT NOT NULL,
    at {ts} NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);
-- One-time notices (一次性告知): each lists every material missing when it was given.
CREATE TABLE service_notices (
    id {uuid} PRIMARY KEY,
    ticket_id {uuid} NOT NULL REFERENCES service_tickets(id),
    issued_at {ts} NOT NULL,
    issued_by_name TEXT NOT NULL,
    missing TEXT NOT NULL,
    resolved_at {ts}
);
CREATE INDEX service_notices_ticket ON service_notices (ticket_id, issued_at);

CREATE TABLE service_consultations (
    id {uuid} PRIMARY KEY,
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    path {path} NOT NULL,
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    answer TEXT NOT NULL,
    person_id {uuid} REFERENCES people(id),
    person_name TEXT NOT NULL,
    staff_id {uuid} REFERENCES users(id),
    staff_name TEXT NOT NULL,
    at {ts} NOT NULL,
    outside_hours BOOLEAN NOT NULL
);
CREATE INDEX service_consultations_path ON service_consultations (path, at);
CREATE INDEX service_consultations_at ON service_consultations (at);

-- Appointments: a slot's bookings are counted in service_slots, raised only while below the
-- point's capacity, so that concurrent bookings never overfill a slot.
CREATE TABLE service_slots (
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    starts_at {ts} NOT NULL,
    booked INTEGER NOT NULL,
    PRIMARY KEY (point_id, starts_at)
);
CREATE TABLE service_appointments (
    id {uuid} PRIMARY KEY,
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    path {path} NOT NULL,
    item TEXT NOT NULL REFERENCES service_items(code),
    starts_at {ts} NOT NULL,
    ends_at {ts} NOT NULL,
    person_id {uuid} NOT NULL REFERENCES people(id),
    status TEXT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX service_appointments_point ON service_appointments (point_id, starts_at);
CREATE INDEX service_appointments_person ON service_appointments (person_id, starts_at);
CREATE UNIQUE INDEX service_appointments_one_per_slot ON service_appointments (person_id, starts_at) WHERE status = 'booked';

-- Good-or-bad ratings, one per ticket or consultation (一事一评). A bad one is followed up
-- by its due time; follow_up_closed_at is set by the last step.
CREATE TABLE service_ratings (
    id {uuid} PRIMARY KEY,
    ticket_id {uuid} UNIQUE REFERENCES service_tickets(id),
    consultation_id {uuid} UNIQUE REFERENCES service_consultations(id),
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    path {path} NOT NULL,
    level TEXT NOT NULL,
    comment TEXT NOT NULL,
    real_name BOOLEAN NOT NULL,
    rated_by {uuid} REFERENCES users(id),
    at {ts} NOT NULL,
    follow_up_due {ts},
    follow_up_closed_at {ts}
);
CREATE INDEX service_ratings_path ON service_ratings (path, at);
CREATE TABLE service_follow_ups (
    rating_id {uuid} NOT NULL REFERENCES service_ratings(id),
    step TEXT NOT NULL,
    note TEXT NOT NULL,
    actor_id {uuid},
    actor_name TEXT NOT NULL,
    at {ts} NOT NULL,
    PRIMARY KEY (rating_id, step)
);
