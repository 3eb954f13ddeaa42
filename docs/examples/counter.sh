#!/usr/bin/env bash
# docs/counter.md, step by step: the counter logs in, acts for the demo grandmother (who is present) with
# the on-behalf headers, prints her documents, files a complaint and a reprint for her, prints the new
# KK once Disdukcapil approved it, and she reads it all in her access log. Run after mobile.sh (she
# signed up there), against the same server (API=...).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
ROOT=$(dirname "$(dirname "$HERE")")
PY=${PYTHON:-$ROOT/.venv/bin/python}
JSON=(-H "Content-Type: application/json")
HER_NIK=1272015005489001
REASON="Loket MPP 3 - warga hadir, KTP-el diperiksa"
login() {
  curl -s -X POST "$API/api/v1/auth/login" -H "Content-Type: application/json" \
    -d "{\"username\": \"$1\", \"password\": \"${2:-siantar-demo-2026}\"}" | jq -er .access_token
}

echo "== 1. Login"
call 200 POST /api/v1/auth/login "${JSON[@]}" -d '{"username": "counter.mpp", "password": "siantar-demo-2026"}'
COUNTER=$(field .access_token)

echo "== 2. Acting for the citizen: two headers"
FOR=(-H "Authorization: Bearer $COUNTER" -H "X-On-Behalf-Of: $HER_NIK" -H "X-On-Behalf-Reason: $REASON")
call 200 GET /api/v1/me "${FOR[@]}"
[ "$(field .resident.full_name)" = "ROSMAWATI DAMANIK" ] && [ "$(field .resident.birth_date)" = 1948-05-10 ]
call 422 GET /api/v1/me -H "Authorization: Bearer $COUNTER" -H "X-On-Behalf-Of: $HER_NIK"
[ "$(field .reason)" = on_behalf_reason_required ]
call 404 GET /api/v1/me -H "Authorization: Bearer $COUNTER" -H "X-On-Behalf-Of: 1272014101900999" \
  -H "X-On-Behalf-Reason: Loket MPP 3"
[ "$(field .reason)" = resident_not_found ]
call 403 GET /api/v1/me -H "Authorization: Bearer $COUNTER"
[ "$(field .reason)" = citizen_required ]
call 403 GET /api/v1/me -H "Authorization: Bearer $(login dukcapil.officer)" -H "X-On-Behalf-Of: $HER_NIK" \
  -H "X-On-Behalf-Reason: $REASON"
[ "$(field .reason)" = on_behalf_not_allowed ]

echo "== 3. List and print her documents"
call 200 GET "/api/v1/me/documents?status=valid" "${FOR[@]}"
echo "$BODY" | jq -r '.[] | [.id, .kind, .number, .version, .rendered] | @tsv'
KK=$(field '.[] | select(.kind == "kk") | .id') KK_VERSION=$(field '.[] | select(.kind == "kk") | .version')
curl -sS -D kk-headers.txt -o kk.pdf "$API/api/v1/documents/$KK/pdf" "${FOR[@]}"
cat kk-headers.txt
grep -q "^HTTP/1.1 200" kk-headers.txt && [ "$(head -c 5 kk.pdf)" = "%PDF-" ]
call 404 GET "/api/v1/documents/$KK/pdf" -H "Authorization: Bearer $COUNTER"
[ "$(field .reason)" = document_not_found ]

echo "== 4. File a complaint for her"
call 201 POST /api/v1/complaints "${FOR[@]}" "${JSON[@]}" -H "Idempotency-Key: $(new_key mpp3)" \
  -d '{"category_code": "lampu_jalan", "description": "Lampu jalan mati di depan rumah, gang gelap pada malam hari.",
       "kelurahan_code": "12.72.01.1001", "address": "Jl. Sutomo No. 12, RT 003/RW 001",
       "privacy": "anonymous", "attributes": {"nomor_tiang": "ST-118"}}'
[ "$(field .channel)" = counter ] && [ "$(field .privacy)" = anonymous ]

echo "   a caller without a KTP-el (call-centre mode)"
call 201 POST /api/v1/complaints -H "Authorization: Bearer $COUNTER" "${JSON[@]}" -H "Idempotency-Key: $(new_key mpp3)" \
  -d '{"category_code": "sampah", "description": "Sampah di TPS Jl. Melanthon Siregar belum diangkut tiga hari.",
       "kelurahan_code": "12.72.01.1001", "address": "TPS Jl. Melanthon Siregar",
       "reporter_name": "Tiurma Sinaga", "reporter_phone": "0813-7000-5678"}'
