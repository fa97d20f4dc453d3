"""Helpers shared by tests that drive real services (a private RabbitMQ, a daemon)."""
