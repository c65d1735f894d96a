//! Integration tests: one binary (linking the app once) with a module per area. Each test gets
//! its own database on the real PostgreSQL and talks to the real Redis and RabbitMQ.

mod common;

mod auth_service;
mod drain;
mod event_bus;
mod health;
mod job_queue;
mod membership_cache;
mod messages_service;
mod migrations;
mod notifications;
mod presence;
mod pwa;
mod replicas;
mod rest_api;
mod rest_auth;
mod rest_contract;
mod rest_messages;
mod rest_rooms;
mod rooms_service;
mod security_headers;
mod slow_consumer;
mod startup;
mod websocket;
