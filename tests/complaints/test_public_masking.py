"""Issue 13, finding 7: what the public reads never shows a NIK or a mobile number, and a complaint by
text message is anonymous unless its sender asked for it to be public."""

from __future__ import annotations

NIK = "1272011501900001"
TEXT = f"Jalan berlubang di Jl. Sutomo. Saya Rina, NIK {NIK}, hubungi 0813-7000-2222 atau +6281370003333"


def _no_personal_numbers(text: str) -> None:
    for secret in (NIK, "0813-7000-2222", "81370002222", "6281370003333", "7000-2222", "70003333"):
        assert secret not in text, (secret, text)


def test_sms_complaint_is_anonymous_and_its_numbers_masked_in_public(client, send_sms, desk):
    r = send_sms(TEXT, sender="+6281370001111", message_id="prov-mask-1")
    number = r.json["number"]
    public = client.get(f"/api/v1/complaints/{number}")
    assert public.status_code == 200
    assert public.json["privacy"] == "anonymous" and public.json["reporter_display"] is None
    _no_personal_numbers(str(public.json))
    assert "1272********0001" in public.json["description"] and "0813****222" in public.json["description"]
    # Staff handling it read the text as it was sent (they need the numbers to act).
    staff_view = client.get(f"/api/v1/complaints/{number}", headers=desk["headers"]).json
    assert NIK in staff_view["description"]
    for path in (
        f"/open311/v2/requests/{number}.json",
        f"/open311/v2/requests.json?service_request_id={number}",
        f"/open311/v2/requests/{number}.xml",
    ):
        feed = client.get(path)
        assert feed.status_code == 200, (path, feed.data)
        assert number in feed.get_data(as_text=True)
        _no_personal_numbers(feed.get_data(as_text=True))


def test_a_note_by_sms_is_masked_in_the_open311_updates(client, send_sms):
    number = send_sms("Lampu jalan mati di Jl. Merdeka", message_id="prov-mask-2").json["number"]
    note = send_sms(f"{number} tambahan: kontak saya 081370004444 NIK {NIK}", message_id="prov-mask-3")
    assert note.json["action"] == "supported"
    updates = client.get(f"/open311/v2/servicerequestupdates.json?service_request_id={number}")
    assert updates.status_code == 200
    text = updates.get_data(as_text=True)
    assert "0813****444" in text
    _no_personal_numbers(text)
    assert "081370004444" not in text
    public = client.get(f"/api/v1/complaints/{number}").json
    assert "081370004444" not in str(public) and NIK not in str(public)


def test_an_sms_starting_with_publik_is_public(client, send_sms):
    r = send_sms("PUBLIK: Sampah menumpuk di Jl. Kartini", message_id="prov-mask-4")
    view = client.get(f"/api/v1/complaints/{r.json['number']}").json
    assert view["privacy"] == "public" and view["description"] == "Sampah menumpuk di Jl. Kartini"