[ "$(field .channel)" = call_centre ]
call 422 POST /api/v1/complaints -H "Authorization: Bearer $COUNTER" "${JSON[@]}" -H "Idempotency-Key: $(new_key mpp3)" \
  -d '{"category_code": "sampah", "description": "Sampah di TPS Jl. Melanthon Siregar belum diangkut tiga hari.",
       "kelurahan_code": "12.72.01.1001", "address": "TPS Jl. Melanthon Siregar"}'
[ "$(field .reason)" = caller_required ]

echo "== 5. File an application for her: a reprint of the lost KK"
# The police report she brought, photographed at the counter (here a small white JPEG made on the spot).
"$PY" -c "from PIL import Image; Image.new('RGB', (120, 160), (250, 250, 250)).save('sktlk.jpg', quality=80)"
SKTLK=$(base64 -w0 sktlk.jpg)
cat > reprint.json <<EOF
{
  "kind": "reprint",
  "reprint": {"document": "kk", "police_report_number": "SKTLK/412/XI/2026/Polres Siantar", "lost_on": "2026-11-20"},
  "note": "KK asli hilang saat pindah kamar",
  "attachments": [{"kind": "police_loss_report", "content_type": "image/jpeg", "filename": "sktlk.jpg", "data": "$SKTLK"}]
}
EOF
call 201 POST /api/v1/adminduk/applications "${FOR[@]}" "${JSON[@]}" -H "Idempotency-Key: $(new_key mpp3)" \
  --data-binary @reprint.json
APPLICATION=$(field .id)
[ "$(field .state)" = submitted ] && [ "$(field .channel)" = counter ] && [ "$(field .fee)" = 0 ]

echo "== 6. Print the result when it is ready"
echo "   (Disdukcapil reviews and approves it: the officer guide, section 6, shows these two calls)"
DUK=$(login dukcapil.officer)
call 200 POST "/api/v1/adminduk/applications/$APPLICATION/review" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"note": "Diperiksa terhadap registri"}'
call 200 POST "/api/v1/adminduk/applications/$APPLICATION/approve" -H "Authorization: Bearer $DUK" "${JSON[@]}" \
  -d '{"note": "Data KK sesuai registri; dicetak ulang"}'
call 200 GET "/api/v1/adminduk/applications/$APPLICATION" "${FOR[@]}"
echo "$BODY" | jq -c '{state, documents: [.documents[] | {id, kind, number, version, status}]}'
[ "$(field .state)" = approved ] && [ "$(field '.documents[0].version')" = $((KK_VERSION + 1)) ]
NEW_KK=$(field '.documents[0].id')
for _ in $(seq 1 60); do  # signed within seconds (asked by the officer: each print is a row in her log)
  [ "$(curl -sS -o /dev/null -w '%{http_code}' "$API/api/v1/documents/$NEW_KK/pdf" -H "Authorization: Bearer $DUK")" = 409 ] || break
  sleep 1
done
curl -sS -D kk-new-headers.txt -o kk-new.pdf "$API/api/v1/documents/$NEW_KK/pdf" "${FOR[@]}"
cat kk-new-headers.txt
grep -q "^HTTP/1.1 200" kk-new-headers.txt && [ "$(head -c 5 kk-new.pdf)" = "%PDF-" ]

echo "== 7. What she sees in her access log"
call 403 GET "/api/v1/me/access-log?limit=20" "${FOR[@]}"
[ "$(field .reason)" = role_not_allowed ]
HER_TOKEN=$(login $HER_NIK kopi-siantar-48)  # her own login, made in the mobile guide
call 200 GET "/api/v1/me/access-log?limit=20" -H "Authorization: Bearer $HER_TOKEN"
echo "$BODY" | jq -c '.[]'
COUNTER_ROWS=$(field '[.[] | select(.actor_role == "counter") | .action] | join(",")')
echo "counter rows: $COUNTER_ROWS"
[ "$COUNTER_ROWS" = "refused 403: GET /api/v1/me/access-log,print:document,GET /api/v1/adminduk/applications/<application_id>,file:application,file:complaint,print:document,read:documents,read:profile" ]
[ "$(field '[.[] | select(.actor_role == "counter") | .reason] | unique | join(",")')" = "$REASON" ]
[ "$(field '[.[] | select(.actor_role == "officer") | .action] | index("decide:application") != null')" = true ]
echo "counter guide: every step answered as documented"
