#!/usr/bin/env bash
# docs/officer.md, step by step: the complaint desk's queue, the workflow with ETags (verify, a stale
# ETag, start, an internal note, resolve; reject as not the city's), escalations after a sweep run "6 days
# later", and Disdukcapil's work: births and deaths held for review, a correction of an akta, an online
# application. Run after mobile.sh and counter.sh (their complaints are in the queue), against the same
# server (API=...).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
ROOT=$(dirname "$(dirname "$HERE")")
PY=${PYTHON:-$ROOT/.venv/bin/python}
JSON=(-H "Content-Type: application/json")
login() {
  curl -s -X POST "$API/api/v1/auth/login" -H "Content-Type: application/json" \
    -d "{\"username\": \"$1\", \"password\": \"siantar-demo-2026\"}" | jq -er .access_token
}
DESK=$(login desk.officer)      # the city's complaint desk (Diskominfo, position complaint_desk)
PUTR=$(login putr.officer)      # Dinas PUTR
DUK=$(login dukcapil.officer)   # Disdukcapil
MOTHER=$(login 1272015203959001)
FATHER=$(login 1272010807929001)
etag_of() { grep -i '^etag:' "$1" | cut -d' ' -f2 | tr -d '\r'; }

echo "== 1. The complaints queue"
call 200 GET "/api/v1/complaints/queue?state=submitted&page=1&page_size=2" -H "Authorization: Bearer $DESK"
[ "$(field 'length')" = 2 ]
call 200 GET "/api/v1/complaints/queue?state=submitted&page=2&page_size=2" -H "Authorization: Bearer $DESK"
call 422 GET "/api/v1/complaints/queue?status=open" -H "Authorization: Bearer $DESK"
[ "$(field .reason)" = validation_failed ] && [ "$(field '.errors.query.status[0]')" = "Unknown field." ]
call 200 GET "/api/v1/complaints/queue?state=submitted&category=jalan_rusak&page_size=50" -H "Authorization: Bearer $DESK"
POTHOLE=$(field '[.[] | select(.channel == "app")][0].number')          # the mobile guide's pothole
call 200 GET "/api/v1/complaints/queue?state=submitted&category=sampah&page_size=50" -H "Authorization: Bearer $DESK"
WASTE=$(field '[.[] | select(.channel == "call_centre")][0].number')    # the counter guide's caller
call 200 GET "/api/v1/complaints/queue?state=submitted&category=lampu_jalan&page_size=50" -H "Authorization: Bearer $DESK"
LIGHT=$(field '[.[] | select(.channel == "counter")][0].number')        # the counter guide's street light

echo "== 2. The workflow, with ETags"
curl -sS -D h.txt -o /dev/null "$API/api/v1/complaints/$POTHOLE" -H "Authorization: Bearer $DESK"
ETAG=$(etag_of h.txt); echo "$ETAG"
call 428 PATCH "/api/v1/complaints/$POTHOLE" -H "Authorization: Bearer $DESK" "${JSON[@]}" -d '{"action": "verify"}'
[ "$(field .reason)" = etag_required ]
call 200 PATCH "/api/v1/complaints/$POTHOLE" -H "Authorization: Bearer $DESK" -H "If-Match: $ETAG" "${JSON[@]}" \
  -d '{"action": "verify", "note": "Terverifikasi, diteruskan ke Dinas PUTR."}'
[ "$(field .state)" = assigned ] && [ "$(field .opd_code)" = DINAS_PUTR ] && [ "$(field .access)" = staff ]
call 412 PATCH "/api/v1/complaints/$POTHOLE" -H "Authorization: Bearer $DESK" -H "If-Match: $ETAG" "${JSON[@]}" \
  -d '{"action": "note", "note": "x", "public": false}'
[ "$(field .reason)" = etag_mismatch ]

