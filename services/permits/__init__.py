"""Permits: local licences linked to OSS-RBA — PIA v4.3 both ways, a working-day clock, fees, permits."""

from __future__ import annotations

from gateway.kernel.modules import ServiceModule
from services.permits import cli, jobs, routes

MODULE = ServiceModule(
    name="permits",
    blueprints=(routes.blp, routes.oss_blp),
    jobs=(jobs.send_oss_calls,),
    commands=(cli.oss_simulator_cmd,),
)
