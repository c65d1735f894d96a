//! Notifications end to end on the real PostgreSQL, Redis and RabbitMQ (and the in-process
//! queue): what the consumer decides, how jobs travel and survive failures, and the API.

mod delivery;
mod live;
mod outage;
mod preferences;
mod rest;
mod support;