echo "   Dinas PUTR starts, adds an internal note and resolves, each time with the ETag of the last answer"
curl -sS -D h.txt -o /dev/null "$API/api/v1/complaints/$POTHOLE" -H "Authorization: Bearer $PUTR"
patch() {  # patch EXPECTED BODY: with the last ETag, keeping the new one
  call "$1" PATCH "/api/v1/complaints/$POTHOLE" -H "Authorization: Bearer $PUTR" -H "If-Match: $(etag_of h.txt)" \
    "${JSON[@]}" -D h.new -d "$2"
  [ "$1" != 200 ] || mv h.new h.txt
}
patch 200 '{"action": "start", "note": "Tim UPT Jalan dijadwalkan besok pagi."}'
[ "$(field .state)" = in_progress ]
patch 200 '{"action": "note", "note": "Butuh 2 sak aspal dingin dari gudang Jl. Sisingamangaraja.", "public": false}'
patch 422 '{"action": "resolve", "outcome": "not_fixed", "note": "Belum bisa ditambal."}'
[ "$(field .reason)" = reason_required ]
patch 200 '{"action": "resolve", "outcome": "fixed", "note": "Lubang sudah ditambal dengan aspal dingin pada 24/11."}'
[ "$(field .state)" = resolved ] && [ "$(field .outcome)" = fixed ]
call 200 GET "/api/v1/complaints/$POTHOLE"
echo "$BODY" | jq -c '.history[] | {kind, to_state, note}'
[ "$(field '[.history[] | .note] | index("Butuh 2 sak aspal dingin dari gudang Jl. Sisingamangaraja.")')" = null ]

echo "   the street light filed at the counter goes to Dishub (its deadline comes back in section 3)"
curl -sS -D h3.txt -o /dev/null "$API/api/v1/complaints/$LIGHT" -H "Authorization: Bearer $DESK"
call 200 PATCH "/api/v1/complaints/$LIGHT" -H "Authorization: Bearer $DESK" -H "If-Match: $(etag_of h3.txt)" \
  "${JSON[@]}" -d '{"action": "verify"}'
[ "$(field .state)" = assigned ] && [ "$(field .opd_code)" = DISHUB ] && [ "$(field .reporter)" = null ]

echo "   rejecting what is not the city's matter needs who is responsible and the reply"
curl -sS -D h2.txt -o /dev/null "$API/api/v1/complaints/$WASTE" -H "Authorization: Bearer $DESK"
E2=$(etag_of h2.txt)
call 422 PATCH "/api/v1/complaints/$WASTE" -H "Authorization: Bearer $DESK" -H "If-Match: $E2" "${JSON[@]}" \
  -d '{"action": "reject", "rejection_reason": "not_city"}'
[ "$(field .reason)" = responsible_party_required ]
call 200 PATCH "/api/v1/complaints/$WASTE" -H "Authorization: Bearer $DESK" -H "If-Match: $E2" "${JSON[@]}" \
  -d '{"action": "reject", "rejection_reason": "not_city", "responsible_party": "PT KAI Divre I Sumatera Utara",
       "note": "TPS di lahan stasiun dikelola PT KAI; laporan diteruskan ke mereka."}'
[ "$(field .state)" = rejected ] && [ "$(field .responsible_party)" = "PT KAI Divre I Sumatera Utara" ]

