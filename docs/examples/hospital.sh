#!/usr/bin/env bash
# docs/hospital.md, step by step: token, a birth as JSON, retries with Idempotency-Key, a duplicate, a
# mismatching mother, a death and its errors. Run first, against a fresh `make run` (API=...).
source "$(dirname "$0")/lib.sh"

echo "== 2. Access token (OAuth2 client credentials)"
call 200 POST /api/v1/auth/token -u rsud-djasamen:demo-hospital-secret -d grant_type=client_credentials
call 200 POST /api/v1/auth/token -d grant_type=client_credentials -d client_id=rsud-djasamen \
  -d client_secret=demo-hospital-secret
call 401 POST /api/v1/auth/token -u rsud-djasamen:wrong -d grant_type=client_credentials
[ "$(field .reason)" = invalid_client ]
call 200 POST /api/v1/auth/token -u rsud-djasamen:demo-hospital-secret -d grant_type=client_credentials
TOKEN=$(field .access_token)
AUTH=(-H "Authorization: Bearer $TOKEN")

echo "== 3. Report a birth (plain JSON)"
BORN=$(TZ=Asia/Jakarta date -d '-1 hour' +%Y-%m-%dT%H:%M:00+07:00)
REF=RM-$(date +%Y)-$RANDOM$RANDOM
cat > birth.json <<JSON
{
  "child_name": "By. Ny. Siti Rahma",
  "sex": "P",
  "born_at": "$BORN",
  "birth_place": "PEMATANGSIANTAR",
  "weight_grams": 3150,
  "length_cm": 49.5,
  "multiple_birth_order": 1,
  "attendant": "dr. Sari Lubis, Sp.OG",
  "mother_nik": "1272015203959001",
  "mother_name": "Siti Rahma Siregar",
  "mother_birth_date": "1995-03-12",
  "father_nik": "1272010807929001",
  "hospital_reference": "$REF"
}
JSON
BIRTH_KEY=$(new_key rsud-djasamen:birth:$REF)
call 201 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $BIRTH_KEY" --data-binary @birth.json
BIRTH=$(field .id)
[ "$(field .state)" = registered ] && [ "$(field .child_name)" = null ]
field .child_nik >/dev/null && field .akta_number >/dev/null

echo "   a mother's name and birth date that do not match the registry"
sed -e 's/"Siti Rahma Siregar"/"Siti Rahmah Siregar"/' -e 's/1995-03-12/1995-03-21/' \
  -e "s/$REF/$REF-MM/" birth.json > birth-mm.json
call 422 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:$REF-MM)" --data-binary @birth-mm.json
[ "$(field .reason)" = mother_mismatch ]

echo "== 4. Idempotency-Key: retry without fear"
curl -s -D headers.txt -o /dev/null -X POST "$API/api/v1/adminduk/births" "${AUTH[@]}" \
  -H "Content-Type: application/json" -H "Idempotency-Key: $BIRTH_KEY" --data-binary @birth.json
grep -qi "^Idempotent-Replayed: true" headers.txt && echo "replayed: the first answer again"
sed 's/3150/3200/' birth.json > birth-changed.json
call 422 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $BIRTH_KEY" --data-binary @birth-changed.json
[ "$(field .reason)" = idempotency_key_reused ]
call 400 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" --data-binary @birth.json
[ "$(field .reason)" = idempotency_key_required ]
call 409 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:$REF-again)" --data-binary @birth.json
[ "$(field .reason)" = duplicate_birth ] && [ "$(field .existing_id)" = "$BIRTH" ]

echo "== 7. Read it back"
call 200 GET "/api/v1/adminduk/births/$BIRTH" "${AUTH[@]}"

echo "== 9. Report a death"
NIK=1272022109590001 NAME="Maruli Santoso" BD=1959-09-21  # README's demo table
DIED=$(TZ=Asia/Jakarta date -d '-30 min' +%Y-%m-%dT%H:%M:00+07:00)
cat > death.json <<JSON
{
  "nik": "$NIK",
  "full_name": "$NAME",
  "birth_date": "$BD",
  "died_at": "$DIED",
  "place": "RSUD dr. Djasamen Saragih",
  "cause": "Gagal jantung kongestif",
  "hospital_reference": "$REF-D"
}
JSON
sed -e 's/"Maruli Santoso"/"Maruli Santosa"/' -e 's/1959-09-21/1959-09-12/' death.json > death-mm.json
call 422 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:mm)" --data-binary @death-mm.json
[ "$(field .reason)" = deceased_mismatch ]
call 201 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:$REF-D)" --data-binary @death.json
DEATH=$(field .id)
[ "$(field .state)" = registered ]
call 409 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:again)" --data-binary @death.json
[ "$(field .reason)" = already_deceased ] && [ "$(field .existing_id)" = "$DEATH" ]
call 200 GET "/api/v1/adminduk/deaths/$DEATH" "${AUTH[@]}"
echo "hospital guide: every step answered as documented"
