"""The nightly reconciliation against OSS's checkLicenseStatus: what OSS lacks is sent again, what
matches is left alone, and OSS being down changes nothing."""

from __future__ import annotations

from services.permits import jobs
from tests.permits.conftest import PBG, PBG_DATA


def _reconcile(app) -> dict:
    with app.app_context():
        return jobs.reconcile_oss()


def test_matching_statuses_are_left_alone(app, owner_journey, run_jobs):
    journey = owner_journey(PBG)
    journey.complete(PBG_DATA)
    run_jobs()
    assert _reconcile(app) == {"checked": 1, "matching": 1, "resent": 0, "waiting": 0, "unreachable": 0}


def test_a_status_oss_lost_is_sent_again(app, owner_journey, dpmptsp, run_jobs, oss):
    journey = owner_journey(PBG)
    journey.complete(PBG_DATA)
    journey.act(dpmptsp, "request_correction", "Lengkapi gambar")
    run_jobs()
    with oss.lock:
        oss.statuses.clear()  # OSS lost our pushes
    assert _reconcile(app)["resent"] == 1
    run_jobs()
    assert oss.calls("receiveLicenseStatus")[-1]["body"]["IZINSTATUS"]["kd_status"] == "41"
    assert _reconcile(app)["matching"] == 1
    assert all(h["action"] != "reconciled" for h in journey.get().json["history"])  # staff-only rows
    assert any(h["action"] == "reconciled" for h in journey.get(dpmptsp).json["history"])


def test_oss_down_leaves_everything_for_the_next_night(app, owner_journey, run_jobs, oss):
    journey = owner_journey(PBG)
    journey.complete(PBG_DATA)
    run_jobs()
    oss.fail_next("error", count=3)
    assert _reconcile(app)["unreachable"] == 1
    assert journey.get().json["kd_status"] == "05"