echo "== 3. Deadlines and escalations: the sweep run as if it were 6 days later"
(cd "$ROOT" && "$PY" -c "
from datetime import timedelta
from wsgi import app
from gateway.db import UnitOfWork, utcnow
from services.complaints import service
with app.app_context(): print(service.sweep(UnitOfWork(), now=utcnow() + timedelta(days=6)))")
DISHUB=$(login dishub.officer)  # street lights are Dishub's
call 200 GET "/api/v1/complaints/notices?page=1&page_size=5" -H "Authorization: Bearer $DISHUB"
[ "$(field "[.[] | select(.number == \"$LIGHT\") | .kind] | index(\"escalation_head\") != null")" = true ]
call 200 GET "/api/v1/complaints/notices" -H "Authorization: Bearer $(login sekda)"
[ "$(field '[.[] | .kind] | index("escalation_secretary") != null')" = true ]
call 200 GET "/api/v1/complaints/queue?overdue=true" -H "Authorization: Bearer $DISHUB"
[ "$(field "[.[] | select(.overdue) | .number] | index(\"$LIGHT\") != null")" = true ]
FROM=$(TZ=Asia/Jakarta date +%Y-%m-01); TO=$(date -d "$FROM +1 month -1 day" +%F)  # this month
call 200 GET "/api/v1/complaints/stats?from=$FROM&to=$TO"

echo "== 4. Disdukcapil: births and deaths held for review"
LATE=$(TZ=Asia/Jakarta date -d '-75 days' +%Y-%m-%dT10:00:00+07:00)
"$PY" "$ROOT/docs/examples/hospital_report_birth.py" --base "$API" --mother-nik 1272015705910001 \
  --mother-name "Romauli Hotma Nainggolan" --mother-birth-date 1991-05-17 --father-nik "" \
  --born-at "$LATE" --reference "RM-LATE-$(date +%s)" | tee late.txt
grep -q "^review:       late_report" late.txt
DIED=$(TZ=Asia/Jakarta date -d '-2 hours' +%Y-%m-%dT%H:%M:00+07:00)
call 201 POST /api/v1/adminduk/deaths -H "Authorization: Bearer $FATHER" "${JSON[@]}" \
  -H "Idempotency-Key: $(new_key family-death)" \
  -d "{\"nik\": \"1272015005489001\", \"full_name\": \"Rosmawati Damanik\", \"birth_date\": \"1948-05-10\",
       \"died_at\": \"$DIED\", \"place\": \"Rumah, Jl. Sutomo No. 12\"}"
[ "$(field .state)" = needs_review ] && [ "$(field '.review_reasons[0]')" = family_report ]
call 403 GET "/api/v1/adminduk/reviews?state=needs_review" -H "Authorization: Bearer $PUTR"
[ "$(field .reason)" = opd_not_allowed ]
call 200 GET "/api/v1/adminduk/reviews?state=needs_review&page=1&page_size=20" -H "Authorization: Bearer $DUK"
LATE_BIRTH=$(field '[.[] | select(.kind == "birth" and .review_reasons == ["late_report"])][0].id')
FAMILY_DEATH=$(field '[.[] | select(.kind == "death" and .review_reasons == ["family_report"])][0].id')
call 200 GET "/api/v1/adminduk/births/$LATE_BIRTH" -H "Authorization: Bearer $DUK"
call 200 POST "/api/v1/adminduk/births/$LATE_BIRTH/approve" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"reason": "Terlambat dilaporkan; surat keterangan lahir RS dan KK ibu sesuai"}'
[ "$(field .state)" = registered ] && field .child_nik >/dev/null
call 409 POST "/api/v1/adminduk/births/$LATE_BIRTH/approve" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"reason": "Terlambat dilaporkan"}'
[ "$(field .reason)" = not_under_review ]
call 200 POST "/api/v1/adminduk/deaths/$FAMILY_DEATH/reject" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"reason": "Surat keterangan kematian dari kelurahan belum dilampirkan; silakan datang ke Disdukcapil"}'
[ "$(field .state)" = rejected ]

echo "== 5. Disdukcapil: a correction of an akta kelahiran"
call 200 GET "/api/v1/me/documents?status=valid" -H "Authorization: Bearer $FATHER"
TWIN_AKTA=$(field '.[] | select(.kind == "akta_kelahiran" and .subject_name == "PUTRA ANUGRAH SIMANJUNTAK") | .id')
# The supporting letter, scanned (here a one-page PDF made on the spot).
"$PY" -c "
from reportlab.pdfgen.canvas import Canvas
c = Canvas('bukti.pdf'); c.drawString(72, 760, 'Surat keterangan lahir: PUTRA ANUGERAH SIMANJUNTAK'); c.save()"
call 201 POST /api/v1/adminduk/corrections -H "Authorization: Bearer $FATHER" "${JSON[@]}" \
  -H "Idempotency-Key: $(new_key correction)" \
  -d "{\"document_id\": \"$TWIN_AKTA\", \"corrected_name\": \"Putra Anugerah Simanjuntak\",
       \"note\": \"Salah ketik nama\", \"attachment\": {\"content_type\": \"application/pdf\",
       \"filename\": \"bukti.pdf\", \"data\": \"$(base64 -w0 bukti.pdf)\"}}"
call 200 GET "/api/v1/adminduk/corrections?state=submitted" -H "Authorization: Bearer $DUK"
echo "$BODY" | jq -c '.[] | {id, tracking_number, current_name, corrected_name, attachment_content_type, attachment_size}'
CORRECTION=$(field '.[0].id')
curl -sS -o bukti-downloaded.pdf "$API/api/v1/adminduk/corrections/$CORRECTION/attachment" -H "Authorization: Bearer $DUK"
cmp bukti.pdf bukti-downloaded.pdf
call 200 POST "/api/v1/adminduk/corrections/$CORRECTION/approve" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"reason": "Sesuai surat keterangan lahir RSUD dr. Djasamen Saragih"}'
[ "$(field .state)" = approved ]
call 409 POST "/api/v1/adminduk/corrections/$CORRECTION/reject" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"reason": "Terlambat"}'
[ "$(field .reason)" = correction_decided ]
call 200 GET /api/v1/me/documents -H "Authorization: Bearer $FATHER"
echo "$BODY" | jq -r '.[] | select(.kind != "kk" and (.subject_name | startswith("PUTRA"))) | [.kind, .number, .version, .status, .subject_name] | @tsv'
[ "$(field '[.[] | select(.kind == "akta_kelahiran" and (.subject_name | startswith("PUTRA"))) | "v\(.version) \(.status) \(.subject_name)"] | join(",")')" = "v2 valid PUTRA ANUGERAH SIMANJUNTAK,v1 replaced PUTRA ANUGRAH SIMANJUNTAK" ]

echo "== 6. Applications online: the mother lost her KK too and asks for a reprint in her app"
"$PY" -c "from PIL import Image; Image.new('RGB', (120, 160), (250, 250, 250)).save('laporan.jpg', quality=80)"
call 201 POST /api/v1/adminduk/applications -H "Authorization: Bearer $MOTHER" "${JSON[@]}" \
  -H "Idempotency-Key: $(new_key reprint)" \
  -d "{\"kind\": \"reprint\", \"reprint\": {\"document\": \"kk\", \"police_report_number\": \"SKTLK/415/XI/2026/Polres Siantar\",
       \"lost_on\": \"2026-11-21\"}, \"attachments\": [{\"kind\": \"police_loss_report\", \"content_type\": \"image/jpeg\",
       \"filename\": \"laporan.jpg\", \"data\": \"$(base64 -w0 laporan.jpg)\"}]}"
call 200 GET "/api/v1/adminduk/applications/queue?kind=reprint&page=1&page_size=20" -H "Authorization: Bearer $DUK"
APPLICATION=$(field '[.[] | select(.applicant_name == "SITI RAHMA SIREGAR")][0].id')
curl -sS -D a.txt -o /dev/null "$API/api/v1/adminduk/applications/$APPLICATION" -H "Authorization: Bearer $DUK"
FIRST=$(etag_of a.txt)
call 200 POST "/api/v1/adminduk/applications/$APPLICATION/review" -H "Authorization: Bearer $DUK" -H "If-Match: $FIRST" \
  "${JSON[@]}" -D rv.h -d '{"note": "Diperiksa terhadap registri"}'
[ "$(field .state)" = in_review ]
call 412 POST "/api/v1/adminduk/applications/$APPLICATION/approve" -H "Authorization: Bearer $DUK" -H "If-Match: $FIRST" \
  "${JSON[@]}" -d '{}'
[ "$(field .reason)" = etag_mismatch ]
call 200 POST "/api/v1/adminduk/applications/$APPLICATION/approve" -H "Authorization: Bearer $DUK" \
  -H "If-Match: $(etag_of rv.h)" "${JSON[@]}" -d '{"note": "Data KK sesuai registri; dicetak ulang"}'
[ "$(field .state)" = approved ] && [ "$(field '.documents[0].kind')" = kk ]
call 200 GET "/api/v1/me/access-log?limit=10" -H "Authorization: Bearer $MOTHER"
[ "$(field '[.[] | .action] | index("decide:application") != null')" = true ]
echo "officer guide: every step answered as documented"
